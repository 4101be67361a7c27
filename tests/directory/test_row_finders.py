"""Finding directory rows as people name them: codes and names ignoring case and spaces."""

from __future__ import annotations

import pytest

from hotline.desk.operations import Desk
from hotline.directory.fields import FieldError
from hotline.directory.forms import CustomerForm, SiteForm
from hotline.directory.row_finders import customer_code, find_customer, find_site, get_row
from hotline.directory.saving import save_customer, save_site
from hotline.errors import NotFound
from hotline.store.models import Customer


def test_a_customer_and_its_site_are_found_as_typed(desk: Desk) -> None:
    cid = save_customer(desk, CustomerForm("GDT-SZ", "广东电信深圳分公司")).id
    save_site(desk, SiteForm("GDT-SZ", "南山 机房"))
    with desk.read() as s:
        customer = find_customer(s, "  gdt-sz ")
        assert customer.id == cid
        site = find_site(s, customer, "南山   机房")
        assert site is not None and site.name == "南山 机房"
        assert find_site(s, customer, " ") is None
        assert customer_code(s, cid) == "GDT-SZ"
        assert customer_code(s, cid + 1) == "?"


def test_what_is_not_there_is_refused_on_the_field_that_named_it(desk: Desk) -> None:
    save_customer(desk, CustomerForm("ACME", "Acme"))
    with desk.read() as s:
        with pytest.raises(FieldError, match="no customer with code 'NOPE'") as e1:
            find_customer(s, "NOPE", "customer_code")
        with pytest.raises(FieldError, match="Customer code is required") as e2:
            find_customer(s, "")
        with pytest.raises(FieldError, match="Customer ACME has no site '后海'") as e3:
            find_site(s, find_customer(s, "acme"), "后海")
        assert (e1.value.field, e2.value.field, e3.value.field) == (
            "customer_code", "customer", "site")
        with pytest.raises(NotFound, match="There is no customer 99; someone may have changed"):
            get_row(s, Customer, 99, "customer")
