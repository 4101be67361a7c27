"""telephony: feed status, unapplied PBX events, change notifications

Revision ID: 0006_telephony
Revises: 0001
Create Date: 2026-11-26 09:00:00

On PostgreSQL every committed change that writes an event (and every feed
heartbeat) sends ``NOTIFY`` on the channel ``hotline_<schema>``, so that
seats on other machines see it at once (see :class:`hotline.store.changes.ChangeWatcher`).
The channel carries the schema's name so that desks kept in different schemas
of one database do not wake each other.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0006_telephony"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pbx_feed",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("since", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "pbx_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("call_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("agent", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("received_at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pbx_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbx_event_call_key"), ["call_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_pbx_event_key"), ["key"], unique=True)
    _notify_triggers()


def downgrade() -> None:
    _drop_notify_triggers()
    with op.batch_alter_table("pbx_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbx_event_key"))
        batch_op.drop_index(batch_op.f("ix_pbx_event_call_key"))
    op.drop_table("pbx_event")
    op.drop_table("pbx_feed")


def _notify_triggers() -> None:
    """PostgreSQL only: one NOTIFY per statement that writes an event or a feed's state.

    NOTIFY is transactional: it is delivered when (and only if) the writing
    transaction commits, and identical notifications of one transaction are
    folded into one.
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION hotline_notify_change() RETURNS trigger AS $$ "
        "BEGIN PERFORM pg_notify('hotline_' || TG_TABLE_SCHEMA, TG_TABLE_NAME); "
        "RETURN NULL; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER event_notify AFTER INSERT ON event "
        "FOR EACH STATEMENT EXECUTE FUNCTION hotline_notify_change()"
    )
    op.execute(
        "CREATE TRIGGER pbx_feed_notify AFTER INSERT OR UPDATE OR DELETE ON pbx_feed "
        "FOR EACH STATEMENT EXECUTE FUNCTION hotline_notify_change()"
    )


def _drop_notify_triggers() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS pbx_feed_notify ON pbx_feed")
    op.execute("DROP TRIGGER IF EXISTS event_notify ON event")
    op.execute("DROP FUNCTION IF EXISTS hotline_notify_change()")
