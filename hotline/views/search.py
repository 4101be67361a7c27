"""Finding tickets: by number in any written form, ticket number, customer, free text.

A query is words; ``name:value`` words filter (``state:open level:1 kind:fault
contract:GD-TX engineer:zhangwei``), every other word must match the ticket
number, the caller's number (any written form), the customer, the contact,
the equipment, the site or the description. An empty query lists the most
recent tickets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.errors import InputError
from hotline.i18n import _
from hotline.phones import known_form, try_parse_number
from hotline.store.models import Call, Contact, Contract, Customer, Ticket

RESULT_LIMIT = 200
STATES = ("open", "restored", "resolved", "closed", "active", "all")
FILTERS = ("state", "level", "kind", "contract", "engineer")


@dataclass(frozen=True)
class TicketHit:
    ticket_id: int
    number: str
    kind: str
    level: int | None
    status: str
    opened_at: datetime
    customer: str | None
    contact: str | None
    caller: str | None
    description: str
    assigned_to: str | None


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()
    state: str = "all"
    level: int | None = None
    kind: str | None = None
    contract: str | None = None
    engineer: str | None = None


def parse_query(text: str) -> Query:
    words: list[str] = []
    found: dict[str, str] = {}
    for token in text.split():
        name, sep, value = token.partition(":")
        if sep and name.lower() in FILTERS:
            if not value:
                raise InputError(_("Give a value after {name}: (e.g. {name}:{example}).").format(
                    name=name, example={"state": "open", "level": "1", "kind": "fault",
                                        "contract": "GD-TX-2026-001",
                                        "engineer": "zhangwei"}[name.lower()]))
            found[name.lower()] = value
        else:
            words.append(token)
    state = found.get("state", "all").lower()
    if state not in STATES:
        raise InputError(_("Unknown state {value!r}: use {states}.").format(
            value=state, states=", ".join(STATES)))
    level = None
    if "level" in found:
        if not found["level"].lstrip("Ll").isdigit():
            raise InputError(_("A level is a number, e.g. level:1."))
        level = int(found["level"].lstrip("Ll"))
    kind = found.get("kind")
    if kind is not None and kind not in ("fault", "consultation", "complaint"):
        raise InputError(_("Unknown kind {value!r}: use fault, consultation or complaint.")
                         .format(value=kind))
    return Query(words=tuple(_join_numbers(words)), state=state, level=level, kind=kind,
                 contract=found.get("contract"), engineer=found.get("engineer"))


_NUMBERISH = re.compile(r"^[+\d()\-]+$")


def _join_numbers(words: list[str]) -> list[str]:
    """Keep a number written in groups (``+86 757 8330 1234``) together as one word."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) > 1 and try_parse_number(" ".join(run)) is not None:
            out.append(" ".join(run))
        else:
            out.extend(run)
        run.clear()

    for word in words:
        if _NUMBERISH.match(word):
            run.append(word)
        else:
            flush()
            out.append(word)
    flush()
    return out


#: What a hit shows: columns, not whole tickets (building a ticket object per hit cost
#: more than the query itself for a caller with hundreds of tickets).
_HIT_COLUMNS = (col(Ticket.id), col(Ticket.number), col(Ticket.kind), col(Ticket.level),
                col(Ticket.status), col(Ticket.opened_at), col(Ticket.caller_number),
                col(Ticket.caller_name), col(Ticket.description), col(Ticket.assigned_to),
                col(Customer.name), col(Contact.name))


def _hits_select() -> sa.Select[*tuple[Any, ...]]:
    return (sa.select(*_HIT_COLUMNS)
            .outerjoin(Customer, col(Customer.id) == col(Ticket.customer_id))
            .outerjoin(Contact, col(Contact.id) == col(Ticket.contact_id)))


def _hit(row: sa.Row[*tuple[Any, ...]]) -> TicketHit:
    (ticket_id, number, kind, level, status, opened_at, caller_number, caller_name,
     description, assigned_to, customer, contact) = row
    known = known_form(caller_number) if caller_number else None
    caller = known.display if known else caller_number
    return TicketHit(ticket_id=ticket_id, number=number, kind=kind, level=level,
                     status=status, opened_at=opened_at, customer=customer,
                     contact=contact or caller_name, caller=caller,
                     description=description, assigned_to=assigned_to)


