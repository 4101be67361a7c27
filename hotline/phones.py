"""Phone numbers as people write them, stored as E.164 and shown the national way.

Every number that reaches the desk — typed in the intake form, given to
``hotline ring``, sent by the PBX as caller ID, or read from a CSV of
contacts — goes through :func:`parse_number`, so that one number written
ten ways is one ``e164`` and a caller can be matched to a known contact.

Three things phonenumbers does not do for a Chinese desk, done here:

* Extensions written ``转8001`` (phonenumbers refuses them) or
  ``010-62345678-8001`` (phonenumbers silently reads ``+8610623456788001``)
  are split off before the main number is parsed.
* Short service numbers (10086, 95588, 12345, 110 …) are not "valid numbers"
  to phonenumbers; they are accepted through its short-number metadata, with
  a rule of our own for the 10xxx / 12xxx / 95xxx / 96xxx service ranges so
  that a future, narrower metadata release cannot make the desk refuse a bank
  calling back. Their ``e164`` is the digits as dialled.
* Refusals name what is wrong (11 digits for a mobile, the local length of
  an area code, the letters found …) instead of "not a valid number".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumberFormat,
    PhoneNumberType,
    carrier,
    geocoder,
)
from phonenumbers import shortnumberinfo as short_info

from hotline.errors import ConfigError, InputError
from hotline.i18n import N_, _, current_language

__all__ = ["PhoneNumber", "describe", "parse_number", "try_parse_number"]

#: Kinds a number can have, with the label the screens show (translated at use).
KIND_LABELS: dict[str, str] = {
    "mobile": N_("mobile"),
    "fixed": N_("fixed line"),
    "toll_free": N_("toll-free"),
    "shared_cost": N_("shared cost"),
    "voip": N_("VoIP"),
    "short": N_("service number"),
    "emergency": N_("emergency"),
    "other": N_("other"),
}

_KIND_BY_TYPE: dict[int, str] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    # FIXED_LINE_OR_MOBILE (US, Canada …) stays "other": phonenumbers cannot
    # tell which it is, and the desk should not claim either.
}

#: Types whose numbers can carry an extension (a mobile or a service number cannot).
_EXTENSION_KINDS = frozenset({"fixed", "toll_free", "shared_cost", "voip", "other"})

#: Emergency numbers phonenumbers does not flag: 122 (traffic accidents) is in its
#: CN metadata as a free short number, but the desk treats it like 110/119/120.
_EXTRA_EMERGENCY: dict[str, frozenset[str]] = {"CN": frozenset({"122"})}

#: Chinese service-number ranges accepted whatever the short-number metadata says:
#: 10xxx (operators), 12xxx (public services, 12345/12306 …), 95xxx(x) and
#: 96xxx(x) (banks, airlines, insurers; nationwide or local).
_CN_SERVICE = re.compile(r"1[02]\d{3}|9[56]\d{3,4}")

_MAX_EXTENSION_DIGITS = 8
#: E.164 allows 15 digits; an international prefix (00) adds two.
_MAX_DIGITS = 17

#: Dashes NFKC leaves alone (hyphen, en/em dash, minus, small/full-width hyphen-minus).
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")

#: An extension written after the main number, with its marker.
_EXPLICIT_EXTENSION = re.compile(
    r"""^(?P<main>.*?)[\s,]*
        (?P<marker>;\s*ext\s*=|ext(?:ension|n)?\.?|x|\#|转|轉|分机号?|分機號?)
        \s*[:.]?\s*(?P<ext>\d*)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
#: A trailing ``-NNNN`` group: ``010-62345678-8001``.
_DASH_GROUP = re.compile(r"^(?P<main>.*\d)\s*-\s*(?P<ext>\d{1,6})$")
#: Characters a number may be written with, besides digits.
_PUNCTUATION = frozenset(" \t-.()+/")


@dataclass(frozen=True)
class PhoneNumber:
    """One phone number, parsed.

    ``e164`` is the key to store and match on; ``national`` (with
    ``extension``, see :attr:`display`) is what the screens show. For a
    number of another country than the desk's, ``national`` holds the
    international form (``+852 2345 6789``): the national form of a foreign
    number cannot be dialled from here and hides where it is.
    """

    raw: str
    e164: str
    kind: str
    national: str
    extension: str | None
    region: str | None
    carrier: str | None
    country: str

    @property
    def display(self) -> str:
        """The number as the screens show it, with its extension."""
        if self.extension is None:
            return self.national
        return _("{number} ext. {extension}").format(number=self.national, extension=self.extension)

    @property
    def is_short(self) -> bool:
        """True for service and emergency numbers, which have no E.164 form."""
        return self.kind in ("short", "emergency")


def parse_number(
    text: str, *, default_region: str = "CN", default_area_code: str | None = None,
    with_place: bool = True,
) -> PhoneNumber:
    """Read a phone number written in any usual way.

    ``default_region`` is the country of numbers written without a country
    code; ``default_area_code`` (``"010"`` or ``"10"``) is the site's own area,
    used for local numbers written without one (``62345678``). ``with_place=False``
    leaves out the place and the carrier (``region``, ``carrier`` None): looking them
    up costs more than the rest, and a phone feed storing calls needs neither.

    Raises :class:`InputError` with a message naming what is wrong, and
    :class:`ConfigError` if ``default_region`` or ``default_area_code`` is not
    acceptable.
    """
    raw = text.strip()
    if not raw:
        raise InputError(_("A phone number is required."))
    region = _check_region(default_region)
    area = _check_area_code(default_area_code, region) if default_area_code else None

    main, extension = _split_extension(_normalise(raw), raw)
    _check_characters(main, raw)
    digits = "".join(ch for ch in main if ch.isdigit())
    if len(digits) > _MAX_DIGITS:
        raise InputError(
            _(
                "{raw} is too long for a phone number: it has {n} digits, at most 15 are used."
            ).format(raw=raw, n=len(digits))
        )
    if extension is None:
        main, extension = _split_dash_extension(main, region)

    international = main.lstrip("(").startswith("+") or digits.startswith("00")
    parsed = _parse(main, region, raw)
    if phonenumbers.is_valid_number(parsed):
        return _build(parsed, raw, extension, region, with_place)

    dialled = _dialled_short(parsed, digits, international, region)
    if dialled is not None:
        return _build_short(dialled, raw, extension, region)

    if area is not None and not international and _looks_local(digits, region):
        local = phonenumbers.parse(_national_prefix(region) + area + digits, region)
        if phonenumbers.is_valid_number(local):
            return _build(local, raw, extension, region, with_place)
        if region == "CN":
            raise InputError(_fixed_line_problem(raw, area, digits))
        raise InputError(
            _("{raw} is not a local number in area {area}.").format(
                raw=raw, area=_national_prefix(region) + area
            )
        )
    raise InputError(_explain_invalid(parsed, raw, digits, international, region))


def try_parse_number(
    text: str, *, default_region: str = "CN", default_area_code: str | None = None
) -> PhoneNumber | None:
    """Like :func:`parse_number`, but ``None`` for input that is not a number.

    A bad ``default_region`` or ``default_area_code`` still raises
    :class:`ConfigError`: a misconfigured site must not look like bad numbers.
    """
    try:
        return parse_number(
            text, default_region=default_region, default_area_code=default_area_code
        )
    except InputError:
        return None


def known_form(text: str) -> PhoneNumber | None:
    """:func:`try_parse_number` with the desk's defaults, remembered per number.

    For lists that show many rows of the same few numbers (the dashboard's calls,
    a caller's tickets): parsing one, with its place and carrier, takes ~60 µs.
    """
    return _known_form(text, current_language())


@lru_cache(maxsize=4096)
def _known_form(text: str, language: str) -> PhoneNumber | None:
    return try_parse_number(text)  # the place and carrier are in ``language``


def describe(number: PhoneNumber) -> str:
    """One line for the screen: number, kind, carrier, place."""
    parts = [number.display, _(KIND_LABELS.get(number.kind, KIND_LABELS["other"]))]
    if number.carrier:
        parts.append(number.carrier)
    if number.region:
        parts.append(number.region)
    return " · ".join(parts)


# --- reading the text ---------------------------------------------------------


def _normalise(raw: str) -> str:
    """Full-width digits and punctuation to ASCII; other scripts' digits to 0-9."""
    s = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in s).strip()


