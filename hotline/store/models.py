"""The desk's tables.

All times are stored in UTC (:class:`UTCDateTime` hands back aware UTC
datetimes on every backend). ``Event`` is append-only: the program inserts
events and never updates or deletes one. Every other change is written in the
same transaction as the event that records it (see :mod:`hotline.desk.operations`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL keeps the offset (``timestamptz``); SQLite keeps none, so we
    store naive UTC there and reattach UTC when reading.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_field(*, index: bool = False, nullable: bool = True, **kw: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable, **kw)


# --- people and directory ---------------------------------------------------


class Engineer(SQLModel, table=True):
    """A person at the desk (duty engineer, supervisor or manager) and their seat."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=120)
    role: str = Field(default="engineer", max_length=20)  # engineer | supervisor | manager
    seat: str | None = Field(default=None, max_length=40)  # desk / terminal name
    agent: str | None = Field(default=None, max_length=120)  # PBX agent or interface
    active: bool = True
    # where notifications reach this person (``hotline notify contact``)
    notify_email: str | None = Field(default=None, max_length=200)
    notify_phone: str | None = Field(default=None, max_length=32)
    notify_mention: str | None = Field(default=None, max_length=64)  # robot @-mention id
    #: The secret (a person's) or token (a service account's), only as a memory-hard
    #: hash (hotline.accounts.secrets); None: no secret set, nobody can sign in as them.
    secret_hash: str | None = Field(default=None, max_length=255)
    #: Wrong secrets since the last sign-in; the next try waits until ``retry_after``.
    failed_signins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    retry_after: datetime | None = utc_field()
    #: Locked after too many wrong secrets, until a supervisor unlocks the account.
    locked_at: datetime | None = utc_field()


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(index=True, max_length=200)
    city: str | None = Field(default=None, max_length=60)


