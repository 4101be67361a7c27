"""What applying many call events looks up, looked up once per distinct value.

Every new call needs its caller's number parsed, the number matched to a
contact and the contract in force, and the answer clock of that contract;
every answer needs its agent mapped to an engineer. A file or an import
asks the same questions thousands of times; :class:`CallerCache` answers each
distinct one once. Callers are matched exactly as
:func:`hotline.directory.callers.match_number` does, only remembered.

Keep one :class:`CallerCache` for as long as the directory may be taken as
unchanged: a file or an import (``whole_directory=True`` also reads the set
of known numbers once, so that an unknown caller costs no query), or one
batch of a live feed (:meth:`CallerCache.renewed` for the next, which then sees
a contact added a moment ago).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import cast

from sqlmodel import Session, col, select

from hotline.desk.answer_target import answer_due, policy_of
from hotline.desk.calls import parse_caller_number
from hotline.directory.callers import (
    UNKNOWN,
    CallerMatch,
    caller_match,
    contract_in_force,
    owners_of,
)
from hotline.errors import InputError
from hotline.phones import PhoneNumber
from hotline.seat import Seat
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Engineer, Site

#: Remembered parses are dropped beyond this many distinct caller ids (memory stays bounded).
MAX_PARSED = 50_000
#: Numbers (customers) per ``IN (…)`` list.
_CHUNK = 100


class CallerCache:
    """Callers, their contracts' answer clocks and engineers' agents, each looked up once."""

    def __init__(self, seat: Seat, *, whole_directory: bool = False) -> None:
        self.seat = seat
        self.whole_directory = whole_directory
        self._known: set[str] | None = None
        self._parsed: dict[str, PhoneNumber | None] = {}
        self._owners: dict[str, list[tuple[Contact, Customer]]] = {}
        self._contracts: dict[int, list[Contract]] = {}
        self._cities: dict[int, str | None] = {}
        self._matches: dict[tuple[str, date], CallerMatch] = {}
        self._engineers: dict[tuple[str, ...], str | None] = {}
        self._agents: list[tuple[str, str]] | None = None

    def renewed(self) -> CallerCache:
        """New lookups for the next batch of a live feed: the directory and agents are read
        again (they may have changed); parsed numbers, which cannot change, are kept."""
        fresh = CallerCache(self.seat, whole_directory=self.whole_directory)
        fresh._parsed = self._parsed
        return fresh

    def parse(self, raw: str) -> PhoneNumber | None:
        """A PBX's caller id parsed; None for none or one that is not a number (kept as given)."""
        if not raw:
            return None
        try:
            return self._parsed[raw]
        except KeyError:
            pass
        try:
            # a call stores the number and its kind: its place and carrier are not looked up
            parsed: PhoneNumber | None = parse_caller_number(raw, with_place=False)
        except InputError:
            parsed = None
        if len(self._parsed) >= MAX_PARSED:
            self._parsed.clear()
        self._parsed[raw] = parsed
        return parsed

    def caller(self, s: Session, e164: str | None, on: date) -> CallerMatch:
        """:func:`~hotline.directory.callers.match_number`, each number and customer read once."""
        if not e164:
            return UNKNOWN
        if self.whole_directory and self._known is None:
            self._known = set(s.exec(select(ContactNumber.e164)).all())
        if self._known is not None and e164 not in self._known:
            return UNKNOWN
        hit = self._matches.get((e164, on))
        if hit is not None:
            return hit
        owners = self._owners.get(e164)
        if owners is None:
            self.prefetch(s, [e164])
            owners = self._owners[e164]
        if not owners:
            match = UNKNOWN
        else:
            contact, customer = owners[0]
            assert customer.id is not None
            contracts = self._contracts.get(customer.id)
            if contracts is None:
                contracts = self._contracts[customer.id] = list(s.exec(
                    select(Contract).where(Contract.customer_id == customer.id)).all())

            def city(site_id: int) -> str | None:
                if site_id not in self._cities:
                    site = s.get(Site, site_id)
                    self._cities[site_id] = site.city if site else None
                return self._cities[site_id]

            match = caller_match(contact, customer, contract_in_force(contracts, on),
                                 len(owners), city)
        self._matches[(e164, on)] = match
        return match

    def prefetch(self, s: Session, numbers: Iterable[str | None]) -> None:
        """Read the owners of many numbers, and their customers' contracts, in a few queries."""
        if self.whole_directory and self._known is None:
            self._known = set(s.exec(select(ContactNumber.e164)).all())
        wanted = [n for n in dict.fromkeys(numbers) if n and n not in self._owners
                  and (self._known is None or n in self._known)]
        customers: set[int] = set()
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            found = owners_of(s, chunk)
            for e164 in chunk:
                owners = self._owners[e164] = found.get(e164, [])
                if owners and owners[0][1].id not in self._contracts:
                    customers.add(cast(int, owners[0][1].id))
        ids = sorted(customers)
        for i in range(0, len(ids), _CHUNK):
            chunk_ids = ids[i:i + _CHUNK]
            for customer_id in chunk_ids:
                self._contracts[customer_id] = []
            for contract in s.exec(select(Contract).where(
                    col(Contract.customer_id).in_(chunk_ids)).order_by(col(Contract.id))).all():
                self._contracts[contract.customer_id].append(contract)

    def answer_clock(self, caller: CallerMatch, offered_at: datetime) -> tuple[datetime, datetime]:
        """Due and warning times of the answer target of a call from ``caller``."""
        policy, grade = policy_of(caller)
        return answer_due(self.seat.sla, policy, grade, offered_at)

    def engineer(self, s: Session, names: list[str]) -> str | None:
        """The login of the engineer whose ``agent`` is one of ``names`` (case-insensitive;
        an active engineer before an inactive one), once per set of names.

        Every engineer's agent is read in one query the first time (a live feed renews
        its lookups each batch: one query a batch, not one per agent).
        """
        key = tuple(names)
        if key not in self._engineers:
            if self._agents is None:
                self._agents = [(agent.lower(), login) for login, agent in s.exec(
                    select(Engineer.login, Engineer.agent).where(col(Engineer.agent).is_not(None))
                    .order_by(col(Engineer.active).desc(), col(Engineer.id))).all()
                    if agent is not None]
            wanted = {n.strip().lower() for n in names if n and n.strip()}
            self._engineers[key] = next(
                (login for agent, login in self._agents if agent in wanted), None)
        return self._engineers[key]