def _split_extension(s: str, raw: str) -> tuple[str, str | None]:
    """Split ``main 转 8001`` / ``ext. 8001`` / ``;ext=8001`` / ``#8001``."""
    m = _EXPLICIT_EXTENSION.match(s)
    if m is None:
        return s, None
    main = m.group("main").strip(" \t-,")
    ext = m.group("ext")
    if not any(ch.isdigit() for ch in main):
        raise InputError(
            _(
                "{raw}: the main number is missing; write it before the extension, "
                "e.g. 010 6234 5678 转 8001."
            ).format(raw=raw)
        )
    if not ext:
        raise InputError(
            _("{raw}: the extension after {marker!r} is missing.").format(
                raw=raw, marker=m.group("marker").strip()
            )
        )
    _check_extension_length(ext, raw)
    return main, ext


def _check_extension_length(ext: str, raw: str) -> None:
    if len(ext) > _MAX_EXTENSION_DIGITS:
        raise InputError(
            _("{raw}: the extension {ext} is too long (at most {n} digits).").format(
                raw=raw, ext=ext, n=_MAX_EXTENSION_DIGITS
            )
        )


def _check_characters(main: str, raw: str) -> None:
    """Refuse letters, stray symbols and misplaced ``+`` before phonenumbers sees them.

    phonenumbers reads letters as a keypad (``13800abc000`` becomes
    ``+8613800222000``), which is never what a duty engineer meant.
    """
    letters = "".join(ch for ch in main if ch.isalpha())
    if letters:
        raise InputError(
            _("{raw} contains letters ({letters}): a phone number is written with digits.").format(
                raw=raw, letters=letters
            )
        )
    stray = sorted({ch for ch in main if not ch.isdigit() and ch not in _PUNCTUATION})
    if stray:
        raise InputError(
            _("{raw} contains characters a phone number does not have: {chars}.").format(
                raw=raw, chars=" ".join(stray)
            )
        )
    if main.count("+") > 1 or ("+" in main and not main.lstrip("(").startswith("+")):
        raise InputError(
            _("{raw}: a + may appear only once, at the start, before the country code.").format(
                raw=raw
            )
        )
    if not any(ch.isdigit() for ch in main):
        raise InputError(_("{raw} has no digits: a phone number is required.").format(raw=raw))


