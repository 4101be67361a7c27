"""Recording a step of a ticket's life: checked, versioned, one transaction.

Each step is refused with a message naming what must come first when it is
out of order (see :mod:`hotline.desk.ticket_lifecycle`); a seat that acted on an old view
of the ticket is told who changed it meanwhile, and nothing of its is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from hotline.accounts.permissions import require
from hotline.desk.clocks import evaluate_ticket, sla_events, sla_facts
from hotline.desk.site_region import check_region, region_needed, region_refusal
from hotline.desk.ticket_lifecycle import (
    APPROVAL_METHODS,
    PAPERWORK_STEPS,
    STEPS,
    Progress,
    refusal,
    replay,
    step_label,
)
from hotline.errors import Conflict, InputError, NotFound
from hotline.humane import file_size
from hotline.i18n import _
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.store.models import Attachment, Engineer, Event, SlaClock, Ticket
from hotline.store.transaction import Transaction

#: The largest command log accepted (pasted or read from a file).
MAX_COMMAND_LOG = 2_000_000
MAX_TEXT = 4000


@dataclass(frozen=True)
class StepInput:
    """What a person gives with a step (each step reads what it needs)."""

    text: str = ""  # note, guidance, reason, part description, closing remark
    approver: str = ""  # remote_approved: who approved
    method: str = ""  # remote_approved: written | email | fax
    command_log: str = ""  # remote_logout: the session's commands, pasted
    command_log_file: str = ""  # remote_logout: … or a file to read them from
    engineer: str = ""  # dispatched: who goes on site
    level: int | None = None  # level_set
    key: str | None = None  # callback_made: which callback (default: the soonest due)
    conditions: tuple[str, ...] | None = None  # conditions_set: the policy conditions that hold
    cause: str = ""  # restore, resolve: what caused the fault
    solution: str = ""  # restore, resolve: what was done about it
    fault_category: str = ""  # restore, resolve: one of the policy's fault categories
    region: str = ""  # dispatched, region_set: the site's city, district or county
    planned: datetime | None = None  # rescheduled: the new planned time (aware)


def history(s: Session, ticket_id: int) -> list[Event]:
    kinds = [*STEPS, "ticket_merged"]
    return list(s.exec(select(Event).where(Event.ticket_id == ticket_id,
                                           col(Event.kind).in_(kinds))
                       .order_by(col(Event.id))).all())


def gates_of(sla: SlaEngine | None, ticket: Ticket) -> frozenset[str]:
    """The approvals the ticket's policy requires before work (none without a policy)."""
    if sla is None or ticket.policy not in sla.policy_names():
        return frozenset()
    return sla.policy(ticket.policy).procedure.gates


def progress_of(s: Session, ticket: Ticket, sla: SlaEngine | None = None) -> Progress:
    """Where the ticket stands; with ``sla``, the approvals its policy requires count."""
    assert ticket.id is not None
    progress = replay(ticket.kind, [(e.kind, e.at) for e in history(s, ticket.id)],
                      gates_of(sla, ticket))
    progress.paperwork = frozenset(s.exec(
        select(SlaClock.target).where(SlaClock.ticket_id == ticket.id,
                                      col(SlaClock.target).in_(sorted(PAPERWORK_STEPS)),
                                      col(SlaClock.state).in_(("running", "paused")))).all())
    return progress


@dataclass(frozen=True)
class PaperworkDue:
    """A document still due on a ticket: its clock runs (also after the ticket is closed)."""

    target: str
    label: str
    due_at: datetime
    breached: bool


def paperwork_due(seat: Seat, ticket_id: int) -> list[PaperworkDue]:
    """The ticket's paperwork clocks that run (kept on close by the policy), soonest first."""
    with seat.read() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        policy = seat.sla.policy(ticket.policy)
        rows = s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id,
                                             col(SlaClock.state).in_(("running", "paused")))
                      .order_by(col(SlaClock.due_at), col(SlaClock.id))).all()
        now = seat.now()
        out = []
        for row in rows:
            spec = policy.target(row.target)
            if spec is None or not spec.keep_on_close:
                continue
            out.append(PaperworkDue(target=row.target, label=spec.shown_label(),
                                    due_at=row.due_at, breached=row.due_at <= now))
        return out


