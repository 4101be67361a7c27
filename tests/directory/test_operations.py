"""Directory operations: every field checked, one transaction with its event each."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session, col, func, select

from hotline.desk.operations import Desk
from hotline.directory.callers import match_number
from hotline.directory.contact_numbers import parse_numbers
from hotline.directory.contract_terms import parse_day
from hotline.directory.fields import FieldError, area_place, check_area_code
from hotline.directory.forms import ContactForm, ContractForm, CustomerForm, SiteForm, contact_form
from hotline.directory.listing import list_contacts, list_contracts, list_customers, list_sites
from hotline.directory.saving import (
    Unconfirmed,
    save_contact,
    save_contract,
    save_customer,
    save_site,
)
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Event, Site


def events(desk: Desk, kind: str) -> list[dict[str, object]]:
    with Session(desk.engine) as s:
        return [json.loads(e.data) for e in s.exec(
            select(Event).where(Event.kind == kind).order_by(col(Event.id))).all()]


def count(desk: Desk, model: type) -> int:
    with Session(desk.engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def add_customer(desk: Desk, code: str = "ACME", area: str = "0755") -> int:
    cid = save_customer(desk, CustomerForm(code, "Acme 深圳", "深圳")).id
    save_site(desk, SiteForm(code, "南山机房", "深圳", area))
    return cid


# --- field checks ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01", date(2026, 3, 1)), ("2026/3/1", date(2026, 3, 1)),
    ("2026.03.01", date(2026, 3, 1)), ("2026年3月1日", date(2026, 3, 1)),
    ("20260301", date(2026, 3, 1)), ("  ", None),
])
def test_dates_in_the_forms_people_write(text: str, expected: date | None) -> None:
    assert parse_day(text, "valid_from", "Valid from") == expected


@pytest.mark.parametrize("text", ["2026-02-30", "next year", "2026-13-01", "26-3-1"])
def test_a_date_that_is_not_one_is_refused_saying_how_to_write_it(text: str) -> None:
    with pytest.raises(FieldError, match="YYYY-MM-DD") as exc:
        parse_day(text, "valid_from", "Valid from")
    assert exc.value.field == "valid_from"


def test_numbers_are_separated_by_semicolons_commas_and_lines_not_by_ext() -> None:
    entries = parse_numbers(
        "mobile: 139 0225 1234；0755-83765432、+86 755 8376 5433;ext=8001\n62345678", "010")
    assert [(e.label, e.number.e164, e.number.extension) for e in entries] == [
        ("mobile", "+8613902251234", None), (None, "+8675583765432", None),
        (None, "+8675583765433", "8001"), (None, "+861062345678", None)]


def test_the_same_number_twice_is_kept_once() -> None:
    entries = parse_numbers("139 0225 1234; 13902251234", None)
    assert len(entries) == 1


def test_numbers_a_spreadsheet_mangled_get_a_hint() -> None:
    with pytest.raises(FieldError, match="format the column as text"):
        parse_numbers("1.39023E+10", None)
    # a leading 0 a spreadsheet dropped is understood anyway
    assert parse_numbers("75583765432", None)[0].number.e164 == "+8675583765432"


def test_area_codes_are_checked_and_written_with_their_zero() -> None:
    assert check_area_code("755") == "0755"
    assert check_area_code(" 010 ") == "010"
    with pytest.raises(FieldError, match="not an area code in use"):
        check_area_code("0999999")
    assert area_place("755") == "Shenzhen, Guangdong"


# --- customers and sites -----------------------------------------------------------------


def test_a_customer_is_added_and_edited_each_with_its_event(desk: Desk) -> None:
    saved = save_customer(desk, CustomerForm(" GDT-SZ ", "广东电信  深圳分公司", "深圳"))
    assert saved.created
    edited = save_customer(desk, CustomerForm("GDT-SZ", "广东电信深圳分公司", "深圳"),
                           saved.id)
    assert edited.changes == {"name": ["广东电信 深圳分公司", "广东电信深圳分公司"]}
    assert save_customer(desk, CustomerForm("GDT-SZ", "广东电信深圳分公司", "深圳"),
                         saved.id).changed is False
    assert [e["code"] for e in events(desk, "customer_added")] == ["GDT-SZ"]
    assert len(events(desk, "customer_changed")) == 1  # nothing changed: no event


@pytest.mark.parametrize(("form", "field", "message"), [
    (CustomerForm("", "X"), "code", "Customer code is required"),
    (CustomerForm("GD SZ", "X"), "code", "contains a space"),
    (CustomerForm("X", ""), "name", "Customer name is required"),
    (CustomerForm("X" * 41, "X"), "code", "at most 40 characters"),
    (CustomerForm("acme", "Other"), "code", "taken by Acme"),
])
def test_a_bad_customer_is_refused_naming_the_field(desk: Desk, form: CustomerForm,
                                                    field: str, message: str) -> None:
    add_customer(desk)
    with pytest.raises(FieldError, match=message) as exc:
        save_customer(desk, form)
    assert exc.value.field == field
    assert count(desk, Customer) == 1


def test_a_site_needs_a_known_customer_a_real_area_code_and_its_own_name(desk: Desk) -> None:
    add_customer(desk)
    with pytest.raises(FieldError, match="no customer with code 'NOPE'") as e1:
        save_site(desk, SiteForm("NOPE", "机房"))
    with pytest.raises(FieldError, match="not an area code") as e2:
        save_site(desk, SiteForm("ACME", "福田机房", area_code="07x5"))
    with pytest.raises(FieldError, match="already has a site") as e3:
        save_site(desk, SiteForm("acme", "南山机房 "))
    assert (e1.value.field, e2.value.field, e3.value.field) == ("customer", "area_code", "name")
    saved = save_site(desk, SiteForm("acme", "福田机房", "深圳", "755"))
    with Session(desk.engine) as s:
        site = s.get(Site, saved.id)
        assert site is not None and site.area_code == "0755"
    assert events(desk, "site_added")[-1]["area_code"] == "0755"


# --- contacts -------------------------------------------------------------------------------


def test_a_contact_with_local_extension_and_service_numbers(desk: Desk) -> None:
    add_customer(desk)
    saved = save_contact(desk, ContactForm(
        "ACME", "黄志明", "主管", "南山机房", "huang@example.com",
        "手机: 139 0225 1234\n83765432 转 8001\n95588"))
    with Session(desk.engine) as s:
        numbers = s.exec(select(ContactNumber).where(ContactNumber.contact_id == saved.id)
                         .order_by(col(ContactNumber.id))).all()
        assert [(n.e164, n.extension, n.kind, n.label) for n in numbers] == [
            ("+8613902251234", None, "mobile", "手机"),
            ("+8675583765432", "8001", "fixed", None),
            ("95588", None, "short", None)]
        match = match_number(s, "+8675583765432", date(2026, 11, 25))
    assert match.contact_name == "黄志明"
    [event] = events(desk, "contact_added")
    assert event["customer"] == "ACME" and len(event["numbers"]) == 3  # type: ignore[arg-type]


def test_a_local_number_without_a_site_area_code_is_refused_saying_so(desk: Desk) -> None:
    save_customer(desk, CustomerForm("BJ", "北京客户"))
    with pytest.raises(FieldError, match="no area code") as exc:
        save_contact(desk, ContactForm("BJ", "孙立", numbers="62345678"))
    assert exc.value.field == "numbers"
    assert count(desk, Contact) == 0


@pytest.mark.parametrize(("form", "field", "message"), [
    (ContactForm("ACME", "", numbers="13800138000"), "name", "Contact name is required"),
    (ContactForm("ACME", "王五", numbers=""), "numbers", "At least one phone number"),
    (ContactForm("ACME", "王五", numbers="0755-123"), "numbers", "too short"),
    (ContactForm("ACME", "王五", numbers="138001380"), "numbers", "11 digits"),
    (ContactForm("ACME", "王五", email="wang@", numbers="13800138000"), "email",
     "not an e-mail address"),
    (ContactForm("ACME", "王五", site="后海", numbers="13800138000"), "site",
     "no site '后海'"),
    (ContactForm("ACME", "黄志明", numbers="13800138000"), "name", "already has a contact"),
])
def test_a_bad_contact_is_refused_and_nothing_is_written(desk: Desk, form: ContactForm,
                                                         field: str, message: str) -> None:
    add_customer(desk)
    save_contact(desk, ContactForm("ACME", "黄志明", numbers="13902251234"))
    with pytest.raises(FieldError, match=message) as exc:
        save_contact(desk, form)
    assert exc.value.field == field
    assert (count(desk, Contact), count(desk, ContactNumber)) == (1, 1)


def test_editing_a_contact_makes_its_numbers_the_forms(desk: Desk) -> None:
    add_customer(desk)
    saved = save_contact(desk, ContactForm(
        "ACME", "黄志明", numbers="13902251234; 0755-83765432"))
    form = contact_form(desk, saved.id)
    assert form.numbers == "139 0225 1234\n0755 8376 5432"
    edited = save_contact(desk, ContactForm(
        "ACME", "黄志明", numbers="office: 0755 8376 5432\n13760112345"), saved.id)
    changes = edited.changes["numbers"]
    assert [n["e164"] for n in changes["added"]] == ["+8613760112345"]
    assert [n["e164"] for n in changes["removed"]] == ["+8613902251234"]
    assert changes["relabelled"][0]["label"] == [None, "office"]
    with Session(desk.engine) as s:
        assert sorted(s.exec(select(ContactNumber.e164)).all()) == [
            "+8613760112345", "+8675583765432"]
    assert len(events(desk, "contact_changed")) == 1


def test_a_number_of_another_customers_contact_is_a_warning_to_confirm(desk: Desk) -> None:
    add_customer(desk, "ACME")
    add_customer(desk, "BETA")
    save_contact(desk, ContactForm("ACME", "总机", numbers="0755-83765432"))
    form = ContactForm("BETA", "前台", numbers="83765432")
    with pytest.raises(Unconfirmed) as exc:
        save_contact(desk, form, confirmed=False)
    assert "also the number of 总机 (ACME)" in exc.value.warnings[0]
    assert count(desk, Contact) == 1
    saved = save_contact(desk, form, confirmed=True)
    assert saved.created and saved.warnings


# --- contracts -------------------------------------------------------------------------------


def contract(code: str = "STD-1", **kw: str) -> ContractForm:
    values = {"customer": "ACME", "policy": "standard", "grade": "a", "region": "深圳",
              "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    values.update(kw)
    return ContractForm(code, **values)


@pytest.mark.parametrize(("form", "field", "message"), [
    (contract(policy="platinum"), "policy",
     "'platinum' is not a policy the desk has loaded; it has: fire-maintenance, "
     "guangdong-transmission, standard"),
    (contract(policy=""), "policy", "Choose the contract's policy"),
    (contract(grade="D"), "grade", "Policy standard has no grade D; it has A/B/C"),
    (contract(grade=""), "grade", "Choose the grade"),
    (contract(valid_from="2026-12-31", valid_to="2026-01-01"), "valid_to",
     r"ends \(2026-01-01\) before it starts \(2026-12-31\)"),
    (contract(valid_from=""), "valid_from", "starts is required"),
    (contract(valid_to="31/12/2026"), "valid_to", "not a date"),
    (contract(customer="NOPE"), "customer", "no customer"),
    (contract(code=""), "code", "Contract code is required"),
])
def test_a_bad_contract_is_refused_naming_the_field(desk: Desk, form: ContractForm,
                                                    field: str, message: str) -> None:
    add_customer(desk)
    with pytest.raises(FieldError, match=message) as exc:
        save_contract(desk, form)
    assert exc.value.field == field
    assert count(desk, Contract) == 0


def test_a_contract_is_saved_with_the_policys_own_spelling(desk: Desk) -> None:
    add_customer(desk)
    saved = save_contract(desk, contract(policy="Standard", grade="b"))
    with Session(desk.engine) as s:
        row = s.get(Contract, saved.id)
        assert row is not None
        assert (row.policy, row.grade, row.valid_from) == ("standard", "B", date(2026, 1, 1))
    [event] = events(desk, "contract_added")
    assert event["valid_to"] == "2026-12-31" and event["customer"] == "ACME"


def test_a_policy_without_grades_takes_none(desk: Desk) -> None:
    add_customer(desk)
    saved = save_contract(desk, contract("GD-1", policy="guangdong-transmission", grade=""))
    assert saved.created


def test_a_region_the_policy_has_no_zone_for_is_a_warning_not_a_refusal(desk: Desk) -> None:
    add_customer(desk)
    form = contract("GD-1", policy="guangdong-transmission", grade="", region="北京")
    with pytest.raises(Unconfirmed) as exc:
        save_contract(desk, form, confirmed=False)
    assert "no zone for 北京" in exc.value.warnings[0]
    assert "深圳" in exc.value.warnings[0]  # the cities it knows, in the region's script
    assert count(desk, Contract) == 0
    assert save_contract(desk, form).warnings
    # a region it knows, and a policy without zones, warn of nothing
    save_contract(desk, contract("GD-2", policy="guangdong-transmission", grade="",
                                 region="佛山市", valid_from="2027-01-01", valid_to=""),
                      confirmed=False)


def test_two_contracts_in_force_at_once_are_a_warning(desk: Desk) -> None:
    add_customer(desk)
    save_contract(desk, contract("STD-1"))
    with pytest.raises(Unconfirmed, match="STD-1 of the same customer"):
        save_contract(desk, contract("STD-2", valid_from="2026-06-01", valid_to=""),
                      confirmed=False)
    save_contract(desk, contract("STD-3", valid_from="2027-01-01", valid_to=""),
                  confirmed=False)


def test_editing_a_contract_records_what_changed(desk: Desk) -> None:
    add_customer(desk)
    saved = save_contract(desk, contract())
    with pytest.raises(FieldError, match="taken"):
        save_contract(desk, contract("std-1", valid_from="2030-01-01", valid_to=""))
    edited = save_contract(desk, contract(grade="C", valid_to="2027-06-30"), saved.id)
    assert edited.changes == {"grade": ["A", "C"],
                              "valid_to": [date(2026, 12, 31), date(2027, 6, 30)]}
    [event] = events(desk, "contract_changed")
    assert event["changes"] == {"grade": ["A", "C"], "valid_to": ["2026-12-31", "2027-06-30"]}


# --- listings ----------------------------------------------------------------------------------


def test_listings_search_every_word_names_codes_and_number_digits(demo_desk: Desk) -> None:
    assert [c.code for c in list_customers(demo_desk, "广东电信").rows] == [
        "GDT-FS", "GDT-SZ", "GDT-ZJ"]
    assert [c.code for c in list_customers(demo_desk, "电信 佛山").rows] == ["GDT-FS"]
    found = list_contacts(demo_desk, "0755-8376")
    assert [p.name for p in found.rows] == ["黄志明"]
    assert found.rows[0].numbers == ("139 0225 1234", "0755 8376 5432")
    assert [p.name for p in list_contacts(demo_desk, "gdt-sz 主管").rows] == ["黄志明"]
    contracts = list_contracts(demo_desk, "standard")
    states = {k.code: k.state for k in contracts.rows}
    assert states["STD-2025-031"] == "ended"  # 2025-07-01 … 2026-06-30; today is 2026-11-25
    assert states["STD-2026-010"] == "in_force"
    sites = list_sites(demo_desk, "0755")
    assert [s.name for s in sites.rows] == ["福田传输机房"]
    limited = list_contacts(demo_desk, "", limit=3)
    assert len(limited.rows) == 3 and limited.total == 10
    assert list_customers(demo_desk, "100%_").rows == []  # LIKE wildcards are literal
