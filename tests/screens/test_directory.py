"""The Directory screen and its forms, driven by keyboard (Pilot)."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select
from textual.widgets import Input, Static, TextArea

from hotline.desk.operations import Desk
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Event, Site
from screens.app import HotlineApp
from screens.directory import DirectoryScreen
from screens.directory_forms import (
    ContactFormScreen,
    ContractFormScreen,
    CustomerFormScreen,
    DirectoryForm,
    SiteFormScreen,
)
from screens.intake import IntakeScreen
from screens.widgets.choice import Choice
from screens.widgets.live_table import Keyed, LiveTable

SIZE = (120, 35)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def rows(screen: DirectoryScreen, tab: str) -> list[list[str]]:
    table = screen.query_one(f"#{tab}-table", LiveTable)
    out = []
    for key in table.keys:
        cells = []
        for c in table.get_row(key):
            value = c.value if isinstance(c, Keyed) else c
            cells.append(getattr(value, "plain", str(value)))
        out.append(cells)
    return out


def error_text(form: DirectoryForm) -> str:
    return str(form.query_one("#form-error", Static).render())


def field(form: DirectoryForm, field_id: str) -> Input:
    return form.query_one(f"#{field_id}", Input)


async def open_directory(pilot) -> DirectoryScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DirectoryScreen)
    return screen


async def search(pilot, screen: DirectoryScreen, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    box = screen.query_one("#directory-search", Input)
    assert screen.focused is box
    box.value = text
    await settle(pilot)
    await pilot.press("down")  # to the list, first row selected
    await settle(pilot)


def events(desk: Desk, kind: str) -> list[dict[str, object]]:
    with Session(desk.engine) as s:
        return [json.loads(e.data) for e in s.exec(
            select(Event).where(Event.kind == kind).order_by(col(Event.id))).all()]


async def test_f2_and_the_palette_open_the_directory_esc_goes_back(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        assert len(rows(screen, "customers")) == 8
        status = str(screen.query_one("#directory-status", Static).render())
        assert "Customers · 8 in all" in status
        # the palette offers the directory's own actions by name
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "Directory: New")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.dashboard
        titles = [c.title for c in app.get_system_commands(app.dashboard)]
        assert "Directory: customers, sites, contacts, contracts" in titles
        # not over a form: F2 in the intake form leaves it where it is
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)


async def test_search_narrows_every_tab_as_it_is_typed(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await search(pilot, screen, "电信")
        assert [r[0] for r in rows(screen, "customers")] == ["GDT-FS", "GDT-SZ", "GDT-ZJ"]
        await pilot.press("3")  # contacts, same search
        await settle(pilot)
        assert screen.tab == "contacts"
        assert sorted(r[1] for r in rows(screen, "contacts")) == sorted(
            ["梁家豪", "林晓燕", "黄志明", "吴海峰"])
        await search(pilot, screen, "0755 8376")  # digits find numbers, however written
        [row] = rows(screen, "contacts")
        assert row[1] == "黄志明" and "0755 8376 5432" in row[4]
        await pilot.press("4")
        await settle(pilot)
        assert rows(screen, "contracts") == []
        await pilot.press("escape")  # clears the search first
        await settle(pilot)
        assert len(rows(screen, "contracts")) == 8
        assert isinstance(app.screen, DirectoryScreen)


async def test_a_search_typed_right_after_slash_goes_into_the_field(demo_desk: Desk) -> None:
    from tests.screens.test_dashboard import typed_ahead

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        typed_ahead(app, "slash", *"电信")  # waiting before "/" moved to the field
        await settle(pilot)
        assert screen.query_one("#directory-search", Input).value == "电信"
        assert [r[0] for r in rows(screen, "customers")] == ["GDT-FS", "GDT-SZ", "GDT-ZJ"]


async def test_add_a_customer_a_bad_code_refused_then_saved(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerFormScreen)
        await type_text(pilot, "ACME 2")
        await pilot.press("tab")
        field(form, "name").value = "顶点科技"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "contains a space" in error_text(form)
        assert form.focused is field(form, "code")  # the offending field
        field(form, "code").value = "acme-2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one("#customers-table", LiveTable)
        [added] = [r for r in rows(screen, "customers") if r[0] == "acme-2"]
        assert added[1] == "顶点科技"
        assert table.selected_key is not None and table.get_row(table.selected_key)[1] == "顶点科技"
    with Session(demo_desk.engine) as s:
        assert s.exec(select(Customer).where(Customer.code == "acme-2")).one().name == "顶点科技"
    assert events(demo_desk, "customer_added")[-1]["code"] == "acme-2"


async def test_edit_a_customer_empty_name_refused_good_one_saved(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await search(pilot, screen, "GDT-SZ")
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerFormScreen)
        assert (field(form, "code").value, field(form, "city").value) == ("GDT-SZ", "深圳")
        field(form, "name").value = "  "
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Customer name is required" in error_text(form)
        assert form.focused is field(form, "name")
        field(form, "name").value = "中国电信深圳分公司"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert rows(screen, "customers")[0][1] == "中国电信深圳分公司"
    [changed] = events(demo_desk, "customer_changed")
    assert changed["changes"] == {"name": ["广东电信深圳分公司", "中国电信深圳分公司"]}


async def test_add_a_site_for_the_selected_customer_area_code_checked(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await pilot.press("2")
        await search(pilot, screen, "GDT-SZ")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SiteFormScreen)
        assert field(form, "customer").value == "GDT-SZ"  # the selected row's customer
        assert form.focused is field(form, "name")  # the first field still empty
        assert "广东电信深圳分公司" in str(form.query_one("#customer-info", Static).render())
        field(form, "name").value = "南山汇聚机房"
        field(form, "area_code").value = "07x5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # said once, on the field's own line (which said it as it was typed)
        assert "not an area code in use" in str(form.query_one("#area_code-info",
                                                                Static).render())
        assert error_text(form) == ""
        assert form.focused is field(form, "area_code")
        field(form, "area_code").value = "755"
        await settle(pilot)
        assert "Shenzhen" in str(form.query_one("#area_code-info", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    with Session(demo_desk.engine) as s:
        site = s.exec(select(Site).where(Site.name == "南山汇聚机房")).one()
        assert site.area_code == "0755"


async def test_edit_a_contact_a_bad_number_refused_a_local_one_saved(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await pilot.press("3")
        await search(pilot, screen, "孙立")
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactFormScreen)
        numbers = form.query_one("#numbers", TextArea)
        assert numbers.text == "138 0013 8000\n010 6234 5678"
        assert "area code 010" in str(form.query_one("#site-info", Static).render())
        numbers.text = "138 0013 8000\n0755-123"
        await settle(pilot)
        assert "✗" in str(form.query_one("#numbers-info", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "0755-123 is too short" in error_text(form)
        assert form.focused is numbers
        numbers.text = "138 0013 8000\n值班: 62345679 转 8001"  # local: the site's area code
        await settle(pilot)
        info = str(form.query_one("#numbers-info", Static).render())
        assert "✓ 值班: 010 6234 5679 ext. 8001" in info
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "010 6234 5679 ext. 8001" in rows(screen, "contacts")[0][4]
    with Session(demo_desk.engine) as s:
        contact = s.exec(select(Contact).where(Contact.name == "孙立")).one()
        got = s.exec(select(ContactNumber.e164, ContactNumber.extension, ContactNumber.label)
                     .where(ContactNumber.contact_id == contact.id)
                     .order_by(col(ContactNumber.id))).all()
    assert got == [("+8613800138000", None, None), ("+861062345679", "8001", "值班")]


async def test_add_a_contract_policy_checked_region_warned_then_saved(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        await type_text(pilot, "GD-TX-2027-001")
        await pilot.press("tab")
        await type_text(pilot, "BJYJ")
        await pilot.press("tab", "tab")
        await type_text(pilot, "platinum")
        field(form, "valid_from").value = "2027-01-01"
        field(form, "valid_to").value = "2027-12-31"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'platinum' is not a policy the desk has loaded" in error_text(form)
        assert form.focused is field(form, "policy")
        field(form, "policy").value = "standard"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose the grade" in error_text(form)
        grade = form.query_one("#grade", Choice)
        assert form.focused is grade
        await pilot.press("b")
        field(form, "valid_from").value = "2027-12-31"
        field(form, "valid_to").value = "2027-01-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # said once, on the line under the dates (which said it as they were typed)
        assert "ends (2027-01-01) before it starts (2027-12-31)" in str(
            form.query_one("#valid_to-info", Static).render())
        assert error_text(form) == ""
        assert form.focused is field(form, "valid_to")
        field(form, "valid_from").value = "2027-01-01"
        field(form, "valid_to").value = "2027-12-31"
        field(form, "policy").value = "guangdong-transmission"
        field(form, "region").value = "北京"
        await settle(pilot)
        assert grade.value == ""  # a policy without grades
        assert "no zone for 北京" in str(form.query_one("#region-info", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Press Ctrl+S again to save anyway" in error_text(form)
        assert app.screen is form
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "GD-TX-2027-001" in [r[0] for r in rows(screen, "contracts")]
    with Session(demo_desk.engine) as s:
        row = s.exec(select(Contract).where(Contract.code == "GD-TX-2027-001")).one()
        assert (row.policy, row.grade, row.region) == ("guangdong-transmission", "", "北京")


async def test_editing_a_contract_keeps_the_grade_a_gradeless_policy_does_not_use(
        demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_directory(pilot)
        await pilot.press("4")
        await search(pilot, screen, "FIRE-2026-001")
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert form.query_one("#grade", Choice).value == "B"
        field(form, "title").value = "消防设施维保（含喷淋）"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    [changed] = events(demo_desk, "contract_changed")
    assert list(changed["changes"]) == ["title"]  # type: ignore[arg-type]


async def test_every_field_of_the_biggest_form_is_on_screen_at_80x24(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_directory(pilot)
        for tab, form_type in (("3", ContactFormScreen), ("4", ContractFormScreen)):
            await pilot.press(tab)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, form_type)
            for f in form.FIELDS:
                region = form.query_one(f"#{f.id}").region
                assert region.height >= 1 and region.y >= 0 and region.bottom <= 24, f.id
            await pilot.press("escape")
            await settle(pilot)
        assert app.screen is screen