def search_tickets(engine: Engine, text: str, *, limit: int = RESULT_LIMIT) -> list[TicketHit]:
    """Tickets matching the query, newest first (raises InputError for a bad filter)."""
    q = parse_query(text)
    stmt = _hits_select()
    if q.state == "active":
        stmt = stmt.where(col(Ticket.status) != "closed")
    elif q.state != "all":
        stmt = stmt.where(col(Ticket.status) == q.state)
    if q.level is not None:
        stmt = stmt.where(col(Ticket.level) == q.level)
    if q.kind is not None:
        stmt = stmt.where(col(Ticket.kind) == q.kind)
    if q.contract is not None:
        contracts = select(Contract.id).where(col(Contract.code).ilike(f"%{q.contract}%"))
        stmt = stmt.where(col(Ticket.contract_id).in_(contracts))
    if q.engineer is not None:
        stmt = stmt.where(sa.or_(col(Ticket.assigned_to) == q.engineer,
                                 col(Ticket.opened_by) == q.engineer))
    number_word, number = None, None
    for word in q.words:
        if any(ch.isdigit() for ch in word):
            number = try_parse_number(word)
            if number is not None:
                number_word = word
                break
    for word in q.words:
        if word != number_word:  # the caller's tickets are found by index below
            stmt = stmt.where(_word_matches(word))
    with Session(engine) as s:
        if number is not None:
            # a caller's number narrows to a handful of tickets, found by index; they are
            # sorted here (ordering in SQL would walk every ticket by date instead)
            ids = _tickets_of_number(s, number.e164)
            stmt = stmt.where(col(Ticket.id).in_(ids))
            rows = sorted(s.execute(stmt).all(), key=lambda r: (r[5], r[0]),
                          reverse=True)[:limit]
        else:
            rows = list(s.execute(stmt.order_by(col(Ticket.opened_at).desc(),
                                                col(Ticket.id).desc()).limit(limit)).all())
    return [_hit(row) for row in rows]


def _tickets_of_number(s: Session, e164: str) -> list[int]:
    direct = s.exec(select(Ticket.id).where(col(Ticket.caller_number) == e164)).all()
    by_call = s.exec(select(Call.ticket_id).where(col(Call.number_e164) == e164,
                                                  col(Call.ticket_id).is_not(None))).all()
    return sorted({i for i in (*direct, *by_call) if i is not None})


def _word_matches(word: str) -> sa.ColumnElement[bool]:
    """What one word of a query matches.

    A complete phone number matches the caller's number (by index); a run of
    digits, part of a number or a ticket number; anything else, the text of
    the ticket, its customer and its contact.
    """
    digits = "".join(ch for ch in word if ch.isdigit())
    number = try_parse_number(word) if digits else None
    if number is not None:
        return sa.or_(
            col(Ticket.caller_number) == number.e164,
            col(Ticket.id).in_(select(Call.ticket_id).where(col(Call.number_e164) == number.e164)),
            col(Ticket.number).startswith(word),
        )
    if digits and len(digits) >= len(word.replace("-", "").replace(" ", "")) - 1:
        options: list[sa.ColumnElement[bool]] = [col(Ticket.number).startswith(word)]
        if len(digits) >= 4:
            options.append(col(Ticket.caller_number).contains(digits.lstrip("0") or digits))
        return sa.or_(*options)
    like = f"%{word}%"
    return sa.or_(
        col(Ticket.number).startswith(word),
        col(Ticket.description).ilike(like),
        col(Ticket.equipment).ilike(like),
        col(Ticket.site).ilike(like),
        col(Ticket.caller_name).ilike(like),
        col(Ticket.customer_id).in_(select(Customer.id).where(
            sa.or_(col(Customer.name).ilike(like), col(Customer.code).ilike(like)))),
        col(Ticket.contact_id).in_(select(Contact.id).where(col(Contact.name).ilike(like))),
    )


def open_tickets_of(engine: Engine, customer_id: int, *, limit: int = 5) -> list[TicketHit]:
    """The customer's tickets not yet closed, newest first (shown while their call rings)."""
    stmt = _hits_select().where(col(Ticket.customer_id) == customer_id,
                                col(Ticket.status).in_(("open", "restored", "resolved")))
    with Session(engine) as s:
        # sorted here, not in SQL: a customer's open tickets are few, and ordering in SQL
        # can lead SQLite to walk every ticket by date instead
        rows = sorted(s.execute(stmt).all(), key=lambda r: (r[5], r[0]), reverse=True)[:limit]
    return [_hit(row) for row in rows]


def customer_names(engine: Engine) -> list[str]:
    """Every customer's code and name, for completing what a person types."""
    with Session(engine) as s:
        rows = s.exec(select(Customer.code, Customer.name).order_by(col(Customer.code))).all()
    return [v for code, name in rows for v in (code, name)]
