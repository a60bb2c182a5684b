import unicodedata

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import (
    mst_check_digit,
    normalize_text,
    parse_bhxh_number,
    parse_cccd,
    parse_cmnd,
    parse_email,
    parse_mobile,
    parse_mst,
    parse_unit_code,
    search_key,
)


def code_of(fn, value):
    with pytest.raises(OpenIvanError) as info:
        fn(value)
    return info.value.code


@pytest.mark.parametrize("value", ["0100047516", "0101300842", " 0101300842 "])
def test_published_tax_codes_are_valid(value):
    assert str(parse_mst(value)) == value.strip()


def test_branch_tax_code_keeps_its_suffix():
    mst = parse_mst("0101300842-001")
    assert (mst.base, mst.branch, mst.is_branch) == ("0101300842", "001", True)


@pytest.mark.parametrize("value", ["0101300843", "0100047517", "0101300842-000"])
def test_wrong_check_digit_is_refused(value):
    assert code_of(parse_mst, value) == "MST_CHECKSUM"


@pytest.mark.parametrize("value", ["010130084", "01013008421", "0101300842-01", "abcdefghij", ""])
def test_malformed_tax_code_is_refused(value):
    assert code_of(parse_mst, value) == "MST_FORMAT"


def test_remainder_zero_has_no_valid_check_digit():
    # Find nine digits whose weighted sum is divisible by 11: Thông tư 105 forbids them.
    first_nine = next(f"{n:09d}" for n in range(1, 10**6) if mst_check_digit(f"{n:09d}") is None)
    for last in "0123456789":
        assert code_of(parse_mst, first_nine + last) == "MST_CHECKSUM"


def test_identity_numbers_have_exact_lengths():
    assert parse_cccd("001090000001") == "001090000001"
    assert parse_cmnd("012345678") == "012345678"
    assert parse_bhxh_number("0123456789") == "0123456789"
    assert code_of(parse_cccd, "00109000000") == "CCCD_FORMAT"
    assert code_of(parse_cmnd, "01234567a") == "CMND_FORMAT"
    assert code_of(parse_bhxh_number, "１２３４５６７８９０") == "BHXH_NUMBER_FORMAT"  # full-width


@pytest.mark.parametrize(("raw", "number", "network"), [
    ("0912345678", "0912345678", "Vinaphone"),
    ("+84 98 765 4321", "0987654321", "Viettel"),
    ("84901234567", "0901234567", "Mobifone"),
    ("0921.234.567", "0921234567", "Vietnamobile"),
    ("0991234567", "0991234567", "Gmobile"),
])
def test_mobile_numbers_are_normalised_with_their_network(raw, number, network):
    mobile = parse_mobile(raw)
    assert (mobile.number, mobile.network, mobile.international) == (
        number, network, "+84" + number[1:])


def test_unknown_mobile_prefix_and_bad_length_are_refused():
    assert code_of(parse_mobile, "0112345678") == "PHONE_NETWORK"
    assert code_of(parse_mobile, "091234567") == "PHONE_FORMAT"


def test_unit_code_is_upper_cased_and_bounded():
    assert parse_unit_code(" ta1234 ") == "TA1234"
    assert code_of(parse_unit_code, "TA-1234") == "UNIT_CODE_FORMAT"
    assert code_of(parse_unit_code, "ABCDEFGHIJK") == "UNIT_CODE_FORMAT"


def test_email_domain_is_lower_cased_and_junk_refused():
    assert parse_email("KeToan@GiaiPhapMo.VN") == "KeToan@giaiphapmo.vn"
    assert code_of(parse_email, "ketoan@") == "EMAIL_FORMAT"


def test_decomposed_vietnamese_is_composed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    assert decomposed != "Nguyễn Văn Ánh"
    assert normalize_text(decomposed) == "Nguyễn Văn Ánh"


def test_search_key_lets_unaccented_lowercase_find_a_vietnamese_name():
    name = "CÔNG TY TNHH  Đại Phát\tMiền Bắc"
    assert search_key(name) == "cong ty tnhh dai phat mien bac"
    assert search_key(unicodedata.normalize("NFD", name)) == search_key(name)
    assert search_key("tnhh đại  PHÁT") in search_key(name)
    assert search_key("Ư ơ Ă â Ê") == "u o a a e"


def test_errors_say_what_is_wrong_in_both_languages():
    with pytest.raises(OpenIvanError) as info:
        parse_mst("0101300843")
    assert "0101300843" in info.value.message_vi and "check digit" in info.value.message_en
    assert info.value.as_dict()["code"] == "MST_CHECKSUM"
