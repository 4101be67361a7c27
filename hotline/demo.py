"""The demo directory: offered on a new desk, loaded only when accepted."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from hotline.desk.calls import parse_caller_number
from hotline.errors import InputError
from hotline.i18n import _
from hotline.paths import shipped_data_dir
from hotline.seat import Seat
from hotline.store.models import (
    Contact,
    ContactNumber,
    Contract,
    Customer,
    Engineer,
    Meta,
    Site,
)

OFFERED_KEY = "demo_offered"


def demo_file() -> Path:
    return shipped_data_dir() / "demo" / "directory.toml"


def read_demo() -> dict[str, Any]:
    with demo_file().open("rb") as fh:
        return tomllib.load(fh)


def should_offer(seat: Seat) -> bool:
    """A desk with no customers whose user was never asked."""
    with seat.read() as s:
        if s.get(Meta, OFFERED_KEY) is not None:
            return False
        return s.exec(select(func.count()).select_from(Customer)).one() == 0


def record_offer(seat: Seat, *, accepted: bool) -> None:
    with seat.write() as tx:
        tx.session.merge(Meta(key=OFFERED_KEY, value="accepted" if accepted else "declined"))
        tx.record_event("demo_offered", tx.now, accepted=accepted)


#: The secret of every engineer of the demo desk (``hotline demo``; said in the README).
#: Never given on the real desk: the demo directory it offers has no secrets.
DEMO_SECRET = "demo1234"
#: The service account the demo's simulated calls and ``hotline ring --demo`` act as.
DEMO_SERVICE = "demo-feed"


def give_demo_secrets(seat: Seat) -> int:
    """The demo desk's engineers get :data:`DEMO_SECRET` (those without a secret), and the
    demo desk its service account. Returns how many were given one. One transaction."""
    from hotline.accounts.secrets import hash_secret

    given = 0
    with seat.write() as tx:
        s = tx.session
        logins = [e["login"] for e in read_demo().get("engineers", [])]
        for row in s.exec(select(Engineer).where(col(Engineer.login).in_(logins))).all():
            if row.secret_hash is None:
                row.secret_hash = hash_secret(DEMO_SECRET, seat.settings.secret_cost)
                s.add(row)
                given += 1
        if s.exec(select(Engineer).where(Engineer.login == DEMO_SERVICE)).first() is None:
            s.add(Engineer(login=DEMO_SERVICE, name=_("demo simulator"), role="service"))
        if given:
            tx.record_event("demo_secrets_given", tx.now, accounts=given)
    return given


def load_directory(seat: Seat) -> dict[str, int]:
    """Add the demo engineers, customers, sites, contacts and contracts (one transaction).

    What is already there (same login or code) is left as it is, so loading
    twice adds nothing. Returns how many of each were added.
    """
    data = read_demo()
    added = {"engineers": 0, "customers": 0, "contacts": 0, "contracts": 0}
    with seat.write() as tx:
        s = tx.session
        for e in data.get("engineers", []):
            if s.exec(select(Engineer).where(Engineer.login == e["login"])).first() is None:
                s.add(Engineer(**e))
                added["engineers"] += 1
        for c in data.get("customers", []):
            if s.exec(select(Customer).where(Customer.code == c["code"])).first() is not None:
                continue
            customer = Customer(code=c["code"], name=c["name"], city=c.get("city"))
            s.add(customer)
            s.flush()
            assert customer.id is not None
            added["customers"] += 1
            site_id = None
            area = None
            for site in c.get("sites", []):
                row = Site(customer_id=customer.id, **site)
                s.add(row)
                s.flush()
                site_id = site_id or row.id
                area = area or site.get("area_code")
            for ct in c.get("contracts", []):
                s.add(Contract(customer_id=customer.id, code=ct["code"], title=ct.get("title"),
                               grade=ct["grade"], policy=ct["policy"], region=ct.get("region"),
                               valid_from=date.fromisoformat(ct["valid_from"]),
                               valid_to=date.fromisoformat(ct["valid_to"])))
                added["contracts"] += 1
            for person in c.get("contacts", []):
                contact = Contact(customer_id=customer.id, site_id=site_id, name=person["name"],
                                  title=person.get("title"))
                s.add(contact)
                s.flush()
                assert contact.id is not None
                for text in person.get("numbers", []):
                    try:
                        number = parse_caller_number(text, default_area_code=area)
                    except InputError as exc:
                        raise InputError(_("Demo contact {name}: {error}").format(
                            name=person["name"], error=exc)) from exc
                    s.add(ContactNumber(contact_id=contact.id, e164=number.e164,
                                        extension=number.extension, kind=number.kind))
                added["contacts"] += 1
        tx.record_event("directory_loaded", tx.now, source="demo", added=added)
    return added


def simulator_numbers(seat: Seat) -> tuple[list[str], list[str], list[str]]:
    """Known numbers (from the directory), unknown callers and service numbers."""
    data = read_demo()
    with seat.read() as s:
        known = list(s.exec(select(ContactNumber.e164)).all())
    sim = data.get("simulator", {})
    return known, list(sim.get("unknown", [])), list(sim.get("service", []))