class Site(SQLModel, table=True):
    """A customer's location; its city selects the policy's region."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    city: str | None = Field(default=None, max_length=60)
    area_code: str | None = Field(default=None, max_length=8)  # for local numbers without one
    address: str | None = Field(default=None, max_length=300)


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    name: str = Field(index=True, max_length=120)
    title: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=200)


class ContactNumber(SQLModel, table=True):
    """One number of a contact, stored E.164 (short numbers as dialled)."""

    __table_args__ = (sa.UniqueConstraint("contact_id", "e164", "extension"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    e164: str = Field(index=True, max_length=32)
    extension: str | None = Field(default=None, max_length=16)
    kind: str = Field(max_length=20)
    label: str | None = Field(default=None, max_length=40)


class Contract(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=60)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    title: str | None = Field(default=None, max_length=200)
    grade: str = Field(max_length=4)  # A | B | C
    policy: str = Field(max_length=60)  # name of a policy file in data/policies
    region: str | None = Field(default=None, max_length=60)
    valid_from: date | None = None
    valid_to: date | None = None


# --- calls, tickets, clocks -------------------------------------------------


class Call(SQLModel, table=True):
    """One offered call: it rings, then is answered or abandoned.

    ``answer_due_at`` is the 30-second answer target (the policy's ``answer``
    limit), stored so that every countdown is ``due − now``.
    """

    __table_args__ = (
        sa.Index("ix_call_state_due", "state", "answer_due_at"),
        # the calls that need someone: ringing, or answered and not yet logged
        sa.Index("ix_call_state_ticket", "state", "ticket_id"),
        # reports: every column their figures read, so a period's calls are read from this
        # index alone, in time order, never row by row from the table (migration 0008)
        sa.Index("ix_call_offered_report", "offered_at", "contract_id", "state", "answered_at",
                 "answer_due_at", "ended_at"),
        # a caller's calls with their tickets, from the index alone (migration 0010)
        sa.Index("ix_call_number_ticket", "number_e164", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_key: str = Field(unique=True, index=True, max_length=120)  # PBX call id or generated
    source: str = Field(max_length=20)  # manual | cli | demo | ami | jsonl | queue_log
    queue: str | None = Field(default=None, max_length=60)
    number_raw: str = Field(default="", max_length=64)
    number_e164: str | None = Field(default=None, max_length=32)
    number_kind: str | None = Field(default=None, max_length=20)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    #: ringing | answered | abandoned | ended (hotline.desk.call_states.CallState)
    state: str = Field(default="ringing", max_length=12)
    offered_at: datetime = utc_field(index=True, nullable=False)
    answer_due_at: datetime = utc_field(nullable=False)
    answer_warn_at: datetime = utc_field(nullable=False)
    answered_at: datetime | None = utc_field()
    answered_by: str | None = Field(default=None, max_length=64)
    ended_at: datetime | None = utc_field()
    escalated_at: datetime | None = utc_field()  # when the unanswered-call escalation was raised
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    version: int = 1


class MissedCall(SQLModel, table=True):
    """A call back owed to a caller who hung up before the answer (issue 17).

    Opened in the same transaction as the abandon, with the 30-minute callback
    clock (``due_at``); another call missed from the same number while it is
    open is counted on it (``calls``). Each attempt that does not reach the
    caller (no answer, voicemail) is counted and timed, and the clock runs on:
    its history is the ``missed_call_*`` events. Closed as ``reached`` or
    ``wrong_number``, or ``withdrawn`` when a later call from the number was answered.
    """

    __tablename__ = "missed_call"
    __table_args__ = (
        sa.Index("ix_missed_call_state_due", "state", "due_at"),
        sa.Index("ix_missed_call_number_state", "number_e164", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", unique=True)  # the first call missed
    number_raw: str = Field(default="", max_length=64)
    number_e164: str | None = Field(default=None, max_length=32)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    calls: int = 1  # calls missed from the number while this was open
    #: open | reached | wrong_number | withdrawn
    state: str = Field(default="open", max_length=16)
    started_at: datetime = utc_field(nullable=False)  # when the caller hung up
    #: Out of hours: when the desk opened and the clock started (None: at ``started_at``)
    clock_from: datetime | None = utc_field()
    due_at: datetime = utc_field(nullable=False)
    warn_at: datetime = utc_field(nullable=False)
    attempts: int = 0  # calls back that did not reach the caller
    last_outcome: str | None = Field(default=None, max_length=16)  # no_answer | voicemail
    last_attempt_at: datetime | None = utc_field()
    closed_at: datetime | None = utc_field()
    closed_by: str | None = Field(default=None, max_length=64)
    escalated_at: datetime | None = utc_field()  # when its overdue escalation was raised
    version: int = 1


class Ticket(SQLModel, table=True):
    """A fault, consultation or complaint, with the policy facts its clocks use."""

    __table_args__ = (
        sa.Index("ix_ticket_status_next", "status", "next_check_at"),
        sa.Index("ix_ticket_next_check", "next_check_at"),
        sa.Index("ix_ticket_next_due", "next_due_at"),
        sa.Index("ix_ticket_customer_status", "customer_id", "status"),
        sa.Index("ix_ticket_status_kind_level", "status", "kind", "level"),
        sa.Index("ix_ticket_caller_number", "caller_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True, max_length=24)
    #: fault | consultation | complaint, or a contract duty (hotline.duties.kinds.DUTY_KINDS)
    kind: str = Field(max_length=16)
    level: int | None = None  # current level, 1 most severe
    initial_level: int | None = None  # as classified at intake (the SLA replay starts here)
    status: str = Field(default="open", max_length=20, index=True)
    policy: str = Field(max_length=60)
    grade: str = Field(max_length=4)
    region: str | None = Field(default=None, max_length=60)
    conditions: str = Field(default="", max_length=200)  # comma-separated policy conditions
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    caller_number: str | None = Field(default=None, max_length=32)
    caller_name: str | None = Field(default=None, max_length=120)
    equipment: str | None = Field(default=None, max_length=200)
    site: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", max_length=4000)
    opened_at: datetime = utc_field(index=True, nullable=False)
    opened_by: str = Field(max_length=64)
    assigned_to: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = utc_field()
    next_check_at: datetime | None = utc_field()  # when the SLA evaluation may change next
    #: The soonest running deadline other than a callback (the dashboard's work list).
    next_due_at: datetime | None = utc_field()
    next_clock: str | None = Field(default=None, max_length=40)
    #: What the fault was put down to, as said when it was restored or resolved (the
    #: policy's list; the reports count faults by it), and the cause and solution given.
    fault_category: str | None = Field(default=None, max_length=40, index=True)
    cause: str | None = Field(default=None, max_length=4000)
    solution: str | None = Field(default=None, max_length=4000)
    #: A duty's planned time (an inspection's date, a meeting, a number change): targets
    #: anchored to it count from it or back from it (migration 0018).
    planned_at: datetime | None = utc_field(index=True)
    version: int = 1


class SlaClock(SQLModel, table=True):
    """One target of a ticket: when it started, falls due, warns, was met or breached."""

    __tablename__ = "clock"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "key"),
        sa.Index("ix_clock_state_due", "state", "due_at"),
        sa.Index("ix_clock_target_state", "target", "state"),
        # reports: clocks started, met and breached in a period (migration 0008)
        sa.Index("ix_clock_target_started", "target", "started_at"),
        sa.Index("ix_clock_state_met", "state", "met_at"),
        sa.Index("ix_clock_breached_at", "breached_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    key: str = Field(max_length=40)  # "restore", "callback#2"
    target: str = Field(max_length=40)
    level: int | None = None
    limit_text: str = Field(default="", max_length=40)
    state: str = Field(default="running", max_length=12)  # running|paused|met|late|cancelled
    started_at: datetime = utc_field(nullable=False)
    due_at: datetime = utc_field(nullable=False)
    warn_at: datetime = utc_field(nullable=False)
    met_at: datetime | None = utc_field()  # when its event happened (state says if in time)
    breached_at: datetime | None = utc_field()
    paused_at: datetime | None = utc_field()
    paused_s: int = 0


class Escalation(SQLModel, table=True):
    """An item of the escalation queue; ``key`` makes raising it idempotent."""

    __table_args__ = (
        sa.Index("ix_escalation_ack_raised", "acknowledged_at", "raised_at"),
        # reports: escalations raised in a period (migration 0008)
        sa.Index("ix_escalation_raised_at", "raised_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)
    # unanswered_call | callback_overdue | breach | level_up | tier …
    kind: str = Field(max_length=24)
    tier: str | None = Field(default=None, max_length=20)
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    clock_id: int | None = Field(default=None, foreign_key="clock.id")
    raised_at: datetime = utc_field(nullable=False)
    due_at: datetime | None = utc_field()  # the deadline that was missed
    from_level: int | None = None
    to_level: int | None = None
    reason: str = Field(default="", max_length=300)
    acknowledged_at: datetime | None = utc_field()
    acknowledged_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=1000)
    assigned_to: str | None = Field(default=None, max_length=64)


class Penalty(SQLModel, table=True):
    """Points scored by a policy rule (negative = deduction); ``key`` makes it idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=160)
    rule: str = Field(max_length=60, index=True)
    points: float
    at: datetime = utc_field(index=True, nullable=False)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    description: str = Field(default="", max_length=300)


