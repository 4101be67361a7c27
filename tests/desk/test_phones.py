"""Tests for hotline.phones: one number however written, and refusals that say why."""

from __future__ import annotations

import gettext
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hotline import i18n, phones
from hotline.errors import ConfigError, InputError
from hotline.phones import PhoneNumber, describe, parse_number, try_parse_number


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """Every test starts in English and leaves the language as it found it."""
    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


@pytest.fixture
def zh() -> Iterator[None]:
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def refusal(text: str, **kw: str) -> str:
    with pytest.raises(InputError) as info:
        parse_number(text, **kw)
    return str(info.value)


# --- one number, many ways of writing it -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "+86 138 0013 8000",
        "13800138000",
        "138-0013-8000",
        "0086 13800138000",
        "+86-138-0013-8000",
        "(+86)13800138000",
        "  13800138000  ",
    ],
)
def test_mobile_written_forms(text: str) -> None:
    n = parse_number(text)
    assert n.e164 == "+8613800138000"
    assert n.kind == "mobile"
    assert n.national == "138 0013 8000"
    assert n.display == "138 0013 8000"
    assert n.country == "CN"
    assert n.extension is None
    assert n.raw == text.strip()
    assert not n.is_short


@pytest.mark.parametrize(
    ("text", "e164", "national"),
    [
        ("0755 8888 8888", "+8675588888888", "0755 8888 8888"),
        ("075588888888", "+8675588888888", "0755 8888 8888"),
        ("0755-88888888", "+8675588888888", "0755 8888 8888"),
        ("+86 755 8888 8888", "+8675588888888", "0755 8888 8888"),
        ("(0755)88888888", "+8675588888888", "0755 8888 8888"),
        ("020-12345678", "+862012345678", "020 1234 5678"),
        ("010 6234 5678", "+861062345678", "010 6234 5678"),
    ],
)
def test_fixed_line_written_forms(text: str, e164: str, national: str) -> None:
    n = parse_number(text)
    assert (n.e164, n.kind, n.national) == (e164, "fixed", national)
    assert n.carrier is None


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("１３８００１３８０００", "+8613800138000"),
        ("＋８６ １３８ ００１３ ８０００", "+8613800138000"),
        ("１３８－００１３－８０００", "+8613800138000"),
        ("（０７５５）８８８８８８８８", "+8675588888888"),
        ("（０７５５）８８８８　８８８８", "+8675588888888"),  # ideographic space
        ("０７５５－８８８８８８８８", "+8675588888888"),
        ("0755—8888—8888", "+8675588888888"),  # em dash
        ("010－62345678转8001", "+861062345678"),
    ],
)
def test_full_width_digits_and_punctuation(text: str, e164: str) -> None:
    assert parse_number(text).e164 == e164


# --- local numbers and the site's area code -----------------------------------


def test_local_number_without_area_code_is_refused() -> None:
    msg = refusal("62345678")
    assert "62345678 has no area code" in msg
    assert "0755 6234 5678" in msg
    assert "default area code" in msg


@pytest.mark.parametrize("area", ["010", "10", " 010 "])
def test_local_number_with_default_area_code(area: str) -> None:
    n = parse_number("62345678", default_area_code=area)
    assert n.e164 == "+861062345678"
    assert n.national == "010 6234 5678"
    assert n.raw == "62345678"


def test_default_area_code_does_not_touch_complete_numbers() -> None:
    assert parse_number("13800138000", default_area_code="010").e164 == "+8613800138000"
    assert parse_number("0755 8888 8888", default_area_code="010").e164 == "+8675588888888"
    assert parse_number("95588", default_area_code="010").e164 == "95588"


def test_local_number_of_wrong_length_in_default_area() -> None:
    msg = refusal("6234567", default_area_code="010")
    assert "too short for a fixed line in area 010" in msg
    assert "8 digits" in msg and "has 7" in msg


@pytest.mark.parametrize("area", ["0690", "abc", "0"])
def test_unusable_default_area_code_is_a_config_error(area: str) -> None:
    with pytest.raises(ConfigError):
        parse_number("62345678", default_area_code=area)
    with pytest.raises(ConfigError):
        try_parse_number("62345678", default_area_code=area)


def test_unknown_default_region_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        parse_number("13800138000", default_region="XX")


