"""Replaying a ticket's events to find where each clock stands.

The evaluation is a replay, not a stored state: given the facts, the events
and a moment ``at``, it walks time forward from the opening, interleaving
the recorded events with the moments the engine itself produces (a clock
falling due, an unacknowledged tier alert timing out). So the same input
always gives the same clocks, escalations and penalties, with the same keys
and real times — whether it is evaluated once a second or for the first time
after a day of downtime.

Rules, as the contracts and the desk expect them:

* A clock starts at its ``start`` (the opening, or the first of its start
  events), and stops at the first of its ``stop`` events. An event exactly at
  the due time meets it; the breach is the moment just after (recorded with
  the due time itself as its real time).
* A paused clock stops: the due time moves by the paused time. A ``pause``
  without key pauses every pausable clock, with a key only that target;
  ``resume`` without key ends every pause.
* Level change (a breach of an ``upgrade_on`` target below the top level,
  or a manual ``level_set``): the level becomes the new one and every
  started, unfinished clock whose limit differs at the new level — or that
  is itself in breach — is re-timed with the new level's limit counted from
  that moment. Clocks whose limit does not change keep their deadline (an
  escalation never gives a document or a callback more time). A pause in
  progress goes on in the re-timed clock; ``paused_for`` keeps the total.
  A clock with no limit at the new level shows as cancelled unless it was
  breached (the breach stands).
* At the top level, a breach of an ``upgrade_on`` target alerts the first
  tier (supervisor); each alert not acknowledged within the acknowledgement
  timeout alerts the next tier (then the last tier again), until
  acknowledged, the clock's stop event comes, or the ticket is closed.
* Duties (issue 16): a target anchored to the ticket's planned time counts its limit
  from that time (``anchor = "planned"``: an inspection due by the end of its planned
  day) or back from it (``"before_planned"``: a change notified 10 working days ahead).
  ``rescheduled`` (with the new time) re-times the running anchored clocks and starts
  the back-counted ones again for the new time. An ``optional`` target is a deadline
  for something that may not happen: passing it ends the clock quietly, and its stop
  event after that is the breach (a change notified too late).
* ``closed`` cancels every running clock except those kept on close
  (documents due after the fault); ``reopened`` starts a new instance of the
  clocks marked ``restart_on_reopen`` (``restore#2``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.i18n import _
from hotline.sla.facts import OPENED, SlaEvent, TicketFacts
from hotline.sla.limits import Limit
from hotline.sla.policy import Policy, TargetSpec, Tier
from hotline.sla.results import (
    EscalationStep,
    Evaluation,
    PenaltyEntry,
    TargetState,
    TargetStateName,
)

_TICK = timedelta(microseconds=1)
_ZERO = timedelta(0)

#: (limit, planned) -> the latest time for something due that long before ``planned``.
DueBeforeFn = Callable[[Limit, datetime], datetime]

#: (spec, level, at) -> the limit, assurance periods applied.
Resolver = Callable[[TargetSpec, "int | None", datetime], "Limit | None"]
DueFn = Callable[[Limit, datetime], datetime]


class _Clock:
    """One instance of a target, as the replay moves it."""

    __slots__ = ("base", "breached_at", "breaches", "cancelled_at", "done_at", "had_limit",
                 "in_breach", "instance", "key", "lapsed", "level", "limit", "met",
                 "nominal_due",
                 "pause_start", "paused_since_base", "paused_total", "retimed_at", "spec",
                 "started_at")

    def __init__(self, spec: TargetSpec, instance: int, key: str, started_at: datetime) -> None:
        self.spec = spec
        self.instance = instance
        self.key = key
        self.started_at = started_at
        self.limit: Limit | None = None
        self.level: int | None = None
        self.base = started_at
        self.nominal_due = started_at
        self.paused_since_base = _ZERO
        self.paused_total = _ZERO
        self.pause_start: datetime | None = None
        self.done_at: datetime | None = None
        self.met = False
        self.in_breach = False
        self.breached_at: datetime | None = None
        self.breaches = 0
        self.cancelled_at: datetime | None = None
        self.had_limit = False
        self.retimed_at: datetime | None = None
        self.lapsed = False  # an optional deadline passed with nothing to do

    @property
    def open(self) -> bool:
        """Started and neither stopped nor cancelled."""
        return self.done_at is None and self.cancelled_at is None

    @property
    def ticking(self) -> bool:
        """Counting towards a breach right now."""
        return (self.open and self.limit is not None and not self.in_breach
                and self.pause_start is None)

    def due(self) -> datetime:
        return self.nominal_due + self.paused_since_base

    def end_pause(self, t: datetime) -> None:
        if self.pause_start is not None:
            spent = max(_ZERO, t - self.pause_start)
            self.paused_since_base += spent
            self.paused_total += spent
            self.pause_start = None


@dataclass
class _Chain:
    """Tier alerts for one breached clock at the top level."""

    clock: _Clock
    steps: list[int] = field(default_factory=list)  # indexes into _Run.steps
    last_at: datetime | None = None
    stopped: bool = False


@dataclass
class _Step:
    key: str
    at: datetime
    from_level: int | None
    to_level: int | None
    tier: Tier | None
    reason: str
    target: str
    ack_due: datetime | None = None
    acknowledged_at: datetime | None = None


class _Run:
    """One replay of one ticket up to ``at``."""

    def __init__(self, policy: Policy, facts: TicketFacts, at: datetime, resolve: Resolver,
                 due: DueFn, warn: Callable[[Limit, datetime, datetime, float], datetime],
                 tz: ZoneInfo, due_before: DueBeforeFn | None = None) -> None:
        self.policy = policy
        self.planned = facts.planned_at
        self.due_before = due_before
        self.tz = tz  # the desk's zone, for the times its notes name
        self.facts = facts
        self.at = at
        self.resolve = resolve
        self.due_of = due
        self.warn_of = warn
        self.level = facts.level
        self.clocks: list[_Clock] = []
        self.current: dict[str, _Clock] = {}
        self.instances: dict[str, int] = {}
        self.early_stop: dict[str, datetime] = {}
        self.named: dict[tuple[str, str], _Clock] = {}
        self.closed = False
        self.pause_all = False
        self.pause_keys: set[str] = set()
        self.chains: list[_Chain] = []
        self.steps: list[_Step] = []
        self.step_keys: set[str] = set()
        self.tier_counts: dict[tuple[str, str], int] = {}
        self.penalties: list[PenaltyEntry] = []
        self.penalty_keys: set[str] = set()
        self.notes: list[str] = []
        self.specs = [s for s in policy.targets
                      if s.scope == "ticket" and s.applies(facts.kind, facts.conditions)]

    def _show(self, t: datetime) -> str:
        """A time as a note shows it: the desk's local date and time."""
        return t.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    # -- the loop ----------------------------------------------------------

    def run(self, events: Sequence[SlaEvent]) -> Evaluation:
        at = self.at
        timeline = sorted((e for e in events if e.at <= at), key=lambda e: e.at)
        opened = SlaEvent(OPENED, self.facts.opened_at)
        if opened.at <= at:
            # The opening goes before any event of the same moment.
            i = 0
            while i < len(timeline) and timeline[i].at < opened.at:
                i += 1
            timeline.insert(i, opened)
        i = 0
        while True:
            nxt = timeline[i].at if i < len(timeline) else None
            moment, action = self._next_internal()
            if moment is not None and moment < at and (nxt is None or moment < nxt):
                assert action is not None
                action(moment)
                continue
            if nxt is None:
                break
            self._apply(timeline[i])
            i += 1
        return self._result()

    def _next_internal(self) -> tuple[datetime | None, Callable[[datetime], None] | None]:
        best: datetime | None = None
        action: Callable[[datetime], None] | None = None
        for clock in self.clocks:
            if clock.ticking:
                d = clock.due()
                if best is None or d < best:
                    best, action = d, _bind(self._breach, clock)
        timeout = self.policy.escalation.ack_timeout
        for chain in self.chains:
            if not chain.stopped and chain.last_at is not None:
                r = chain.last_at + timeout
                if best is None or r < best:
                    best, action = r, _bind(self._realert, chain)
        return best, action

    # -- events ------------------------------------------------------------

    def _apply(self, e: SlaEvent) -> None:
        t = e.at
        name = e.name
        if name == "pause":
            self._pause(t, e.key)
        elif name == "resume":
            self._resume(t, e.key)
        elif name == "acknowledge":
            self._acknowledge(t, e.key)
        elif name == "level_set":
            self._level_set(t, e.level)
        elif name == "closed":
            self._close(t)
        elif name == "reopened":
            self._reopen(t)
        for spec in self.specs:
            if name in spec.stop:
                self._stop(spec, t, e.key)
            if name in spec.start:
                self._start(spec, t, e.key)
        if name == "rescheduled":
            self._reschedule(t, e.planned)
        for rule in self.policy.scoring.event:
            if rule.event == name:
                ident = e.key or t.strftime("%Y%m%dT%H%M%S.%fZ")
                self._score(f"{rule.id}:{ident}", rule.id, rule.points, t, name,
                            rule.description)

    def _start(self, spec: TargetSpec, t: datetime, key: str | None) -> None:
        if self.closed and not spec.keep_on_close:
            return
        if spec.repeat:
            # A numeric key names the instance (callback#2); another key is remembered
            # so that the stop event with the same key finds its clock.
            if key is not None and (spec.name, key) in self.named:
                self.notes.append(_("{name} {key!r} was started twice; the second start is "
                                    "ignored").format(name=spec.name, key=key))
                return
            n = self.instances.get(spec.name, 0) + 1
            if key is not None and key.isascii() and key.isdigit() and len(key) <= 6:
                n = int(key)
            self.instances[spec.name] = max(n, self.instances.get(spec.name, 0))
            ckey = f"{spec.name}#{n}"
            if any(c.key == ckey for c in self.clocks):
                self.notes.append(_("{key} was started twice; the second start is ignored")
                                  .format(key=ckey))
                return
        else:
            if spec.name in self.current:
                return  # the first start event starts it
            n = self.instances.get(spec.name, 0) + 1
            self.instances[spec.name] = n
            ckey = spec.name if n == 1 else f"{spec.name}#{n}"
        clock = _Clock(spec, n, ckey, t)
        self.clocks.append(clock)
        if spec.repeat:
            if key is not None:
                self.named[(spec.name, key)] = clock
        else:
            self.current[spec.name] = clock
        self._assign(clock, t)
        early = self.early_stop.pop(spec.name, None)
        if early is not None and not spec.repeat:
            # Its stop came first (a form filed before the restore was logged): met.
            clock.pause_start = None
            clock.done_at = early
            clock.met = True

    def _assign(self, clock: _Clock, t: datetime) -> None:
        """Give ``clock`` the current level's limit counted from ``t``.

        A pause in progress goes on: its time so far is kept in the total, and
        the re-timed clock starts paused.
        """
        limit = self.resolve(clock.spec, self.level, t)
        was_paused = clock.pause_start is not None
        clock.end_pause(t)
        if was_paused or self._paused(clock):
            clock.pause_start = t
        anchor = clock.spec.anchor
        if limit is not None and anchor != "start" and (
                self.planned is None or self.due_before is None):
            self.notes.append(_("{target} counts from the planned time, and the ticket has "
                                "none").format(target=clock.spec.name))
            limit = None
        clock.limit = limit
        clock.level = self.level
        clock.base = t
        clock.paused_since_base = _ZERO
        clock.in_breach = False
        if limit is not None:
            clock.had_limit = True
            if anchor == "planned":
                assert self.planned is not None
                clock.nominal_due = self.due_of(limit, self.planned)
            elif anchor == "before_planned":
                assert self.planned is not None and self.due_before is not None
                clock.nominal_due = self.due_before(limit, self.planned)
            else:
                clock.nominal_due = self.due_of(limit, t)

    def _stop(self, spec: TargetSpec, t: datetime, key: str | None) -> None:
        clock: _Clock | None = None
        if spec.repeat:
            open_clocks = [c for c in self.clocks if c.spec is spec and c.open]
            if key is not None:
                wanted = key if key.startswith(f"{spec.name}#") else f"{spec.name}#{key}"
                named = self.named.get((spec.name, key))
                clock = next((c for c in open_clocks if c is named or c.key == wanted), None)
            elif open_clocks:
                clock = open_clocks[0]
            if clock is None:
                return
        else:
            clock = self.current.get(spec.name)
            if clock is None:
                self.early_stop.setdefault(spec.name, t)
                return
            if clock.lapsed and clock.done_at is None:
                # What an optional deadline was for happened after it: the breach.
                clock.cancelled_at = None
                clock.lapsed = False
                self._mark_breach(clock, t)
                clock.done_at = t
                clock.met = False
                return
            if not clock.open:
                return
        clock.end_pause(t)
        clock.done_at = t
        clock.met = not clock.in_breach
        self._stop_chains(clock)

    def _paused(self, clock: _Clock) -> bool:
        if not clock.spec.pausable:
            return False
        return self.pause_all or clock.spec.name in self.pause_keys or clock.key in self.pause_keys

    def _pause(self, t: datetime, key: str | None) -> None:
        if key is None:
            self.pause_all = True
        else:
            self.pause_keys.add(key)
        touched = False
        for clock in self.clocks:
            if clock.open and not clock.in_breach and self._paused(clock):
                touched = True
                if clock.pause_start is None:
                    clock.pause_start = t
        if not touched:
            self.notes.append(_("pause at {t}: no running clock can be paused").format(
                t=self._show(t)))

    def _resume(self, t: datetime, key: str | None) -> None:
        if key is None:
            self.pause_all = False
            self.pause_keys.clear()
        else:
            self.pause_keys.discard(key)
        for clock in self.clocks:
            if clock.pause_start is not None and not self._paused(clock):
                clock.end_pause(t)

    # -- breaches and escalation ------------------------------------------

    def _breach(self, first: _Clock, t: datetime) -> None:
        """Every clock due at ``t`` is breached now; then one escalation for them all."""
        due_now = [c for c in self.clocks if c.ticking and c.due() == t]
        if first not in due_now:
            due_now.insert(0, first)
        for clock in due_now:
            if clock.spec.optional:
                clock.lapsed = True
                clock.cancelled_at = t
                continue
            self._mark_breach(clock, t)
        due_now = [c for c in due_now if not c.lapsed]
        escalating = [c for c in due_now if c.spec.name in self.policy.escalation.upgrade_on]
        if not escalating:
            return
        top = self.policy.top_level
        if self.level is not None and top is not None and self.level > top:
            clock = escalating[0]
            old = self.level
            self.level = old - 1
            self._add_step(f"{clock.key}:L{old}->L{self.level}", t, old, self.level, None,
                           clock.spec.name, clock.key)
            self._retime(t)
            return
        for clock in escalating:
            chain = _Chain(clock)
            self.chains.append(chain)
            self._alert(chain, t, clock.spec.name)

    def _mark_breach(self, clock: _Clock, t: datetime) -> None:
        clock.in_breach = True
        clock.breaches += 1
        clock.breached_at = t
        for rule in self.policy.scoring.breach:
            if clock.spec.name not in rule.targets:
                continue
            if rule.per == "ticket":
                key = rule.id
            elif rule.per == "target":
                key = f"{rule.id}:{clock.key}"
            else:
                key = f"{rule.id}:{clock.key}:{clock.breaches}"
            self._score(key, rule.id, rule.points, t, clock.key, rule.description)

    def _reschedule(self, t: datetime, planned: datetime | None) -> None:
        """The planned time moves: anchored clocks count from the new one."""
        if planned is None:
            self.notes.append(_("rescheduled at {t} without a new planned time; "
                                "ignored").format(t=self._show(t)))
            return
        self.planned = planned
        for clock in self.clocks:
            if clock.open and clock.spec.anchor != "start":
                self._stop_chains(clock)
                clock.retimed_at = t
                self._assign(clock, t)
        if self.closed:
            return
        for spec in self.specs:
            if spec.anchor != "before_planned" or spec.repeat:
                continue
            ended = self.current.get(spec.name)
            if ended is not None and not ended.open:
                self.current.pop(spec.name, None)
                self._start(spec, t, None)

    def _alert(self, chain: _Chain, t: datetime, reason: str) -> None:
        tiers = self.policy.escalation.tiers
        tier = tiers[min(len(chain.steps), len(tiers) - 1)]
        counter = (chain.clock.key, tier)
        n = self.tier_counts.get(counter, 0) + 1
        self.tier_counts[counter] = n
        index = self._add_step(f"{chain.clock.key}:tier:{tier}:{n}", t, self.level, self.level,
                               tier, reason, chain.clock.key,
                               ack_due=t + self.policy.escalation.ack_timeout)
        chain.steps.append(index)
        chain.last_at = t

    def _realert(self, chain: _Chain, t: datetime) -> None:
        self._alert(chain, t, "unacknowledged")

    def _add_step(self, key: str, t: datetime, from_level: int | None, to_level: int | None,
                  tier: Tier | None, reason: str, target: str,
                  ack_due: datetime | None = None) -> int:
        unique = key
        n = 1
        while unique in self.step_keys:
            n += 1
            unique = f"{key}#{n}"
        self.step_keys.add(unique)
        self.steps.append(_Step(unique, t, from_level, to_level, tier, reason, target, ack_due))
        return len(self.steps) - 1

    def _stop_chains(self, clock: _Clock) -> None:
        for chain in self.chains:
            if chain.clock is clock:
                chain.stopped = True

    def _retime(self, t: datetime) -> None:
        for clock in self.clocks:
            if not clock.open:
                continue
            new = self.resolve(clock.spec, self.level, t)
            if new is None:
                if clock.limit is not None and not clock.in_breach:
                    clock.end_pause(t)
                    clock.limit = None
                    clock.level = self.level
                continue
            if clock.limit is not None and new == clock.limit and not clock.in_breach:
                clock.level = self.level
                continue
            self._stop_chains(clock)
            clock.retimed_at = t
            self._assign(clock, t)

    def _level_set(self, t: datetime, level: int | None) -> None:
        if level is None or level not in self.policy.levels:
            self.notes.append(_("level_set at {t}: {level!r} is not a level of this policy; "
                                "ignored").format(t=self._show(t), level=level))
            return
        if level == self.level:
            return
        self.level = level
        self._retime(t)

    def _acknowledge(self, t: datetime, key: str | None) -> None:
        hit = False
        for chain in self.chains:
            keys = {self.steps[i].key for i in chain.steps} | {chain.clock.key}
            if key is None or key in keys:
                if not chain.stopped:
                    chain.stopped = True
                for i in chain.steps:
                    if self.steps[i].acknowledged_at is None:
                        self.steps[i].acknowledged_at = t
                        hit = True
        for step in self.steps:
            if step.tier is None and step.acknowledged_at is None and (key is None
                                                                        or key == step.key):
                step.acknowledged_at = t
                hit = True
        if not hit and key is not None:
            self.notes.append(_("acknowledge at {t}: no escalation {key!r}").format(
                t=self._show(t), key=key))

    def _close(self, t: datetime) -> None:
        self.closed = True
        for clock in self.clocks:
            if not clock.open or clock.spec.keep_on_close:
                continue
            self._stop_chains(clock)
            clock.end_pause(t)
            # A clock in breach stays breached (see _state); either way it is over.
            clock.cancelled_at = t
        for spec in self.specs:
            if not spec.keep_on_close:
                self.current.pop(spec.name, None)
                self.early_stop.pop(spec.name, None)

    def _reopen(self, t: datetime) -> None:
        if not self.closed:
            return
        self.closed = False
        for spec in self.specs:
            if spec.restart_on_reopen and not spec.repeat:
                self.current.pop(spec.name, None)
                self.early_stop.pop(spec.name, None)
                self._start(spec, t, None)

    def _score(self, key: str, rule: str, points: int, t: datetime, source: str,
               description: str) -> None:
        if key in self.penalty_keys:
            return
        self.penalty_keys.add(key)
        self.penalties.append(PenaltyEntry(key=key, rule=rule, points=points, at=t,
                                           source=source, description=description))

    # -- the answer --------------------------------------------------------

    def _result(self) -> Evaluation:
        at = self.at
        states: list[TargetState] = []
        horizon: list[tuple[datetime, str, str]] = []
        order = {spec.name: i for i, spec in enumerate(self.policy.targets)}
        started = {c.spec.name for c in self.clocks}
        for clock in self.clocks:
            if not clock.had_limit:
                continue
            states.append(self._state(clock, horizon))
        for spec in self.specs:
            if spec.repeat or spec.name in started or (self.closed and not spec.keep_on_close):
                continue
            limit = self.resolve(spec, self.level, at)
            if limit is None:
                continue
            states.append(TargetState(name=spec.name, instance=1, key=spec.name, limit=limit,
                                      level=self.level, started_at=None, due_at=None,
                                      warn_at=None, state="pending"))
        states.sort(key=lambda s: (order.get(s.name, 0), s.instance))
        for chain in self.chains:
            if not chain.stopped and chain.last_at is not None:
                horizon.append((chain.last_at + self.policy.escalation.ack_timeout + _TICK,
                                "realert", chain.clock.key))
        future = [h for h in horizon if h[0] > at]
        soonest = min(future) if future else None
        steps = [EscalationStep(key=s.key, at=s.at, from_level=s.from_level,
                                to_level=s.to_level, tier=s.tier, reason=s.reason,
                                target=s.target, ack_due=s.ack_due,
                                acknowledged_at=s.acknowledged_at) for s in self.steps]
        steps.sort(key=lambda s: s.at)
        penalties = sorted(self.penalties, key=lambda p: p.at)
        return Evaluation(policy=self.policy.name, at=at, level=self.level, targets=states,
                          escalations=steps, penalties=penalties,
                          next_change_at=soonest[0] if soonest else None, notes=self.notes,
                          next_change=soonest[1:] if soonest else None)

    def _state(self, clock: _Clock, horizon: list[tuple[datetime, str, str]]) -> TargetState:
        at = self.at
        paused_now = at - clock.pause_start if clock.pause_start is not None else _ZERO
        limit = clock.limit
        due_at = warn_at = None
        if limit is not None:
            due_at = clock.due() + paused_now
            share = clock.spec.warn_share or self.policy.warn_share
            if clock.spec.optional:
                warn_at = due_at  # nothing is owed: no warning
            elif clock.spec.anchor != "start":
                span = max(_ZERO, due_at - clock.base)
                warn_at = due_at - span * (1 - share)
            else:
                warn_at = self.warn_of(limit, clock.base, due_at, share)
        state: TargetStateName
        if clock.done_at is not None:
            state = "met" if clock.met else "breached"
        elif clock.in_breach:
            state = "breached"
        elif clock.cancelled_at is not None or limit is None:
            state = "cancelled"
        elif clock.pause_start is not None:
            state = "paused"
        else:
            assert due_at is not None and warn_at is not None
            state = "warning" if at >= warn_at else "running"
            if warn_at > at:
                horizon.append((warn_at, "warning", clock.key))
            horizon.append((due_at + _TICK, "due", clock.key))
        return TargetState(
            name=clock.spec.name, instance=clock.instance, key=clock.key, limit=limit,
            level=clock.level, started_at=clock.started_at, due_at=due_at, warn_at=warn_at,
            state=state,
            met_at=clock.done_at if clock.met else None,
            breached_at=clock.breached_at,
            done_at=clock.done_at,
            paused_for=clock.paused_total + paused_now,
            breaches=clock.breaches,
            retimed_at=clock.retimed_at,
            optional=clock.spec.optional,
        )


def _bind(fn: Callable[..., None], obj: object) -> Callable[[datetime], None]:
    return lambda t: fn(obj, t)


def replay(policy: Policy, facts: TicketFacts, events: Sequence[SlaEvent], at: datetime,
           *, resolve: Resolver, due: DueFn,
           warn: Callable[[Limit, datetime, datetime, float], datetime],
           tz: ZoneInfo, due_before: DueBeforeFn | None = None) -> Evaluation:
    """Evaluate one ticket as of ``at`` (see the module docstring for the rules).

    ``tz``: the desk's zone, in which the evaluation's notes name their times.
    """
    return _Run(policy, facts, at, resolve, due, warn, tz, due_before).run(events)