def read_command_log(path_text: str) -> tuple[str, str]:
    """(content, file name) of a command log file, with a clear message when it cannot be."""
    path = Path(path_text.strip()).expanduser()
    if not path.exists():
        raise InputError(_("There is no file {path}.").format(path=path))
    if path.is_dir():
        raise InputError(_("{path} is a folder, not a command log file.").format(path=path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(_("Cannot read {path}: {error}.").format(
            path=path, error=exc.strerror or exc)) from exc
    if len(raw) > MAX_COMMAND_LOG:
        raise InputError(_("{path} is {size}, larger than {limit}: attach the relevant part.")
                         .format(path=path, size=file_size(len(raw)),
                                 limit=file_size(MAX_COMMAND_LOG)))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), path.name
        except UnicodeDecodeError:
            continue
    raise InputError(_("{path} is not a text file (neither UTF-8 nor GB18030).").format(
        path=path))


def _last_change(s: Session, ticket_id: int) -> Event | None:
    return s.exec(select(Event).where(Event.ticket_id == ticket_id)
                  .order_by(col(Event.id).desc()).limit(1)).first()


def record_step(seat: Seat, ticket_id: int, what: str, given: StepInput | None = None, *,
                at: datetime | None = None, expected_version: int | None = None) -> int:
    """Record ``what`` on the ticket; returns the ticket's new version.

    Refused with a message naming what must come first when out of order;
    with ``expected_version``, refused when someone changed the ticket since
    the caller looked at it.
    """
    given = given or StepInput()
    if what not in STEPS:
        raise InputError(_("Unknown step {step!r}.").format(step=what))
    _require_for_step(seat, ticket_id, what)
    with seat.write() as tx:
        s = tx.session
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        assert ticket.id is not None
        if expected_version is not None and ticket.version != expected_version:
            raise _stale(tx, ticket)
        when = tx.when(at, not_before=ticket.opened_at, what=_("the ticket was opened"))
        progress = progress_of(s, ticket, seat.sla)
        refused = refusal(progress, what, when, tx.tz)
        if refused:
            raise InputError(refused)
        data = _details(tx, seat.sla, ticket, what, given, when)
        command_log = data.pop("_log", None)
        version = ticket.version
        closed_at: Any = ticket.closed_at
        if what == "ticket_closed":
            closed_at = when
        elif what == "ticket_reopened":
            closed_at = None
        tx.record_event(what, when, ticket_id=ticket.id, **data)
        s.flush()
        progress_after = progress_of(s, ticket)
        values: dict[str, Any] = {"version": version + 1, "status": progress_after.status,
                                  "closed_at": closed_at}
        if what == "level_set":
            values["level"] = given.level
        if "conditions" in data:
            values["conditions"] = ",".join(data["conditions"])
        if "region" in data:
            values["region"] = data["region"]
        if what in ("restore", "resolve"):
            values.update(fault_category=data["category"], cause=data["cause"],
                          solution=data["solution"])
        if what == "rescheduled":
            values["planned_at"] = given.planned
        if tx.update(sa.update(Ticket)
                     .where(col(Ticket.id) == ticket.id, col(Ticket.version) == version)
                     .values(**values)) != 1:
            s.rollback()
            raise _stale(tx, ticket)
        s.refresh(ticket)
        if command_log is not None:
            s.add(Attachment(ticket_id=ticket.id, kind="command_log", name=data.get("file", ""),
                             content=command_log, added_at=tx.now, added_by=tx.actor))
        evaluate_ticket(tx, seat.sla, ticket)
        return version + 1


#: Steps only shift supervisors and managers record (hotline.accounts.permissions).
GUARDED_STEPS = {"level_set": "change_level", "clock_paused": "pause_clocks",
                 "clock_resumed": "pause_clocks", "rescheduled": "reschedule_duty"}


def step_permission(what: str, *, owner: str | None, actor: str) -> str | None:
    """The permission (hotline.accounts.permissions) recording ``what`` on a ticket
    assigned to ``owner`` needs when ``actor`` records it; None: everyone may."""
    if what in GUARDED_STEPS:
        return GUARDED_STEPS[what]
    if what == "ticket_closed" and owner is not None and owner != actor:
        return "close_others_ticket"
    return None


def _require_for_step(seat: Seat, ticket_id: int, what: str) -> None:
    """Refuse a step the person's role may not record (before anything is written)."""
    owner = None
    if what == "ticket_closed":
        with seat.read() as s:
            owner = s.exec(select(Ticket.assigned_to).where(Ticket.id == ticket_id)).first()
    permission = step_permission(what, owner=owner, actor=seat.actor)
    if permission is None:
        return
    if permission == "close_others_ticket":
        require(seat, permission, ticket_id=ticket_id, owner=owner)
    else:
        require(seat, permission, ticket_id=ticket_id, step=what)


def why_not(seat: Seat, ticket_id: int, what: str) -> str | None:
    """Why ``what`` cannot be recorded on the ticket now (None if it can)."""
    with seat.read() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        refused = refusal(progress_of(s, ticket, seat.sla), what, seat.now(), seat.settings.tz)
        if refused is None and what == "clock_paused":
            try:
                _pausable_now(s, seat.sla, ticket, seat.now())
            except InputError as exc:
                return str(exc)
        return refused


def promise_callback(seat: Seat, ticket_id: int, *, at: datetime | None = None) -> str:
    """Promise to call the customer back: starts the callback clock (30 minutes).

    Returns the callback's key (``callback#2``)."""
    record_step(seat, ticket_id, "callback_promised", at=at)
    return _last_key(seat, ticket_id, "callback_promised")


def callback_done(seat: Seat, ticket_id: int, key: str | None = None, *,
                  at: datetime | None = None) -> str:
    """The promised callback (the soonest due, or ``key``) was made: stops its clock."""
    record_step(seat, ticket_id, "callback_made", StepInput(key=key), at=at)
    return _last_key(seat, ticket_id, "callback_made")


def _last_key(seat: Seat, ticket_id: int, kind: str) -> str:
    with seat.read() as s:
        ev = s.exec(select(Event).where(Event.ticket_id == ticket_id, Event.kind == kind)
                    .order_by(col(Event.id).desc()).limit(1)).one()
        return str(json.loads(ev.data)["key"])


def _stale(tx: Transaction, ticket: Ticket) -> Conflict:
    s = tx.session
    s.expire_all()
    assert ticket.id is not None
    last = _last_change(s, ticket.id)
    if last is None:
        return Conflict(_("Ticket {number} changed meanwhile; nothing was saved.").format(
            number=ticket.number))
    return Conflict(_("{who} changed ticket {number} at {time} ({what}) while you were "
                      "looking at it; nothing of yours was saved. The screen now shows the "
                      "new state.").format(who=last.actor, number=ticket.number,
                                           time=tx.show(last.recorded_at),
                                           what=step_label(last.kind)))


def _text(value: str, what: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InputError(_("{what} is required.").format(what=what))
    if len(value) > MAX_TEXT:
        raise InputError(_("{what} is too long ({n} characters; at most {max}).").format(
            what=what, n=len(value), max=MAX_TEXT))
    return value


def _engineer(s: Session, who: str) -> Engineer:
    """The desk's active engineer with this login (or, failing that, this exact name)."""
    active = select(Engineer).where(col(Engineer.active).is_(True))
    found = (s.exec(active.where(Engineer.login == who)).first()
             or s.exec(active.where(Engineer.name == who)).first())
    if found is None:
        known = [e.login for e in s.exec(active.order_by(col(Engineer.login))).all()]
        raise InputError(_("{who} is not one of the desk's engineers; choose one of: "
                           "{known}.").format(who=who, known=", ".join(known) or _("none")))
    return found


def _pausable_now(s: Session, sla: SlaEngine, ticket: Ticket, when: datetime) -> None:
    """Refuse a pause that would stop no clock: the policy gives no right to pause
    the clocks running at ``when`` (or none is running)."""
    assert ticket.id is not None
    policy = sla.policy(ticket.policy)
    result = sla.evaluate(sla_facts(ticket), sla_events(s, ticket.id), when)
    running = [t for t in result.targets if t.state in ("running", "warning")]
    if any((spec := policy.target(t.name)) is not None and spec.pausable for t in running):
        return
    if not running:
        raise InputError(_("No clock of ticket {number} is running: there is nothing to "
                           "pause.").format(number=ticket.number))
    names = []
    for t in running:
        spec = policy.target(t.name)
        label = spec.shown_label() if spec is not None else t.name
        if label not in names:
            names.append(label)
    raise InputError(_("Policy {policy} gives no right to pause these clocks ({names}): "
                       "its contract counts them without stopping. Nothing was saved.").format(
                           policy=policy.name, names=", ".join(names)))


def _fault_report(sla: SlaEngine, ticket: Ticket, given: StepInput) -> dict[str, Any]:
    """Cause, solution and category of a restored or resolved fault (for the reports)."""
    categories = sla.policy(ticket.policy).fault_categories
    category = given.fault_category.strip()
    if not category:
        raise InputError(_("Choose the fault category ({known}).").format(
            known=", ".join(categories)))
    if category not in categories:
        raise InputError(_("Policy {policy} has no fault category {name!r} (it has: {known}).")
                         .format(policy=ticket.policy, name=category,
                                 known=", ".join(categories)))
    return {"category": category, "cause": _text(given.cause, _("The cause"), required=True),
            "solution": _text(given.solution, _("The solution"), required=True),
            "text": _text(given.text, _("The remark"), required=False)}


def _rescheduled(tx: Transaction, ticket: Ticket, given: StepInput) -> dict[str, Any]:
    """The new planned time of a duty (its anchored clocks count from it)."""
    new = given.planned
    if new is None:
        raise InputError(_("Give the new planned date."))
    if new.tzinfo is None:
        raise InputError(_("The new planned date needs a time zone."))
    new = new.astimezone(UTC)
    if ticket.planned_at is not None and new == ticket.planned_at:
        raise InputError(_("The ticket is already planned for {time}.").format(
            time=tx.show(new)))
    if new < ticket.opened_at:
        raise InputError(_("The new planned date cannot be before the ticket was opened "
                           "({time}).").format(time=tx.show(ticket.opened_at)))
    return {"planned": new.isoformat(),
            "from": ticket.planned_at.isoformat() if ticket.planned_at else None,
            "text": _text(given.text, _("The reason for the change"), required=True)}


def _details(tx: Transaction, sla: SlaEngine, ticket: Ticket, what: str, given: StepInput,
             when: datetime) -> dict[str, Any]:
    """Check what the step needs and return the event's data."""
    s = tx.session
    assert ticket.id is not None
    if what in ("note", "guidance_note"):
        return {"text": _text(given.text, _("The note"), required=True)}
    if what in ("plan_approved", "restart_approved"):
        approver = _text(given.approver, _("Who approved"), required=True)
        if given.method not in APPROVAL_METHODS:
            raise InputError(_("Say how the customer approved: written form, e-mail or fax."))
        what_text = (_("The remark") if what == "plan_approved"
                     else _("What is reinstalled or restarted"))
        return {"approver": approver, "method": given.method,
                "text": _text(given.text, what_text, required=what == "restart_approved")}
    if what == "plan_submitted":
        return {"text": _text(given.text, _("The plan (what will be done)"), required=True)}
    if what == "remote_approved":
        approver = _text(given.approver, _("Who approved"), required=True)
        if given.method not in APPROVAL_METHODS:
            raise InputError(_("Say how the customer approved: written form, e-mail or fax."))
        return {"approver": approver, "method": given.method,
                "text": _text(given.text, _("The remark"), required=False)}
    if what == "remote_logout":
        if given.command_log_file.strip():
            log, name = read_command_log(given.command_log_file)
        else:
            log, name = given.command_log, ""
        if not log.strip():
            raise InputError(_("Attach the session's command log: paste it or give its file."))
        if len(log) > MAX_COMMAND_LOG:
            raise InputError(_("The command log is larger than {limit}.").format(
                limit=file_size(MAX_COMMAND_LOG)))
        return {"file": name, "lines": len(log.splitlines()), "_log": log,
                "text": _text(given.text, _("The remark"), required=False)}
    if what in ("restore", "resolve"):
        return _fault_report(sla, ticket, given)
    if what in ("consultation_answered", "complaint_answered"):
        return {"text": _text(given.text, _("The answer given"), required=True)}
    if what == "dispatched":
        known = _engineer(s, _text(given.engineer, _("The engineer"), required=True))
        out: dict[str, Any] = {"engineer": known.login, "engineer_name": known.name,
                               "text": _text(given.text, _("The remark"), required=False)}
        # Going on site makes the policy's on-site limits apply (counted from the report).
        policy = sla.policy(ticket.policy)
        current = [c for c in ticket.conditions.split(",") if c]
        after = policy.dispatched(current)
        if after != current:
            out["conditions"] = after
        if given.region.strip() and given.region.strip() != (ticket.region or ""):
            out["region"] = check_region(policy, given.region)
        if region_needed(policy, ticket, frozenset(after), out.get("region")):
            raise InputError(region_refusal(policy))
        return out
    if what == "region_set":
        policy = sla.policy(ticket.policy)
        region = check_region(policy, given.region)
        if region == (ticket.region or ""):
            raise InputError(_("Nothing changed."))
        return {"region": region, "from": ticket.region, "zone": policy.zone_of(region),
                "text": _text(given.text, _("The remark"), required=False)}
    if what == "conditions_set":
        known_conditions = sla.policy(ticket.policy).conditions
        chosen = list(dict.fromkeys(given.conditions or ()))
        unknown = [c for c in chosen if c not in known_conditions]
        if unknown:
            raise InputError(_("Policy {policy} has no condition {name!r} (it has: {known}).")
                             .format(policy=ticket.policy, name=unknown[0],
                                     known=", ".join(known_conditions) or _("none")))
        current = [c for c in ticket.conditions.split(",") if c]
        if sorted(chosen) == sorted(current):
            raise InputError(_("Nothing changed."))
        return {"conditions": chosen, "from": current,
                "text": _text(given.text, _("The reason"), required=False)}
    if what in ("part_lent", "part_returned"):
        return {"text": _text(given.text, _("The part (name and serial number)"),
                              required=True)}
    if what == "level_set":
        levels = sla.policy(ticket.policy).levels
        if given.level not in levels:
            raise InputError(_("Choose a level the policy has: {levels}.").format(
                levels="/".join(str(v) for v in levels)))
        if given.level == ticket.level:
            raise InputError(_("The ticket is already at level {level}.").format(
                level=given.level))
        return {"level": given.level, "from_level": ticket.level,
                "text": _text(given.text, _("The reason"), required=True)}
    if what == "clock_paused":
        _pausable_now(s, sla, ticket, when)
        return {"text": _text(given.text, _("The reason for pausing"), required=True)}
    if what == "callback_promised":
        n = s.exec(select(func.count()).select_from(Event).where(
            Event.ticket_id == ticket.id, Event.kind == "callback_promised")).one() + 1
        return {"key": f"callback#{n}"}
    if what == "rescheduled":
        return _rescheduled(tx, ticket, given)
    if what == "item_raised":
        n = s.exec(select(func.count()).select_from(Event).where(
            Event.ticket_id == ticket.id, Event.kind == "item_raised")).one() + 1
        return {"key": f"meeting_reply#{n}",
                "text": _text(given.text, _("The item raised"), required=True)}
    if what == "item_replied":
        q = select(SlaClock).where(SlaClock.ticket_id == ticket.id,
                                   SlaClock.target == "meeting_reply",
                                   col(SlaClock.state).in_(("running", "paused")))
        if given.key:
            q = q.where(SlaClock.key == given.key)
        item = s.exec(q.order_by(col(SlaClock.due_at))).first()
        if item is None:
            raise InputError(_("Ticket {number} has no meeting item {key} waiting.").format(
                number=ticket.number, key=given.key or ""))
        if when < item.started_at:
            raise InputError(_("The item cannot be answered before it was raised ({time}).")
                             .format(time=tx.show(item.started_at)))
        return {"key": item.key, "text": _text(given.text, _("The answer given"),
                                               required=False)}
    if what == "callback_made":
        q = select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.target == "callback",
                                col(SlaClock.state).in_(("running", "paused")))
        if given.key:
            q = q.where(SlaClock.key == given.key)
        clock = s.exec(q.order_by(col(SlaClock.due_at))).first()
        if clock is None:
            raise InputError(_("Ticket {number} has no callback waiting.").format(
                number=ticket.number))
        if when < clock.started_at:
            raise InputError(_("The callback cannot be made before it was promised ({time}).")
                             .format(time=tx.show(clock.started_at)))
        return {"key": clock.key}
    if what in ("written_complaint", "unauthorised_operation", "thanks_letter"):
        text = _text(given.text, _("What happened (reference of the letter or report)"),
                     required=True)
        return {"text": text, "key": f"{what}:{tx.now.isoformat()}"}
    return {"text": _text(given.text, _("The remark"), required=False)}
