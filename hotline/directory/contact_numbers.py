"""A contact's phone numbers as people write them: read from a list, written back, shown.

One text holds all of a contact's numbers (``"mobile: 139 0225 1234; 0755-8376
5432 ext 8001"``), in the contact form and in the ``numbers`` column of a CSV
file alike; :func:`parse_numbers` reads it and :func:`number_text` writes the
stored numbers back the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from hotline.directory.fields import FieldError, one_line
from hotline.errors import ConfigError, InputError
from hotline.i18n import _
from hotline.phones import PhoneNumber, parse_number
from hotline.store.models import Site


@dataclass(frozen=True)
class NumberEntry:
    """One number of a contact as written, with its optional label."""

    number: PhoneNumber
    label: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.number.e164, self.number.extension)


#: Between numbers: ; ； 、 ， or a line break (not the ";" of ";ext=8001").
_NUMBER_SEPARATOR = re.compile(r"[;；、，\n\r]+(?!\s*ext\s*=)", re.IGNORECASE)
#: ``office: 0755 8376 5432`` — a label has no digits and comes before a colon.
_LABELLED = re.compile(r"(?P<label>[^\d+(:：]{1,40}?)\s*[:：]\s*(?P<number>.+)")


def split_numbers(text: str) -> list[str]:
    """The items of a list of numbers, as written."""
    return [item.strip() for item in _NUMBER_SEPARATOR.split(text or "") if item.strip()]


def parse_numbers(text: str | None, area_code: str | None, *, fld: str = "numbers",
                  required: bool = True) -> list[NumberEntry]:
    """Read ``"mobile: 139 0225 1234; 0755-8376 5432 ext 8001"``.

    Numbers are separated by ``;`` ``；`` ``、`` ``，`` or line breaks; each may
    start with a label and a colon. Local numbers written without an area
    code get ``area_code``. The same number twice is kept once.
    """
    items = split_numbers(text or "")
    if not items:
        if required:
            raise FieldError(fld, _("At least one phone number is required."))
        return []
    out: list[NumberEntry] = []
    seen: set[tuple[str, str | None]] = set()
    for item in items:
        label: str | None = None
        written = item
        m = _LABELLED.fullmatch(item)
        if m is not None:
            label = one_line(m.group("label")) or None
            written = m.group("number")
        try:
            number = parse_number(written, default_region="CN", default_area_code=area_code)
        except (InputError, ConfigError) as exc:
            raise FieldError(fld, str(exc) + _spreadsheet_hint(written)) from exc
        entry = NumberEntry(number, label)
        if entry.key not in seen:
            seen.add(entry.key)
            out.append(entry)
    return out


_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def _spreadsheet_hint(written: str) -> str:
    """What a spreadsheet may have done to a number that does not parse."""
    text = written.strip()
    if _SCIENTIFIC.fullmatch(text):
        return " " + _("A spreadsheet turned the number into {value}: format the column as "
                       "text and type the number again.").format(value=text)
    return ""


def default_area_code(site: Site | None, sites: Iterable[Site]) -> str | None:
    """The area code for a contact's local numbers: its site's, else the one all of
    the customer's sites share."""
    if site is not None and site.area_code:
        return site.area_code
    codes = {x.area_code for x in sites if x.area_code}
    return codes.pop() if len(codes) == 1 else None


def number_text(e164: str, extension: str | None, label: str | None = None) -> str:
    """A stored number written back the way :func:`parse_numbers` reads it."""
    shown = _national(e164)
    if extension:
        shown += f" ext. {extension}"
    return f"{label}: {shown}" if label else shown


@lru_cache(maxsize=8192)
def _national(e164: str) -> str:
    try:
        return parse_number(e164).national
    except InputError:
        return e164


def show_number(e164: str, extension: str | None) -> str:
    """A stored number as the screens show it."""
    shown = _national(e164)
    if extension:
        shown = _("{number} ext. {extension}").format(number=shown, extension=extension)
    return shown


def shared_number_warning(number: str, contact: str, customer: str) -> str:
    """The warning for a number that another customer's contact also has."""
    return _("{number} is also the number of {contact} ({customer}): a call from it is "
             "matched to one of them only.").format(number=number, contact=contact,
                                                    customer=customer)
