"""The grants of a seat's database role on PostgreSQL (``hotline db grants ROLE``).

Two roles serve a desk: the owner of the tables, who runs ``hotline db
upgrade``, and the seats' role, which owns nothing and so can neither change
the schema nor disable the event table's triggers. The seats' role may read
every table, and add, change and remove rows where the desk does; on the
event table it may only read and add; it may never ``TRUNCATE``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from hotline.errors import InputError
from hotline.i18n import _

#: Tables the seats only read and add to.
APPEND_ONLY = frozenset({"event"})
#: Tables the seats only read.
READ_ONLY = frozenset({"alembic_version"})


def check_role_name(role: str) -> str:
    """A role name as given, refused when PostgreSQL could not hold it."""
    if not role or not role.strip():
        raise InputError(_("Give the name of the seats' database role."))
    if any(ord(ch) < 32 or ch == "\x7f" for ch in role):
        raise InputError(_("A role name cannot hold control characters."))
    if len(role.encode("utf-8", "surrogatepass")) > 63:
        raise InputError(_("A role name is at most 63 bytes long in PostgreSQL."))
    try:
        role.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(_("A role name must be valid text.")) from None
    return role


def seat_grants(conn: sa.Connection, role: str) -> list[str]:
    """The statements giving ``role`` what a seat needs in this schema, and no more."""
    check_role_name(role)
    quote = conn.dialect.identifier_preparer.quote
    who = quote(role)
    schema = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
    where = quote(schema)
    present = set(sa.inspect(conn).get_table_names())
    known = [t.name for t in SQLModel.metadata.sorted_tables if t.name in present]
    known += sorted(present & READ_ONLY)
    out = [f"GRANT USAGE ON SCHEMA {where} TO {who};",
           f"REVOKE CREATE ON SCHEMA {where} FROM {who};",
           f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who};"]
    for table in known:
        name = f"{where}.{quote(table)}"
        if table in READ_ONLY:
            out.append(f"GRANT SELECT ON {name} TO {who};")
        elif table in APPEND_ONLY:
            out.append(f"GRANT SELECT, INSERT ON {name} TO {who};")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {who};")
    out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who};")
    return out
