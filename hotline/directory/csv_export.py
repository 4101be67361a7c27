"""Writing the directory to CSV files in the format the import reads."""

from __future__ import annotations

from typing import IO

from sqlmodel import col, select

from hotline.directory.contact_numbers import number_text
from hotline.directory.csv_columns import COLUMNS
from hotline.directory.listing import list_contacts, list_contracts, list_customers
from hotline.seat import Seat
from hotline.spreadsheet import csv_writer
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site


def export_csv(seat: Seat, kind: str, out: IO[str], query: str = "") -> int:
    """Write the directory (or what matches ``query``) in the import format; returns rows.

    ``sites`` is written as a customers file (sites are imported with their customers).
    A cell a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) is
    written with a ``'`` before it, which the import takes off again.
    """
    writer = csv_writer(out, lineterminator="\r\n")
    kind = "customers" if kind == "sites" else kind
    writer.writerow([c.name for c in COLUMNS[kind]])
    n = 0
    with seat.read() as s:
        if kind == "customers":
            ids = {r.id for r in list_customers(seat, query, limit=None).rows}
            sites: dict[int, list[Site]] = {}
            for site in s.exec(select(Site).order_by(col(Site.name))).all():
                sites.setdefault(site.customer_id, []).append(site)
            for c in s.exec(select(Customer).order_by(col(Customer.code))).all():
                if c.id not in ids:
                    continue
                rows = [(x.name, x.city or "", x.area_code or "", x.address or "")
                        for x in sites.get(c.id, [])] or [("", "", "", "")]
                for site_cells in rows:
                    writer.writerow([c.code, c.name, c.city or "", *site_cells])
                    n += 1
        elif kind == "contacts":
            ids = {r.id for r in list_contacts(seat, query, limit=None).rows}
            codes = dict(s.exec(select(Customer.id, Customer.code)).all())
            site_names = dict(s.exec(select(Site.id, Site.name)).all())
            numbers: dict[int, list[str]] = {}
            for num in s.exec(select(ContactNumber).order_by(col(ContactNumber.id))).all():
                numbers.setdefault(num.contact_id, []).append(
                    number_text(num.e164, num.extension, num.label))
            for p in s.exec(select(Contact).order_by(col(Contact.customer_id),
                                                     col(Contact.name))).all():
                if p.id not in ids:
                    continue
                writer.writerow([codes.get(p.customer_id, ""), p.name, p.title or "",
                                 site_names.get(p.site_id, "") if p.site_id else "",
                                 p.email or "", "; ".join(numbers.get(p.id or 0, []))])
                n += 1
        else:
            ids = {r.id for r in list_contracts(seat, query, limit=None).rows}
            codes = dict(s.exec(select(Customer.id, Customer.code)).all())
            for k in s.exec(select(Contract).order_by(col(Contract.code))).all():
                if k.id not in ids:
                    continue
                writer.writerow([k.code, codes.get(k.customer_id, ""), k.title or "", k.policy,
                                 k.grade, k.region or "",
                                 k.valid_from.isoformat() if k.valid_from else "",
                                 k.valid_to.isoformat() if k.valid_to else ""])
                n += 1
    return n