def _split_dash_extension(main: str, region: str) -> tuple[str, str | None]:
    """Read ``010-62345678-8001`` as main number ``010-62345678``, extension ``8001``.

    Only when the whole is not a valid number and what is before the last dash
    is a complete number of a kind that has extensions, so ``138-0013-8000``
    and ``0755-8888-8888`` are untouched.
    """
    m = _DASH_GROUP.match(main)
    if m is None or _is_valid(main, region):
        return main, None
    head = m.group("main")
    if not _is_valid(head, region):
        return main, None
    kind = _KIND_BY_TYPE.get(phonenumbers.number_type(phonenumbers.parse(head, region)), "other")
    if kind not in _EXTENSION_KINDS:
        return main, None
    return head, m.group("ext")


def _is_valid(s: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(s, region))
    except NumberParseException:
        return False


def _parse(main: str, region: str, raw: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(main, region)
    except NumberParseException as e:
        if e.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            msg = _("{raw}: the country code is not one in use.")
        elif e.error_type == NumberParseException.TOO_LONG:
            msg = _("{raw} is too long for a phone number.")
        elif e.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            msg = _("{raw} is too short for a phone number.")
        else:
            msg = _("{raw} is not a phone number.")
        raise InputError(msg.format(raw=raw)) from e


# --- short service numbers ---------------------------------------------------


def _dialled_short(
    parsed: phonenumbers.PhoneNumber, digits: str, international: bool, region: str
) -> str | None:
    """The short number dialled, or None if this is not a known service number.

    ``+86 10086`` / ``008610086`` (how some PBXs send caller ID) count as 10086.
    """
    if international:
        if parsed.country_code != phonenumbers.country_code_for_region(region):
            return None
        candidate = phonenumbers.national_significant_number(parsed)
    else:
        # "0110" is not 110: nothing may have been stripped as a trunk prefix.
        candidate = digits
        if candidate != phonenumbers.national_significant_number(parsed):
            return None
    if _is_emergency(candidate, region):
        return candidate
    if short_info.is_valid_short_number_for_region(parsed, region):
        return candidate
    if region == "CN" and _CN_SERVICE.fullmatch(candidate):
        return candidate
    return None


def _is_emergency(digits: str, region: str) -> bool:
    return short_info.is_emergency_number(digits, region) or digits in _EXTRA_EMERGENCY.get(
        region, frozenset()
    )


def _build_short(digits: str, raw: str, extension: str | None, region: str) -> PhoneNumber:
    if extension is not None:
        raise InputError(
            _("{raw}: a service number such as {number} has no extension.").format(
                raw=raw, number=digits
            )
        )
    return PhoneNumber(
        raw=raw,
        e164=digits,
        kind="emergency" if _is_emergency(digits, region) else "short",
        national=digits,
        extension=None,
        region=None,
        carrier=None,
        country=region,
    )


# --- full numbers -------------------------------------------------------------


def _geo_language() -> str:
    return "zh" if current_language() == "zh_CN" else "en"


def _build(
    parsed: phonenumbers.PhoneNumber, raw: str, extension: str | None, default_region: str,
    with_place: bool = True,
) -> PhoneNumber:
    kind = _KIND_BY_TYPE.get(phonenumbers.number_type(parsed), "other")
    if extension is not None and kind not in _EXTENSION_KINDS:
        raise InputError(
            _("{raw}: a {kind} number has no extension.").format(raw=raw, kind=_(KIND_LABELS[kind]))
        )
    country = phonenumbers.region_code_for_number(parsed) or default_region
    lang = _geo_language()
    place = (geocoder.description_for_number(parsed, lang) or None) if with_place else None
    # For a number of the desk's own country, "China" says nothing: no place.
    if (
        place is not None
        and country == default_region
        and place == geocoder.country_name_for_number(parsed, lang)
    ):
        place = None
    fmt = (
        PhoneNumberFormat.NATIONAL if country == default_region else PhoneNumberFormat.INTERNATIONAL
    )
    return PhoneNumber(
        raw=raw,
        e164=phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        kind=kind,
        national=phonenumbers.format_number(parsed, fmt),
        extension=extension,
        region=place,
        carrier=(carrier.name_for_number(parsed, lang) or None) if with_place else None,
        country=country,
    )


# --- saying what is wrong -----------------------------------------------------


def _check_region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            _("{region!r} is not a known country code (e.g. CN).").format(region=region)
        )
    return code


