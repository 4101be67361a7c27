"""The checks of the directory's fields, shared by the forms and the CSV import.

Each ``check_*`` takes a value as typed (or as read from a CSV cell) and
returns it as it is stored, or raises :class:`FieldError` naming the field and
saying what is wrong, so that a value a form refuses is refused in a file too,
with the same words.

Codes (customer, contract) and names (site, contact) are matched ignoring case
and repeated spaces (:func:`key_of`), as people type them; they are stored as
written.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder

from hotline.errors import InputError
from hotline.i18n import _, current_language


class FieldError(InputError):
    """A value that is not acceptable; ``field`` names the form field / CSV column."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def one_line(value: str | None) -> str:
    """Trimmed, with every run of spaces, tabs and line breaks made one space."""
    return _SPACES.sub(" ", value or "").strip()


def key_of(value: str) -> str:
    """How codes and names are matched: case and repeated spaces ignored."""
    return one_line(value).casefold()


def check_text(value: str | None, fld: str, what: str, max_len: int, *,
               required: bool) -> str | None:
    """A one-line text of at most ``max_len`` characters (None when empty and optional)."""
    text = one_line(value)
    if not text:
        if required:
            raise FieldError(fld, _("{what} is required.").format(what=what))
        return None
    if len(text) > max_len:
        raise FieldError(fld, _("{what} may have at most {max} characters; this has {n}.").format(
            what=what, max=max_len, n=len(text)))
    return text


def _code(value: str | None, fld: str, what: str, max_len: int) -> str:
    text = check_text(value, fld, what, max_len, required=True)
    assert text is not None
    if " " in text:
        raise FieldError(fld, _("{what} {value!r} contains a space; a code is one word "
                                "(e.g. GDT-SZ).").format(what=what, value=text))
    return text


def check_customer_code(value: str | None, fld: str = "code") -> str:
    return _code(value, fld, _("Customer code"), 40)


def check_customer_name(value: str | None) -> str:
    text = check_text(value, "name", _("Customer name"), 200, required=True)
    assert text is not None
    return text


def check_city(value: str | None, fld: str = "city") -> str | None:
    return check_text(value, fld, _("City"), 60, required=False)


def check_site_name(value: str | None, fld: str = "name") -> str:
    text = check_text(value, fld, _("Site name"), 200, required=True)
    assert text is not None
    return text


def check_address(value: str | None) -> str | None:
    return check_text(value, "address", _("Address"), 300, required=False)


def check_area_code(value: str | None, fld: str = "area_code") -> str | None:
    """A Chinese area code in use, returned with its trunk 0 (``"755"`` → ``"0755"``)."""
    text = one_line(value).replace(" ", "").replace("-", "")
    if not text:
        return None
    digits = text[1:] if text.startswith("0") else text
    if not (digits.isascii() and digits.isdecimal()) or area_place(digits) is None:
        raise FieldError(fld, _("{value!r} is not an area code in use in China "
                                "(e.g. 010, 020, 0755).").format(value=one_line(value)))
    return "0" + digits


@lru_cache(maxsize=512)
def area_place(area: str) -> str | None:
    """Where an area code is (``"755"`` → Shenzhen), in the current language; None if unused."""
    area = area.lstrip("0")
    if not (area.isascii() and area.isdecimal()) or not 2 <= len(area) <= 3:
        return None
    lang = "zh" if current_language() == "zh_CN" else "en"
    for lead in "2345678":
        for length in (8, 7):
            number = phonenumbers.PhoneNumber(
                country_code=86, national_number=int(area + lead + "0" * (length - 1)))
            if phonenumbers.is_valid_number_for_region(number, "CN"):
                return geocoder.description_for_number(number, lang) or area
    return None


def check_contact_name(value: str | None, fld: str = "name") -> str:
    text = check_text(value, fld, _("Contact name"), 120, required=True)
    assert text is not None
    return text


def check_title(value: str | None) -> str | None:
    return check_text(value, "title", _("Title"), 120, required=False)


def check_email(value: str | None) -> str | None:
    text = check_text(value, "email", _("E-mail"), 200, required=False)
    if text is not None and not _EMAIL.fullmatch(text):
        raise FieldError("email", _("{value!r} is not an e-mail address (name@example.com).")
                         .format(value=text))
    return text


def check_contract_code(value: str | None, fld: str = "code") -> str:
    return _code(value, fld, _("Contract code"), 60)


def check_contract_title(value: str | None) -> str | None:
    return check_text(value, "title", _("Contract title"), 200, required=False)