class Event(SQLModel, table=True):
    """The append-only record of everything that happened, who did it and when.

    ``at`` is when it happened (it may be entered after the fact);
    ``recorded_at`` is when the desk wrote it.
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True, nullable=False)
    recorded_at: datetime = utc_field(nullable=False)
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=40, index=True)
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    data: str = Field(default="{}", max_length=20000)  # JSON
    #: The hash chain (:mod:`hotline.store.audit_chain`): the previous event's hash, and
    #: this event's, set as it is inserted. Unique: two events never follow the same one.
    prev_hash: str | None = Field(default=None, max_length=64, index=True, unique=True)
    hash: str | None = Field(default=None, max_length=64)


class Attachment(SQLModel, table=True):
    """A document attached to a ticket's record (a remote session's command log…).

    Like events, attachments are only ever added.
    """

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=30)  # command_log | …
    name: str = Field(default="", max_length=260)  # file name, if it came from a file
    content: str = Field(sa_type=sa.Text)
    added_at: datetime = utc_field(nullable=False)
    added_by: str = Field(max_length=64)


class Meta(SQLModel, table=True):
    """Small key/value facts about this database (e.g. demo data offered)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=2000)


class ExchangeDay(SQLModel, table=True):
    """Days of technical exchange given under a contract (a yearly counter, issue 16).

    Each row is one exchange (a training, a seminar) of ``days`` days on ``day``; the
    year's total is read against the policy's target. Rows are only added; a mistake is
    corrected by a row with negative days, so the record keeps what was said.
    """

    __tablename__ = "exchange_day"
    __table_args__ = (sa.Index("ix_exchange_day_contract_day", "contract_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id")
    day: date
    days: float
    subject: str = Field(default="", max_length=300)
    recorded_at: datetime = utc_field(nullable=False)
    recorded_by: str = Field(max_length=64)


# --- telephony (issue 6) ----------------------------------------------------


class PbxFeed(SQLModel, table=True):
    """The live state of one call feed process (``hotline feed``), one row per feed.

    The feed writes its state when it changes and a heartbeat every few
    seconds; every dashboard reads these rows for its header notice. This is
    a status board, not history: rows are updated in place (the history is in
    the feed's log).
    """

    __tablename__ = "pbx_feed"

    name: str = Field(primary_key=True, max_length=120)  # "ami 10.0.0.5:5038", "listen …"
    source: str = Field(max_length=20)  # ami | jsonl | listen
    state: str = Field(max_length=20)  # connecting | connected | reconnecting | stopped | failed
    since: datetime = utc_field(nullable=False)  # when the current state began
    heartbeat_at: datetime = utc_field(nullable=False)
    detail: str = Field(default="", max_length=500)  # the last error, in words
    host: str = Field(default="", max_length=120)  # the machine and process running the feed
    events: int = 0  # call events applied since the feed started


class PbxEvent(SQLModel, table=True):
    """A call event from a phone system that could not be applied to a call.

    An event for an unknown call id, or one that contradicts what the desk
    knows (an answer for a call that was abandoned), is kept here, never
    dropped. ``key`` makes recording it idempotent; a later ring for the same
    call id picks up a hang-up kept here.
    """

    __tablename__ = "pbx_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=300)
    source: str = Field(max_length=20)
    kind: str = Field(max_length=12)  # ring | answer | abandon | hangup
    call_key: str = Field(index=True, max_length=120)
    at: datetime = utc_field(nullable=False)
    number: str | None = Field(default=None, max_length=64)
    agent: str | None = Field(default=None, max_length=120)
    queue: str | None = Field(default=None, max_length=60)
    reason: str = Field(max_length=40)  # unknown_call | conflict
    detail: str = Field(default="", max_length=500)
    call_id: int | None = Field(default=None, foreign_key="call.id")
    received_at: datetime = utc_field(nullable=False)


# --- supervision (issue 5) ---------------------------------------------------


class ShiftDuty(SQLModel, table=True):
    """Someone on duty in one shift: a shift of the rota on one local day.

    ``shift_day`` is the desk's local day on which the shift starts (a night
    shift 22:00–06:00 belongs to the evening it starts). Rows are set and
    removed by the supervisor; every change writes a ``duty_changed`` event.
    """

    __tablename__ = "shift_duty"
    __table_args__ = (sa.UniqueConstraint("shift_day", "shift", "login"),)

    id: int | None = Field(default=None, primary_key=True)
    shift_day: date = Field(index=True)
    shift: str = Field(max_length=20)  # the rota's shift id
    login: str = Field(max_length=64)
    role: str = Field(default="engineer", max_length=20)  # engineer | supervisor
    assigned_at: datetime = utc_field(nullable=False)
    assigned_by: str = Field(max_length=64)


class Handover(SQLModel, table=True):
    """The outgoing supervisor's handover of one shift, and the incoming one's acceptance.

    ``items`` (JSON) is what was open when the handover was written; the
    counts are kept as columns for the history list.
    """

    __table_args__ = (sa.UniqueConstraint("shift_day", "shift"),)

    id: int | None = Field(default=None, primary_key=True)
    shift_day: date
    shift: str = Field(max_length=20)
    next_day: date
    next_shift: str = Field(max_length=20)
    written_at: datetime = utc_field(nullable=False)
    written_by: str = Field(max_length=64)
    note: str = Field(default="", sa_type=sa.Text)
    items: str = Field(default="{}", sa_type=sa.Text)
    ringing: int = 0
    callbacks: int = 0
    tickets: int = 0
    unacknowledged: int = 0
    accepted_at: datetime | None = utc_field()
    accepted_by: str | None = Field(default=None, max_length=64)
    accept_note: str | None = Field(default=None, max_length=1000)


class EscalationAlert(SQLModel, table=True):
    """A re-alert of an escalation left unacknowledged for ``n`` acknowledgement timeouts.

    ``(escalation_id, n)`` is unique, so however many seats watch, each
    re-alert is recorded once.
    """

    __tablename__ = "escalation_alert"
    __table_args__ = (sa.UniqueConstraint("escalation_id", "n"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    n: int
    at: datetime = utc_field(nullable=False)


class OutboxItem(SQLModel, table=True):
    """Something people away from a seat are told about, written with what caused it.

    The transactional outbox: an escalation raised, a re-alert, a level-1 fault
    logged writes one row here in its own transaction (``key`` is unique, so
    raising it twice writes it once). The sender routes each row by the
    notification rules into :class:`Notification` rows and sets ``message_key``.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_routed_at", "routed_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=160)
    # unanswered_call | callback_overdue | warning | breach | level_up | tier | complaint
    # | realert | level1_fault
    kind: str = Field(max_length=24)
    tier: str | None = Field(default=None, max_length=20)
    at: datetime = utc_field(nullable=False)  # when it happened
    recorded_at: datetime = utc_field(nullable=False)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    call_id: int | None = Field(default=None, foreign_key="call.id")
    data: str = Field(default="{}", sa_type=sa.Text)
    routed_at: datetime | None = utc_field()
    message_key: str | None = Field(default=None, max_length=160, index=True)


class Notification(SQLModel, table=True):
    """One message to one recipient on one channel; ``key`` is its idempotency key.

    ``state``: pending | sent | failed. A sender claims a pending row by setting
    ``lease_owner``/``lease_until`` (a conditional UPDATE; on PostgreSQL after
    ``FOR UPDATE SKIP LOCKED``); a sender killed mid-delivery leaves the lease
    to run out, and the next one retries it with the same key.
    """

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_state_next", "state", "next_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=240)
    message_key: str = Field(max_length=160, index=True)
    kind: str = Field(max_length=24)
    channel: str = Field(max_length=40)  # the channel's name in the config
    recipient: str = Field(max_length=64)  # a login, or "group"
    address: str = Field(default="", max_length=200)  # e-mail, phone, mention
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_type=sa.Text)
    state: str = Field(default="pending", max_length=10)
    created_at: datetime = utc_field(nullable=False)
    next_at: datetime = utc_field(nullable=False)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = utc_field()
    sent_at: datetime | None = utc_field()
    first_failed_at: datetime | None = utc_field()  # the first failed attempt
    failed_at: datetime | None = utc_field()  # failed for good
    last_error: str | None = Field(default=None, max_length=500)
    answer: str | None = Field(default=None, max_length=500)  # what the server said


#: The monitor's look for running clocks past their warning time (hotline.supervision):
#: only clocks whose warning has come are read, however many tickets are open.
sa.Index("ix_clock_state_warn", SQLModel.metadata.tables["clock"].c.state,
         SQLModel.metadata.tables["clock"].c.warn_at)
