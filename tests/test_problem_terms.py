"""Problem phrases: what fails and how, clause by clause."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.common_issues.problem_terms import phrases
from svcsheet.common_issues.textnorm import load_lexicon, normalise_text

LEX = load_lexicon()
CLAUSES = ["充电太慢", "房间不隔音", "赠品没给", "屏幕有划痕", "太咸了", "风扇噪音很大", "客服不理人", "送餐很慢", "头发"]


def _found(text: str) -> set[str]:
    return phrases(LEX.fix(normalise_text(text)), LEX)[0]


def test_cues_and_complaint_words_make_phrases():
    assert "充电慢" in _found("充电真的很慢")  # the cues between the word and its complaint are skipped
    assert "充电太慢" in _found("充电太慢了")  # a lexicon term is a phrase as it is
    assert "隔音差" in _found("隔音真差")
    assert "不隔音" in _found("房间不隔音")
    assert "咸" in _found("粥太咸")
    found, topics = phrases(LEX.fix(normalise_text("说好的赠品一个都没给")), LEX)
    assert "赠品" in topics  # a missing gift is still about the gift


def test_generic_review_words_are_not_problem_terms():
    found, topics = phrases(LEX.fix(normalise_text("差评，京东买的，非常失望")), LEX)
    assert not ({"差评", "京东", "失望"} & (found | topics))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(CLAUSES), min_size=2, max_size=4))
def test_no_phrase_spans_two_clauses(clauses):
    joined = _found("，".join(clauses))
    assert joined <= set().union(*(_found(c) for c in clauses))


def test_synonyms_share_a_class_and_unknown_words_have_none():
    from svcsheet.common_issues.problem_terms import senses

    assert set(senses("抖动")) & set(senses("震动")) & set(senses("颠簸"))  # one Cilin class of vibration
    assert senses("噪音大") == senses("噪声大") != ()  # a quality phrase keeps its complaint character
    assert senses("不理睬") and all(s.startswith("S:不") for s in senses("不理睬"))
    assert not set(senses("漏水")) & set(senses("漏电"))
    assert senses("卡顿") == ()  # not in Cilin: the word alone counts


def test_clause_kinds_tell_praise_from_the_complaint():
    from svcsheet.common_issues.problem_terms import weighted_phrases

    found, topics = weighted_phrases(LEX.fix(normalise_text("服务员态度还不错，就是房间蚊子太多")), LEX)
    assert topics["服务员"] == "praise"
    assert topics["蚊子"] == "complaint"


def test_brands_and_makers_are_not_problem_terms():
    # a car complaint starts with its maker: 一汽大众 says whose car it is, never what fails
    found, topics = phrases(LEX.fix(normalise_text("一汽大众速腾天窗漏水，东风本田也这样")), LEX)
    assert not ({"一汽大众", "大众", "东风", "本田"} & (found | topics))
    assert "天窗" in topics


def test_the_model_after_a_maker_is_left_out_but_a_part_is_kept():
    _, topics = phrases(LEX.fix(normalise_text("东风日产逍客轮胎开裂")), LEX)
    assert "逍客" not in topics and "轮胎" in topics
    _, topics = phrases(LEX.fix(normalise_text("一汽大众发动机漏油")), LEX)
    assert "发动机" in topics
