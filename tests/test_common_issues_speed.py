"""The common-issue clustering's fast paths give what the plain ones gave: the concept regex searched by first
character finds the same matches as the one regex; the star guard with counts kept up to date makes the same
parts as recounting the remaining members for every part, also over members that share one set of terms."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from svcsheet.common_issues.alternation import Alternation, first_chars
from svcsheet.common_issues.cluster import _TOPIC_CORE, _first_concept, _matcher, _star_split
from svcsheet.common_issues.lexicon_suggest import layered_lexicon
from svcsheet.common_issues.textnorm import normalise_text

_CHARS = "不没漏水电充慢热有了"
_PIECES = st.one_of(
    st.text(_CHARS, min_size=1, max_size=3).map(re.escape),
    st.sampled_from(["[漏渗]", "(水|电)", "(了|出)?", ".{0,3}", "(?<!不)", "(?<=没)", "水+", "(很|特别)?慢", "\\d"]),
)
_ALT = st.lists(_PIECES, min_size=1, max_size=4).map("".join)


def _found(matches) -> list[tuple[int, int, str | None, dict[str, str]]]:
    return [(m.start(), m.end(), m.lastgroup, {k: v for k, v in m.groupdict().items() if v is not None}) for m in matches]


@settings(max_examples=150)
@given(st.lists(st.lists(_ALT, min_size=1, max_size=4), min_size=1, max_size=4), st.text(_CHARS + "好 a", max_size=40))
def test_alternation_finds_what_the_one_regex_finds(groups: list[list[str]], text: str) -> None:
    alt = Alternation([(f"c{i}", alts) for i, alts in enumerate(groups)])
    assert _found(alt.finditer(text)) == _found(alt.rx.finditer(text))


def test_first_characters_of_a_pattern() -> None:
    assert first_chars("(漏|渗|滴)(了|出)?水") == frozenset("漏渗滴")
    assert first_chars("(?<!不)(很|特别)?慢") == frozenset("很特慢")
    assert first_chars("[a-c]x") == frozenset("abc")
    for unknown in (".{0,4}漏水", "\\d天", "(漏)?", "(a)\\1", "(?i:a)b", "[^a]"):
        assert first_chars(unknown) is None, unknown


def test_lexicon_concepts_are_searched_by_first_character() -> None:
    lex = layered_lexicon(None)
    m = _matcher(lex)
    assert m.concepts is not None and m.concepts._by_first is not None  # the built-in lexicon needs no fallback
    texts = [
        "手机充不进电，插上充电器没有任何反应，客服说是电池问题",
        "洗衣机底部往外漏水，地上全是水；脱水时不转还报错",
        "没有故障码，但是发动机异响，冷车启动时抖动厉害",
        "房间隔音太差了，晚上很吵，空调制冷效果也不好，吹出来的是热风",
    ]
    for text in texts:
        norm = lex.fix(normalise_text(text))
        assert _found(m.concepts.finditer(norm)) == _found(m.concepts.rx.finditer(norm))
    assert lex.concepts[_first_concept(lex.fix(normalise_text(texts[1])), lex, m)[0]].id == "water_leak"


@dataclass
class _R:
    phrases: frozenset[str]


def _star_split_recount(members: np.ndarray, sets: list[set[str]], rows: list[_R]) -> list[np.ndarray]:
    """The star guard as it was: every part recounts the remaining members' terms."""
    phrases = set().union(*(rows[int(m)].phrases for m in members))
    rank = lambda t: (3 if re.search(r"[|@#~]", t) else 2) if t.startswith(("C:", "S:")) else int(t in phrases)  # noqa: E731

    def carriers(core: str, left: list[int]) -> list[int]:
        into = [i for i in left if core in sets[i]]
        if not core.startswith("C:") or "#" in core:
            return into
        bare = re.split(r"[|@~]", core, maxsplit=1)[0]
        if "|" in core:
            doms = {t for i in into for t in sets[i] if t.startswith(bare + "@")}
            into += [
                i
                for i in left
                if core not in sets[i] and sets[i] & doms and not any(t.startswith(bare + "|") for t in sets[i])
            ]
        if bare != core:
            shared = {t for i in into for t in sets[i] if not t.startswith("C:")}
            taken = set(into)
            free = "~" in core
            into += [i for i in left if i not in taken and bare in sets[i] and (free or sets[i] & shared)]
        return sorted(into)

    out: list[np.ndarray] = []
    left = list(range(len(members)))
    while len(left) >= 2:
        count = Counter(t for i in left for t in sets[i])
        for t in count:
            if t.startswith("C:") and ("|" in t or "~" in t):
                count[t] = len(carriers(t, left))
        if not count:
            break
        core = min(count, key=lambda t: (-count[t] * (_TOPIC_CORE if rank(t) == 0 else 1.0), -rank(t), t))
        if count[core] < 2:
            break
        into = carriers(core, left)
        out.append(members[into])
        taken = set(into)
        left = [i for i in left if i not in taken]
    out.extend(members[[i]] for i in left)
    return out


_PLAIN = ["酸", "漏水", "橙子", "有头发", "吵"]
_BOUND = [f"C:battery{s}" for s in ("", "|音箱", "|手机", "@0", "@1", "~客服", "~前台", "#轮胎")] + ["C:noise", "C:noise|音箱"]
# a member: a few plain terms and one or two of its concept's bound forms (a product, a domain, a staff, a part)
_MEMBER = st.tuples(st.sets(st.sampled_from(_PLAIN), max_size=3), st.sets(st.sampled_from(_BOUND), max_size=2)).map(
    lambda parts: parts[0] | parts[1]
)


@settings(max_examples=300)
@given(st.lists(_MEMBER, min_size=1, max_size=25), st.sets(st.sampled_from(_PLAIN), max_size=3))
# a product's core takes a text of no product in its carriers' domain, not one of another product (手机)
@example([{"C:battery|音箱", "C:battery@0"}, {"C:battery|音箱"}, {"C:battery|音箱"}, {"C:battery@0", "C:battery|手机"}], set())
@example([{"C:battery|音箱", "C:battery@0"}, {"C:battery|音箱"}, {"C:battery|音箱"}, {"C:battery@0", "酸"}], set())
def test_star_split_with_kept_counts_matches_recounting(sets: list[set[str]], phrases: set[str]) -> None:
    members = np.arange(100, 100 + len(sets))
    rows = [_R(frozenset())] * 100 + [_R(frozenset(phrases) if i % 2 else frozenset()) for i in range(len(sets))]
    got = _star_split(members, sets, rows)  # type: ignore[arg-type]
    want = _star_split_recount(members, sets, rows)
    assert [p.tolist() for p in got] == [p.tolist() for p in want]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_MEMBER, min_size=1, max_size=6),
    st.lists(st.integers(0, 5), min_size=1, max_size=30),
    st.sets(st.sampled_from(_PLAIN), max_size=3),
)
def test_star_split_over_members_sharing_their_terms_matches_recounting(pool, picks, phrases) -> None:
    """Members of one wording and product share one set of terms (the guard's memo): the star split over
    those classes gives the parts the recounting guard gives member by member."""
    sets = [pool[i % len(pool)] for i in picks]  # the same set objects, many times over
    members = np.arange(50, 50 + len(sets))
    rows = [_R(frozenset())] * 50 + [
        _R(frozenset(phrases) if i % 3 else frozenset()) for i in range(len(sets))
    ]
    got = _star_split(members, sets, rows)  # type: ignore[arg-type]
    want = _star_split_recount(members, [set(s) for s in sets], rows)
    assert [p.tolist() for p in got] == [p.tolist() for p in want]
