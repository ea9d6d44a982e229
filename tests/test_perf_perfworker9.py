"""Round 10, perfworker9: the pool workers' per-file CPU. Each cut must leave what a user sees unchanged."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from svcsheet.forms import label_base, load_forms, normalize_label
from svcsheet.reading.reader import LabelIndex

FORMS = load_forms()
LABELS = sorted({t for form in FORMS.values() for f in form.fields for t in f.all_labels()})


def _match_full_before(idx: LabelIndex, text: str) -> tuple[str, bool] | None:
    """The label match as round 9 wrote it: the text normalised twice (once more inside label_base)."""
    n = normalize_label(text)
    if not n or len(n) > 40:
        return None
    if n in idx.exact:
        return idx.exact[n], True
    base = label_base(text).strip("*★☆:")
    if base in idx.exact:
        return idx.exact[base], False
    if base in idx.base:
        return idx.base[base], False
    return None


# what agents type around a label: required marks, full-width brackets and colons, notes, spaces
_PIECES = st.sampled_from(
    ["*", "★", "：", ":", " ", "\u3000", "（", "）", "(", ")", "【", "】", "[", "]", "必填", "1-5", "Ａ"]
)
_TEXTS = st.lists(st.one_of(st.sampled_from(LABELS), _PIECES, st.text(max_size=3)), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXTS, form=st.sampled_from(sorted(FORMS)))
# the mark before the note: stripped once the note goes
@example(text="服务单号★（必填）", form="service_feedback")
def test_label_match_same_as_normalising_twice(text: str, form: str) -> None:
    idx = LabelIndex(FORMS[form])
    assert idx.match_full(text) == _match_full_before(idx, text)


def test_label_match_finds_labels_with_notes_and_marks() -> None:
    """A header typed with a required mark, full-width brackets and a note still names its field."""
    form = FORMS["service_feedback"]
    idx = LabelIndex(form)
    field = form.fields[0]
    assert idx.match_full(f"*{field.label}：") == (field.key, True)
    hit = idx.match_full(f"{field.label}（备注说明）")
    assert hit is not None and hit[0] == field.key


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="+0086 -.()（）\u2010\u201513901234567", max_size=20))
def test_phone_compaction_same_as_string_patterns(text: str) -> None:
    from svcsheet.checking.values import _compact_phone

    s = re.sub(r"^(?:\+|00)?86(?=[\s\-]?1[3-9]|[\s\-]?[48]00)", "", text)
    s = re.sub(r"^\+86", "", s)
    s = re.sub(r"\((0\d{2,3})\)", r"\1", s)
    assert _compact_phone(text) == re.sub(r"[\s\-.\u2010-\u2015]", "", s)