# --- short service and emergency numbers --------------------------------------


@pytest.mark.parametrize(
    "text", ["10086", "10010", "10000", "95588", "95555", "12345", "12306", "114", "955880"]
)
def test_short_service_numbers(text: str) -> None:
    n = parse_number(text)
    assert n.kind == "short"
    assert n.is_short
    assert n.e164 == text
    assert n.national == text
    assert n.display == text
    assert n.country == "CN"
    assert n.region is None and n.carrier is None


@pytest.mark.parametrize("text", ["110", "119", "120", "122"])
def test_emergency_numbers(text: str) -> None:
    n = parse_number(text)
    assert n.kind == "emergency"
    assert n.is_short
    assert n.e164 == text
    assert n.display == text


@pytest.mark.parametrize("text", ["+86 10086", "008610086", "+86 95588"])
def test_short_number_sent_with_country_code(text: str) -> None:
    """Some PBXs put +86 before a service number's caller ID."""
    n = parse_number(text)
    assert n.kind == "short"
    assert n.e164 == text.replace(" ", "").removeprefix("+86").removeprefix("0086")


def test_service_ranges_are_accepted_even_if_metadata_forgets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """95xxx / 12xxx / 10xxx are accepted by our own rule, not only the metadata's."""
    monkeypatch.setattr(phones.short_info, "is_valid_short_number_for_region", lambda *_args: False)
    for text in ["95588", "95555", "12345", "12306", "10086", "96110"]:
        assert parse_number(text).kind == "short", text
    with pytest.raises(InputError):
        parse_number("114")  # outside our ranges: only the metadata knows it


def test_trunk_zero_before_a_short_number_is_not_that_number() -> None:
    assert "0110 is not an area code" in refusal("0110")


def test_short_number_has_no_extension() -> None:
    assert "service number such as 10086 has no extension" in refusal("10086转1")


def test_unknown_short_number_is_named_as_such() -> None:
    assert "955 is not a known service number" in refusal("955")


# --- 400 / 800 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "national"),
    [
        ("4008108888", "shared_cost", "400 810 8888"),
        ("400-810-8888", "shared_cost", "400 810 8888"),
        ("400 810 8888", "shared_cost", "400 810 8888"),
        ("8008108888", "toll_free", "800 810 8888"),
        ("+86 800 810 8888", "toll_free", "800 810 8888"),
    ],
)
def test_400_and_800_numbers(text: str, kind: str, national: str) -> None:
    n = parse_number(text)
    assert (n.kind, n.national, n.display) == (kind, national, national)
    assert n.e164 == "+86" + national.replace(" ", "")
    assert n.region is None  # "China" says nothing on a Chinese desk


def test_400_number_of_wrong_length() -> None:
    assert "a 400 number has 10 digits — this one has 8" in refusal("40081088")


# --- extensions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "010-62345678转8001",
        "010-62345678 转 8001",
        "010-62345678 ext. 8001",
        "010-62345678 EXT 8001",
        "010-62345678;ext=8001",
        "010-62345678#8001",
        "010-62345678 x8001",
        "010-62345678分机8001",
        "010-62345678-8001",
        "010 6234 5678 ext. 8001",
    ],
)
def test_extensions(text: str) -> None:
    n = parse_number(text)
    assert n.e164 == "+861062345678"
    assert n.extension == "8001"
    assert n.national == "010 6234 5678"
    assert n.display == "010 6234 5678 ext. 8001"


def test_trailing_dash_group_after_complete_fixed_line_is_the_extension() -> None:
    """phonenumbers alone reads 010-62345678-8001 as +8610623456788001."""
    assert (
        phonenumbers.format_number(
            phonenumbers.parse("010-62345678-8001", "CN"), phonenumbers.PhoneNumberFormat.E164
        )
        == "+8610623456788001"
    )
    n = parse_number("010-62345678-8001")
    assert (n.e164, n.extension) == ("+861062345678", "8001")
    n = parse_number("400-810-8888-2")
    assert (n.e164, n.extension) == ("+864008108888", "2")


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("138-0013-8000", "+8613800138000"),
        ("0755-8888-8888", "+8675588888888"),
        ("010-6234-5678", "+861062345678"),
        ("+86-755-8888-8888", "+8675588888888"),
    ],
)
def test_dash_groups_of_one_number_are_not_an_extension(text: str, e164: str) -> None:
    n = parse_number(text)
    assert (n.e164, n.extension) == (e164, None)


