"""Fill a database with a provincial desk's worth of history, for the benchmarks.

    uv run python benchmarks/generate.py --db /tmp/desk-big.db            # the full size
    uv run python benchmarks/generate.py --db /tmp/desk-small.db --open 100 --tickets 2000 \\
        --calls 20000 --ringing 20

Defaults: 1,000,000 calls over three years, 100,000 tickets across 200
contracts, 10,000 of them open, 200 calls ringing at ``--now``. Every ticket's
clocks, escalations and penalties come from the SLA engine, exactly as the
desk would have written them; rows are inserted in bulk. The same seed gives
the same database.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.desk.clocks import plan_rows  # noqa: E402
from hotline.desk.escalation_raising import subject_key  # noqa: E402
from hotline.paths import shipped_data_dir  # noqa: E402
from hotline.sla import SlaEngine, SlaEvent, TicketFacts  # noqa: E402
from hotline.store.engine import make_engine  # noqa: E402
from hotline.store.models import (  # noqa: E402
    Call,
    Contact,
    ContactNumber,
    Contract,
    Customer,
    Engineer,
    Escalation,
    Event,
    Meta,
    Penalty,
    Site,
    SlaClock,
    Ticket,
)
from hotline.store.schema import upgrade  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
CITIES = ["广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州", "江门", "湛江", "茂名",
          "汕头", "梅州", "韶关", "清远", "肇庆", "揭阳"]
AREA = {"广州": "020", "深圳": "0755", "东莞": "0769", "佛山": "0757", "珠海": "0756",
        "中山": "0760", "惠州": "0752", "江门": "0750", "湛江": "0759", "茂名": "0668",
        "汕头": "0754", "梅州": "0753", "韶关": "0751", "清远": "0763", "肇庆": "0758",
        "揭阳": "0663"}
POLICIES = [("guangdong-transmission", 0.4), ("standard", 0.45), ("fire-maintenance", 0.15)]
BATCH = 20_000


def insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[i:i + BATCH])


def hour_weight(h: int) -> float:
    """Calls by hour of day: quiet at night, busy 9–11 and 14–17."""
    return [1, 1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 10, 6, 8, 11, 11, 10, 8, 5, 4, 3, 2, 2, 1][h]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite file path or database URL")
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--years", type=float, default=3.0)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--contracts", type=int, default=200)
    ap.add_argument("--ringing", type=int, default=200)
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    now = datetime.fromisoformat(args.now).astimezone(UTC)
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    sla = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)
    t0 = time.perf_counter()

    # --- directory ---------------------------------------------------------------
    with engine.begin() as conn:
        insert(conn, Engineer.__table__, [  # type: ignore[arg-type]
            {"login": f"eng{i:02d}", "name": f"工程师{i:02d}", "role": "engineer",
             "seat": f"D{i}", "agent": f"PJSIP/80{i:02d}", "active": True} for i in range(16)]
            + [{"login": f"sup{i}", "name": f"值班长{i}", "role": "supervisor", "seat": None,
                "agent": None, "active": True} for i in range(3)]
            + [{"login": "mgr", "name": "经理", "role": "manager", "seat": None, "agent": None,
                "active": True}])
        customers, contracts, numbers = [], [], []
        for i in range(args.contracts):
            city = CITIES[i % len(CITIES)]
            policy = rng.choices([p for p, _ in POLICIES], [w for _, w in POLICIES])[0]
            customers.append({"id": i + 1, "code": f"C{i:04d}", "name": f"{city}客户{i:04d}",
                              "city": city})
            contracts.append({"id": i + 1, "code": f"K-{i:04d}", "customer_id": i + 1,
                              "title": "维保合同", "grade": rng.choice("AABBC"), "policy": policy,
                              "region": city, "valid_from": date(2023, 1, 1),
                              "valid_to": date(2027, 12, 31)})
        insert(conn, Customer.__table__, customers)  # type: ignore[arg-type]
        insert(conn, Contract.__table__, contracts)  # type: ignore[arg-type]
        insert(conn, Site.__table__, [  # type: ignore[arg-type]
            {"customer_id": c["id"], "name": "机房", "city": c["city"],
             "area_code": AREA[str(c["city"])], "address": None} for c in customers])
        contacts, contact_numbers = [], []
        for c in customers:
            for _ in range(2):
                cid = len(contacts) + 1
                contacts.append({"id": cid, "customer_id": c["id"], "site_id": c["id"],
                                 "name": f"联系人{cid:04d}", "title": None, "email": None})
                mobile = f"+86139{rng.randrange(10**8):08d}"
                contact_numbers.append({"contact_id": cid, "e164": mobile, "extension": None,
                                        "kind": "mobile", "label": None})
                numbers.append((mobile, cid, c["id"]))
        insert(conn, Contact.__table__, contacts)  # type: ignore[arg-type]
        insert(conn, ContactNumber.__table__, contact_numbers)  # type: ignore[arg-type]
        conn.execute(Meta.__table__.insert(), [{"key": "demo_offered", "value": "declined"}])  # type: ignore[attr-defined]
    print(f"directory: {len(customers)} customers, {len(contacts)} contacts "
          f"({time.perf_counter() - t0:.1f} s)")

    # --- calls ---------------------------------------------------------------------
    span = timedelta(days=365 * args.years)
    start = now - span
    days = int(span.days)
    day_weights = [hour_weight(h) for h in range(24)]
    calls: list[dict[str, object]] = []
    ticket_calls: list[int] = []
    n_hist = args.calls - args.ringing
    t1 = time.perf_counter()
    with engine.begin() as conn:
        for i in range(n_hist):
            day = start + timedelta(days=rng.randrange(days))
            local = day.astimezone(TZ).replace(hour=rng.choices(range(24), day_weights)[0],
                                               minute=rng.randrange(60),
                                               second=rng.randrange(60), microsecond=0)
            offered = local.astimezone(UTC)
            if offered >= now - timedelta(minutes=5):
                offered = now - timedelta(minutes=5 + rng.randrange(600))
            number, contact, customer = (rng.choice(numbers) if rng.random() < 0.75
                                         else (f"+86138{rng.randrange(10**8):08d}", None, None))
            roll = rng.random()
            wait = min(rng.expovariate(1 / 11), 600)
            state, answered_at, ended_at = "ended", offered + timedelta(seconds=wait), None
            if roll < 0.06:
                state, answered_at = "abandoned", None
                ended_at = offered + timedelta(seconds=min(rng.expovariate(1 / 25), 300))
            else:
                ended_at = answered_at + timedelta(seconds=rng.randrange(60, 900))
            calls.append({
                "call_key": f"gen-{i}", "source": "queue_log", "queue": "hotline",
                "number_raw": number, "number_e164": number, "number_kind": "mobile",
                "contact_id": contact, "customer_id": customer, "contract_id": customer,
                "state": state, "offered_at": offered,
                "answer_due_at": offered + timedelta(seconds=30),
                "answer_warn_at": offered + timedelta(seconds=24),
                "answered_at": answered_at, "answered_by": f"eng{rng.randrange(16):02d}"
                if answered_at else None, "ended_at": ended_at, "escalated_at": None,
                "ticket_id": None, "version": 1})
            if state != "abandoned" and customer is not None:
                ticket_calls.append(i)
            if len(calls) >= BATCH:
                insert(conn, Call.__table__, calls)  # type: ignore[arg-type]
                calls.clear()
        insert(conn, Call.__table__, calls)  # type: ignore[arg-type]
        calls.clear()
        for i in range(args.ringing):
            number, contact, customer = rng.choice(numbers)
            offered = now - timedelta(seconds=rng.uniform(0, 25))
            calls.append({
                "call_key": f"ring-{i}", "source": "ami", "queue": "hotline",
                "number_raw": number, "number_e164": number, "number_kind": "mobile",
                "contact_id": contact, "customer_id": customer, "contract_id": customer,
                "state": "ringing", "offered_at": offered,
                "answer_due_at": offered + timedelta(seconds=30),
                "answer_warn_at": offered + timedelta(seconds=24), "answered_at": None,
                "answered_by": None, "ended_at": None, "escalated_at": None,
                "ticket_id": None, "version": 1})
        insert(conn, Call.__table__, calls)  # type: ignore[arg-type]
    print(f"calls: {args.calls:,} ({time.perf_counter() - t1:.1f} s)")

    # --- tickets, their events, clocks, escalations, penalties ------------------------
    t2 = time.perf_counter()
    with engine.connect() as conn:
        c = Call.__table__.c  # type: ignore[attr-defined]
        call_rows = conn.execute(
            sa.select(c.id, c.offered_at, c.answered_at, c.customer_id, c.contract_id,
                      c.contact_id, c.number_e164)
            .where(c.source == "queue_log", c.state == "ended", c.customer_id.is_not(None))
            .order_by(c.offered_at)).all()
    chosen = sorted(rng.sample(range(len(call_rows)), min(args.tickets, len(call_rows))))
    # the newest tickets are the open ones (plus a few stuck old ones)
    open_set = set(chosen[-int(args.open * 0.97):]) | set(rng.sample(
        chosen[:-args.open], max(0, args.open - int(args.open * 0.97))))
    contract_of = {c["id"]: c for c in contracts}
    tickets, events, clocks, escalations, penalties, links = [], [], [], [], [], []
    per_day: dict[str, int] = {}
    with engine.begin() as conn:
        for n, idx in enumerate(chosen, start=1):
            cid, offered, answered, customer, contract_id, contact, number = call_rows[idx]
            opened = answered or offered
            contract = contract_of[contract_id]
            policy = str(contract["policy"])
            kind = rng.choices(["fault", "consultation", "complaint"], [70, 26, 4])[0]
            levels = sla.policy(policy).levels
            level = rng.choices(list(levels), [1, 4, 10, 6][:len(levels)])[0] if (
                kind == "fault") else None
            is_open = idx in open_set
            if is_open and opened < now - timedelta(days=30):
                pass  # an old ticket nobody closed: it will be overdue, as in real life
            day = opened.astimezone(TZ).strftime("%y%m%d")
            per_day[day] = per_day.get(day, 0) + 1
            number_text = f"{day}-{per_day[day]:04d}"
            history: list[tuple[str, datetime, dict[str, object]]] = [
                ("ticket_opened", opened, {"kind": kind, "level": level})]
            t = opened
            if kind == "fault":
                restore_after = timedelta(minutes=rng.uniform(20, 240) if level == 1
                                          else rng.uniform(60, 60 * 48))
                if not is_open or rng.random() < 0.3:
                    t = opened + restore_after
                    if t < now:
                        history.append(("restore", t, {}))
                if not is_open:
                    t = t + timedelta(hours=rng.uniform(1, 72))
                    history.append(("resolve", t, {}))
                    history.append(("handling_form", t + timedelta(hours=rng.uniform(1, 40)), {}))
                    history.append(("ticket_closed", t + timedelta(hours=41), {}))
            elif not is_open:
                what = "consultation_answered" if kind == "consultation" else "complaint_answered"
                t = opened + timedelta(hours=rng.uniform(0.2, 20))
                history.append((what, t, {}))
                history.append(("ticket_closed", t + timedelta(minutes=5), {}))
            history = [h for h in history if h[1] <= now]
            closed = any(h[0] == "ticket_closed" for h in history)
            status = "closed" if closed else (
                "resolved" if any(h[0] == "resolve" for h in history) else
                "restored" if any(h[0] == "restore" for h in history) else "open")
            facts = TicketFacts(policy=policy, grade=str(contract["grade"]), level=level,
                                kind=kind, region=str(contract["region"]), opened_at=opened)
            sla_events = [SlaEvent(name={"ticket_closed": "closed"}.get(w, w), at=at)
                          for w, at, _ in history if w != "ticket_opened"]
            evaluation = sla.evaluate(facts, sla_events, now)
            # A supervisor acknowledged every alert older than two hours, 12 minutes after
            # it came (otherwise an old alert repeats every 30 minutes for ever).
            for _round in range(20):
                late = [st for st in evaluation.escalations
                        if st.tier is not None and st.acknowledged_at is None
                        and st.at < now - timedelta(hours=2)]
                if not late:
                    break
                # the earliest first: acknowledging it stops its chain's later alerts
                for st in sorted(late, key=lambda x: x.at)[:1]:
                    ack_at = st.at + timedelta(minutes=12)
                    sla_events.append(SlaEvent(name="acknowledge", at=ack_at, key=st.key))
                    history.append(("escalation_acknowledged", ack_at, {"key": st.key}))
                evaluation = sla.evaluate(facts, sla_events, now)
            plan = plan_rows(evaluation)
            nxt = plan.next_deadline()
            tickets.append({
                "id": n, "number": number_text, "kind": kind, "level": plan.level,
                "initial_level": level, "status": status, "policy": policy,
                "grade": contract["grade"], "region": contract["region"], "conditions": "",
                "customer_id": customer, "contact_id": contact, "contract_id": contract_id,
                "caller_number": number, "caller_name": None, "equipment": None, "site": None,
                "description": "生成的工单 generated ticket", "opened_at": opened,
                "opened_by": f"eng{rng.randrange(16):02d}", "assigned_to": None,
                "closed_at": max(at for w, at, _ in history if w == "ticket_closed")
                if closed else None,
                "next_check_at": None if closed else plan.next_check_at,
                "next_due_at": None if closed or nxt is None else nxt.due_at,
                "next_clock": None if closed or nxt is None else nxt.key, "version": 1})
            links.append({"cid": cid, "tid": n})
            for w, at, data in history:
                events.append({"at": at, "recorded_at": at, "actor": "eng00", "kind": w,
                               "call_id": cid if w == "ticket_opened" else None,
                               "ticket_id": n, "escalation_id": None,
                               "data": json.dumps(data)})
            for c in plan.clocks:
                clocks.append({"ticket_id": n, "key": c.key, "target": c.target,
                               "level": c.level, "limit_text": c.limit_text, "state": c.state,
                               "started_at": c.started_at, "due_at": c.due_at,
                               "warn_at": c.warn_at, "met_at": c.met_at,
                               "breached_at": c.breached_at, "paused_at": None,
                               "paused_s": c.paused_s})
            history.sort(key=lambda h: h[1])
            for e in plan.escalations:
                acked = e.at < now - timedelta(hours=2)
                escalations.append({
                    "key": subject_key(e.key, ticket_id=n), "kind": e.kind, "tier": e.tier,
                    "call_id": None,
                    "ticket_id": n, "clock_id": None, "raised_at": e.at, "due_at": e.due,
                    "from_level": e.from_level, "to_level": e.to_level, "reason": e.reason,
                    "acknowledged_at": e.at + timedelta(minutes=12) if acked else None,
                    "acknowledged_by": "sup0" if acked else None, "note": None,
                    "assigned_to": None})
            for p in plan.penalties:
                penalties.append({"key": subject_key(p.key, ticket_id=n), "rule": p.rule,
                                  "points": p.points,
                                  "at": p.at, "ticket_id": n, "contract_id": contract_id,
                                  "description": p.description})
            if len(events) >= BATCH:
                _flush(conn, tickets, events, clocks, escalations, penalties, links)
        _flush(conn, tickets, events, clocks, escalations, penalties, links)
    print(f"tickets: {len(chosen):,}, {len(open_set):,} open "
          f"({time.perf_counter() - t2:.1f} s)")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE") if engine.dialect.name != "sqlite" else \
            conn.exec_driver_sql("PRAGMA optimize")
    print(f"done in {time.perf_counter() - t0:.1f} s: {url}")
    return 0


def _flush(conn: sa.Connection, tickets: list[dict[str, object]],
           events: list[dict[str, object]], clocks: list[dict[str, object]],
           escalations: list[dict[str, object]], penalties: list[dict[str, object]],
           links: list[dict[str, object]]) -> None:
    insert(conn, Ticket.__table__, tickets)  # type: ignore[arg-type]
    insert(conn, Event.__table__, events)  # type: ignore[arg-type]
    insert(conn, SlaClock.__table__, clocks)  # type: ignore[arg-type]
    insert(conn, Escalation.__table__, escalations)  # type: ignore[arg-type]
    insert(conn, Penalty.__table__, penalties)  # type: ignore[arg-type]
    if links:
        conn.execute(sa.text("UPDATE call SET ticket_id = :tid WHERE id = :cid"), links)
    for rows in (tickets, events, clocks, escalations, penalties, links):
        rows.clear()


if __name__ == "__main__":
    sys.exit(main())
