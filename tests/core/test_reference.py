"""Reference codes: unambiguous alphabet, a check character that catches typing mistakes."""

from __future__ import annotations

import itertools

import pytest

from openivan.core import reference
from openivan.core.errors import OpenIvanError


def test_new_codes_are_canonical_unique_and_read_back():
    codes = {reference.new_reference() for _ in range(2000)}
    assert len(codes) == 2000
    for code in itertools.islice(codes, 50):
        assert len(code) == 10 and set(code) <= set(reference.ALPHABET)
        assert reference.parse_reference(code) == code


def test_the_alphabet_has_no_look_alikes_and_a_prime_size():
    assert not set(reference.ALPHABET) & set("0O1IL2Z5S8BUQ")
    size = len(reference.ALPHABET)
    assert size > 2 and all(size % d for d in range(2, size))


def test_typed_forms_are_accepted_case_and_separators_ignored():
    code = reference.new_reference()
    shown = reference.display(code)
    assert shown[5] == "-"
    assert reference.parse_reference(shown.lower()) == code
    assert reference.parse_reference(" " + code[:5] + " " + code[5:] + " ") == code


def test_every_single_mistyped_character_is_caught():
    code = reference.new_reference()
    for position, other in itertools.product(range(10), reference.ALPHABET):
        if other == code[position]:
            continue
        typo = code[:position] + other + code[position + 1:]
        with pytest.raises(OpenIvanError) as caught:
            reference.parse_reference(typo)
        assert caught.value.code == "REFERENCE_CHECK"


def test_every_swap_of_two_different_characters_is_caught():
    for _ in range(20):
        code = reference.new_reference()
        for i, j in itertools.combinations(range(10), 2):
            if code[i] == code[j]:
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            with pytest.raises(OpenIvanError) as caught:
                reference.parse_reference("".join(swapped))
            assert caught.value.code == "REFERENCE_CHECK"


@pytest.mark.parametrize("value", ["", "ABC", "KM4TX-ACH7R-X", "KM0TX-ACH7R", "KM4TX-ÁCH7R"])
def test_a_code_of_the_wrong_shape_is_refused_as_such(value):
    with pytest.raises(OpenIvanError) as caught:
        reference.parse_reference(value)
    assert caught.value.code == "REFERENCE_FORMAT"
    assert caught.value.details["length"] == 10