@pytest.mark.parametrize("text", ["转8001", " 转 8001", "ext. 8001", "#8001"])
def test_extension_without_main_number(text: str) -> None:
    assert "the main number is missing" in refusal(text)


def test_extension_marker_without_digits() -> None:
    assert "the extension after '转' is missing" in refusal("010-62345678转")


def test_extension_too_long() -> None:
    assert "extension 123456789 is too long" in refusal("010-62345678转123456789")


def test_mobile_has_no_extension() -> None:
    assert "a mobile number has no extension" in refusal("13800138000 转 8001")


# --- refusals name what is wrong ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("138001380", ["mobile number has 11 digits", "this one has 9"]),
        ("1380013800012", ["mobile number has 11 digits", "this one has 13"]),
        ("0755-123", ["too short for a fixed line in area 0755", "8 digits", "has 3"]),
        ("0755 8888 88889", ["too long for a fixed line in area 0755", "has 9"]),
        ("0999 1234 5678", ["too long for a fixed line in area 0999", "7 digits", "has 8"]),
        ("13800abc000", ["contains letters (abc)"]),
        ("电话13800138000", ["contains letters (电话)"]),
        ("1" * 30, ["too long", "30 digits"]),
        ("0690 1234 5678", ["0690 is not an area code in use"]),
        ("14012345678", ["140 is not a mobile prefix in use"]),
        ("17991234567", ["179 is not a mobile prefix in use"]),  # read as a dialling prefix
        ("11012345678", ["no phone number in China starts with 11"]),
        ("+86+86", ["a + may appear only once"]),
        ("86+13800138000", ["a + may appear only once"]),
        ("138@0013*8000", ["characters a phone number does not have", "*", "@"]),
        ("--", ["has no digits"]),
        ("+999 1234", ["country code is not one in use"]),
        ("+852 1234", ["too short for a number in HK (+852)"]),
        ("123456", ["not a known service number"]),
    ],
)
def test_invalid_input_says_what_is_wrong(text: str, expected: list[str]) -> None:
    msg = refusal(text)
    assert msg.startswith(text)
    for part in expected:
        assert part in msg


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "　"])
def test_empty_input(text: str) -> None:
    assert refusal(text) == "A phone number is required."