def _national_prefix(region: str) -> str:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (meta.national_prefix or "") if meta is not None else ""


def _check_area_code(value: str, region: str) -> str:
    """The site's area code without its trunk 0: ``"010"`` and ``"10"`` give ``"10"``."""
    area = value.strip()
    prefix = _national_prefix(region)
    if prefix and area.startswith(prefix):
        area = area[len(prefix) :]
    if not area.isdigit() or (region == "CN" and not _local_lengths(area)):
        raise ConfigError(
            _("The default area code {value!r} is not an area code in use.").format(value=value)
        )
    return area


@lru_cache(maxsize=512)
def _local_lengths(area: str) -> tuple[int, ...]:
    """Lengths of ordinary local numbers in a Chinese area code; empty if it is not in use.

    Found by asking phonenumbers about sample numbers (ordinary local numbers
    start with 2-8), which keeps this in step with its metadata.
    """

    def valid(n: int) -> bool:
        # Two leading digits 20-89, then zeros: "0755" + 8 digits -> 755 2000 0000 …
        return any(
            phonenumbers.is_valid_number_for_region(
                phonenumbers.PhoneNumber(
                    country_code=86, national_number=int(f"{area}{lead}".ljust(len(area) + n, "0"))
                ),
                "CN",
            )
            for lead in range(20, 90)
        )

    return tuple(n for n in (7, 8) if valid(n))


def _cn_area(nsn: str) -> str:
    """The area code at the start of a Chinese national number (without trunk 0)."""
    return nsn[:2] if nsn.startswith(("10", "2")) else nsn[:3]


def _lengths_text(lengths: tuple[int, ...]) -> str:
    return _(" or ").join(str(n) for n in lengths)


