"""Column widths: the fast text measure (ASCII shortcut, per-line memo) agrees with counting every character."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from svcsheet.xlsx import text_width


def _reference(text: str) -> int:
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line) for line in text.split("\n")
    )


@given(st.text(alphabet=st.sampled_from("ab1 -\n客户投诉，Ａ①é\t"), max_size=40) | st.text(max_size=40))
def test_text_width_counts_wide_characters_double(text: str) -> None:
    assert text_width(text) == _reference(text)


def test_text_width_of_known_texts() -> None:
    assert text_width("TS202611010001") == 14
    assert text_width("客户投诉") == 8
    assert text_width("ab\n客户投诉多行") == 12