def test_refusal_messages_go_through_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    class Marked(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return "«" + message + "»"

    monkeypatch.setattr(i18n, "_translation", Marked())
    assert refusal("138001380").startswith("«138001380: a mobile number has 11 digits")
    assert refusal("") == "«A phone number is required.»"
    assert refusal("0755-123").startswith("«0755-123 is too short")


# --- foreign numbers ----------------------------------------------------------


def test_hong_kong_number() -> None:
    n = parse_number("+852 2345 6789")
    assert (n.e164, n.country, n.kind) == ("+85223456789", "HK", "fixed")
    assert n.display == "+852 2345 6789"  # a foreign number is shown with its country code
    assert n.region == "Hong Kong"


def test_us_number() -> None:
    n = parse_number("+1 650 253 0000")
    assert (n.e164, n.country) == ("+16502530000", "US")
    assert n.kind == "other"  # phonenumbers: FIXED_LINE_OR_MOBILE
    assert n.region == "Mountain View, CA"


def test_foreign_number_with_international_prefix() -> None:
    assert parse_number("00852 2345 6789").e164 == "+85223456789"


def test_other_default_region() -> None:
    n = parse_number("2345 6789", default_region="HK")
    assert (n.e164, n.country, n.national) == ("+85223456789", "HK", "2345 6789")
    cn = parse_number("+86 138 0013 8000", default_region="HK")
    assert (cn.country, cn.national) == ("CN", "+86 138 0013 8000")


# --- try_parse_number and describe --------------------------------------------


def test_try_parse_number() -> None:
    ok = try_parse_number("13800138000")
    assert ok is not None and ok.e164 == "+8613800138000"
    assert try_parse_number("138001380") is None
    assert try_parse_number("") is None
    local = try_parse_number("62345678", default_area_code="010")
    assert local is not None and local.e164 == "+861062345678"


def test_describe_in_english() -> None:
    assert describe(parse_number("13800138000")) == (
        "138 0013 8000 · mobile · China Mobile · Beijing"
    )
    assert describe(parse_number("0755-88888888")) == (
        "0755 8888 8888 · fixed line · Shenzhen, Guangdong"
    )
    assert describe(parse_number("010-62345678转8001")) == (
        "010 6234 5678 ext. 8001 · fixed line · Beijing"
    )
    assert describe(parse_number("400 810 8888")) == "400 810 8888 · shared cost"
    assert describe(parse_number("10086")) == "10086 · service number"
    assert describe(parse_number("110")) == "110 · emergency"


def test_mobile_without_known_place_has_no_region() -> None:
    n = parse_number("19912345678")
    assert n.region is None  # the geocoder only knows "China"
    assert n.carrier == "China Telecom"


def test_region_and_carrier_follow_the_language(zh: None) -> None:
    n = parse_number("13800138000")
    assert (n.region, n.carrier) == ("北京市", "中国移动")
    assert parse_number("0755 8888 8888").region == "广东省深圳市"
    assert parse_number("400 810 8888").region is None  # 中国
    i18n.set_language("en")
    n = parse_number("13800138000")
    assert (n.region, n.carrier) == ("Beijing", "China Mobile")


def test_display_of_extension_is_translated(zh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The zh catalog renders extensions with 转; checked with a stand-in catalog."""

    class Zh(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return {"{number} ext. {extension}": "{number} 转 {extension}"}.get(message, message)

    monkeypatch.setattr(i18n, "_translation", Zh())
    n = parse_number("010-62345678-8001")
    assert n.display == "010 6234 5678 转 8001"
    assert parse_number(n.display).extension == "8001"


def test_phone_number_is_frozen() -> None:
    n = parse_number("13800138000")
    assert isinstance(n, PhoneNumber)
    with pytest.raises(AttributeError):
        n.e164 = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "0755 8888 8888",
        "010-62345678-8001",
        "400 810 8888",
        "10086",
        "110",
        "+852 2345 6789",
        "+1 650 253 0000",
    ],
)
def test_display_round_trips(text: str) -> None:
    n = parse_number(text)
    again = parse_number(n.display)
    assert (again.e164, again.extension, again.kind) == (n.e164, n.extension, n.kind)


# --- properties ---------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）　")


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    digits = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    try:  # 1793…, 1797…, 1799… read as a dialling prefix and an unknown country
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        assume(False)
    assume(phonenumbers.is_valid_number(parsed))
    return digits


@st.composite
def written_forms(draw: st.DrawFn, digits: str) -> str:
    groups = draw(st.sampled_from([(3, 4, 4), (3, 8), (11,), (7, 4), (3, 3, 5)]))
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    sep = draw(st.sampled_from([" ", "-", "", "  ", " - "]))
    prefix = draw(
        st.sampled_from(["", "+86", "+86 ", "+86-", "0086", "0086 ", "(+86)", "(+86) ", "86"])
    )
    text = prefix + sep.join(parts)
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    return text


@given(data=st.data())
def test_property_any_written_form_of_a_mobile_gives_its_e164(data: st.DataObject) -> None:
    digits = data.draw(mobile_numbers())
    text = data.draw(written_forms(digits))
    n = parse_number(text)
    assert n.e164 == parse_number(digits).e164 == "+86" + digits
    assert n.kind == "mobile"
    assert parse_number(n.display).e164 == n.e164


@given(st.text(alphabet="0123456789０１２+-() .#;=x转ext分机abc@", max_size=40))
def test_property_anything_typed_parses_or_is_refused_with_a_message(text: str) -> None:
    """No input makes the module fail with anything but an InputError."""
    try:
        n = parse_number(text)
    except InputError as e:
        assert str(e)
    else:
        assert n.e164 and n.display
        assert parse_number(n.display).e164 == n.e164


def test_without_its_place_a_number_is_the_same_number() -> None:
    full = parse_number("139 0225 1234")
    bare = parse_number("139 0225 1234", with_place=False)
    assert (bare.e164, bare.kind, bare.national) == (full.e164, full.kind, full.national)
    assert full.carrier and bare.carrier is None and bare.region is None
    fixed = parse_number("020 8765 4321", with_place=False)
    assert fixed.kind == parse_number("020 8765 4321").kind and fixed.region is None