def _looks_local(digits: str, region: str) -> bool:
    """A subscriber number written without its area code (``62345678``)."""
    if region == "CN":
        return len(digits) in (7, 8) and digits[0] in "23456789"
    prefix = _national_prefix(region)
    return not (prefix and digits.startswith(prefix))


def _fixed_line_problem(raw: str, area: str, local: str) -> str:
    """Why ``local`` is not a fixed line in Chinese area ``area`` (known to be in use)."""
    lengths = _local_lengths(area)
    if len(local) < min(lengths):
        msg = _(
            "{raw} is too short for a fixed line in area 0{area}: "
            "local numbers there have {lengths} digits, this one has {n}."
        )
    elif len(local) > max(lengths):
        msg = _(
            "{raw} is too long for a fixed line in area 0{area}: "
            "local numbers there have {lengths} digits, this one has {n}."
        )
    else:
        msg = _("{raw}: no local number in area 0{area} starts with {start}.")
    return msg.format(
        raw=raw, area=area, lengths=_lengths_text(lengths), n=len(local), start=local[:2]
    )


def _explain_invalid(
    parsed: phonenumbers.PhoneNumber, raw: str, digits: str, international: bool, region: str
) -> str:
    nsn = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 86:
        return _explain_cn(raw, nsn, digits, international, region)
    code = parsed.country_code or 0
    country = f"{phonenumbers.region_code_for_country_code(code)} (+{code})"
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        msg = _("{raw} is too short for a number in {country}.")
    elif reason == phonenumbers.ValidationResult.TOO_LONG:
        msg = _("{raw} is too long for a number in {country}.")
    elif reason == phonenumbers.ValidationResult.INVALID_LENGTH:
        msg = _("{raw} has the wrong number of digits for a number in {country}.")
    elif reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        return _("{raw}: the country code is not one in use.").format(raw=raw)
    else:
        msg = _("{raw} is not a number in use in {country}: its prefix is unknown.")
    return msg.format(raw=raw, country=country)


def _explain_cn(raw: str, nsn: str, digits: str, international: bool, region: str) -> str:
    """Why a number in China (+86) is not valid, as precisely as can be said."""
    written_with_area = international or (region == "CN" and digits.startswith("0"))
    if written_with_area and nsn.startswith("0"):
        # phonenumbers keeps the trunk 0 when what follows is too short ("0755-123").
        nsn = nsn[1:]
    if nsn[:1] == "1" and nsn[1:2] in tuple("3456789"):
        if len(nsn) == 11:
            return _("{raw}: {prefix} is not a mobile prefix in use in China.").format(
                raw=raw, prefix=nsn[:3]
            )
        return _("{raw}: a mobile number has 11 digits — this one has {n}.").format(
            raw=raw, n=len(nsn)
        )
    if nsn.startswith(("400", "800")):
        if len(nsn) != 10:
            return _("{raw}: a {prefix} number has 10 digits — this one has {n}.").format(
                raw=raw, prefix=nsn[:3], n=len(nsn)
            )
        return _("{raw}: this {prefix} number is not in use.").format(raw=raw, prefix=nsn[:3])
    if not written_with_area:
        if len(nsn) in (7, 8) and nsn[0] in "23456789":
            grouped = nsn[:-4] + " " + nsn[-4:]
            return _(
                "{raw} has no area code: write it as 0755 {grouped}, "
                "or set the site's default area code."
            ).format(raw=raw, grouped=grouped)
        if len(nsn) < 7:
            short = phonenumbers.parse(nsn, "CN")
            if short_info.is_possible_short_number_for_region(short, "CN"):
                msg = _("{raw} is not a known service number, and too short for a phone number.")
            else:
                msg = _("{raw} is too short for a phone number.")
            return msg.format(raw=raw)
        if nsn.startswith("1") and not nsn.startswith("10"):
            return _("{raw}: no phone number in China starts with {prefix}.").format(
                raw=raw, prefix=nsn[:2]
            )
    area = _cn_area(nsn)
    if not _local_lengths(area):
        return _("{raw}: 0{area} is not an area code in use in China.").format(raw=raw, area=area)
    return _fixed_line_problem(raw, area, nsn[len(area) :])
