"""core.states.Machine: one table per lifecycle, a clear error for a forbidden change."""

from __future__ import annotations

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.states import FORBIDDEN, Machine

LAMP = Machine("đèn", "lamp", {"off": ("on",), "on": ("off", "broken"), "broken": ()},
               {"off": "tắt", "on": "bật", "broken": "hỏng"})


def test_an_allowed_change_passes_and_a_forbidden_one_names_both_states_in_vietnamese():
    LAMP.check("off", "on")
    with pytest.raises(OpenIvanError) as refused:
        LAMP.check("broken", "on")
    assert refused.value.code == FORBIDDEN == "STATE_TRANSITION_FORBIDDEN"
    assert refused.value.message_vi == "Không thể chuyển đèn từ trạng thái “hỏng” sang “bật”."
    assert refused.value.message_en == "The lamp cannot go from broken to on."
    assert refused.value.details["from_status"] == "broken"


def test_next_states_sources_final_and_forbidden_pairs_come_from_the_one_table():
    assert LAMP.next_states("on") == ["off", "broken"]
    assert LAMP.next_states("broken") == []
    assert LAMP.sources("off") == ["on"]
    assert LAMP.final == {"broken"}
    assert set(LAMP.forbidden()) == {("off", "off"), ("off", "broken"), ("on", "on"),
                                     ("broken", "off"), ("broken", "on"), ("broken", "broken")}


def test_a_table_naming_an_undeclared_state_or_missing_a_label_is_refused_at_once():
    with pytest.raises(ValueError, match="undeclared"):
        Machine("x", "x", {"a": ("b",)}, {"a": "A"})
    with pytest.raises(ValueError, match="without a label"):
        Machine("x", "x", {"a": ()}, {})
