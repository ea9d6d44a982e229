"""clean.xlsx's verdict texts are memoised per verdict object; a month of distinct times makes every verdict its
own object, so the memo is bounded: past the bound it still gives each verdict its own text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from svcsheet.outputs import columns


class _Verdict:
    def __init__(self, text: str) -> None:
        self.text = text

    def cell_text(self) -> str:
        return self.text


@given(st.lists(st.integers(0, 12), max_size=60))
def test_bounded_memo_gives_every_verdict_its_own_text(picks) -> None:
    verdicts = [_Verdict(f"达标（用时 {i} 分钟）") for i in range(13)]
    shown: dict = {}
    old = columns.SHOWN_MAX
    columns.SHOWN_MAX = 4
    try:
        for i in picks:
            assert columns.verdict_text(verdicts[i], shown) == verdicts[i].text
            assert len(shown) <= 4
    finally:
        columns.SHOWN_MAX = old
