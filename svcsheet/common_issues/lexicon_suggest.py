"""Team lexicons: mine a team's own tickets for candidate problem terms, and layer a team file over the
built-in after-sales lexicon.

``suggest_terms`` reads workbooks like ``svcsheet validate`` (nothing else is written), takes the accepted
rows' de-identified problem texts and counts, for every problem phrase and topic word the built-in lexicon
does not already know, the distinct customers who used it, with two example texts. A supervisor reviews the
YAML it writes and moves accepted terms into ``concepts:``; the policy's ``common_issues.lexicon`` names
that file, and ``layered_lexicon`` adds it to the built-in one (a concept with a built-in id extends it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import yaml

from ..errors import PolicyError
from .problem_terms import phrases
from .textnorm import Concept, Lexicon, _parse_lexicon, load_lexicon, normalise_text


@dataclass(frozen=True)
class Candidate:
    term: str
    kind: str  # "phrase" (a cue phrase such as 充电慢, 不隔音) or "word" (a topic word such as 赠品)
    customers: int
    rows: int
    examples: tuple[str, ...]


@cache
def _layered(path: str, mtime: float) -> Lexicon:
    base = load_lexicon(None)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"无法读取团队词库 {path}：{exc}") from exc
    team = _parse_lexicon(data, path)
    concepts = {c.id: c for c in base.concepts}
    order = [c.id for c in base.concepts]
    for c in team.concepts:
        if c.id in concepts:  # extends a built-in concept: its terms and patterns are added
            old = concepts[c.id]
            concepts[c.id] = Concept(
                c.id, c.label or old.label, c.scope, old.terms + c.terms, old.patterns + c.patterns, old.by_part
            )
        else:
            concepts[c.id] = c
            order.append(c.id)
    products = dict(base.products)
    for name, terms in team.products.items():
        products[name] = tuple(dict.fromkeys(products.get(name, ()) + terms))
    return replace(
        base,
        products=products,
        model_prefixes={**base.model_prefixes, **team.model_prefixes},
        concepts=tuple(concepts[i] for i in order),
        stop_words=base.stop_words | team.stop_words,
        brands=base.brands | team.brands,
        source=f"{base.source} + {path}",
        typos=tuple(sorted(set(base.typos) | set(team.typos), key=lambda kv: (-len(kv[0]), kv[0]))),
    )


def layered_lexicon(team_file: str | Path | None) -> Lexicon:
    """The built-in lexicon, with the team's file (if any) layered over it."""
    if not team_file:
        return load_lexicon(None)
    p = Path(team_file)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise PolicyError(f"找不到团队词库文件 {p}") from exc
    return _layered(str(p.resolve()), mtime)


def mine_candidates(
    items: Sequence, lexicon: Lexicon | None = None, min_customers: int = 2
) -> list[Candidate]:
    """Problem phrases and words of ProblemTexts used by at least min_customers customers, unknown to the
    lexicon, most customers first."""
    lex = lexicon or load_lexicon(None)
    words = [t for c in lex.concepts for t in c.terms] + [t for ts in lex.products.values() for t in ts]
    known = (
        re.compile("|".join(re.escape(t) for t in sorted(words, key=len, reverse=True))) if words else None
    )
    customers: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for it in items:
        norm = lex.fix(normalise_text(it.text))
        found, topics = phrases(norm, lex)
        for kind, terms in (("phrase", found), ("word", topics)):
            for t in terms:
                if known is not None and known.search(t):
                    continue
                rows[(t, kind)].append(it.text)
                if it.customer:
                    customers[(t, kind)].add(it.customer)
    out = []
    for (t, kind), texts in rows.items():
        n = len(customers[(t, kind)])
        if n >= min_customers:
            examples = tuple(dict.fromkeys(sorted(texts, key=lambda s: (len(s), s))))[:2]
            out.append(Candidate(t, kind, n, len(texts), examples))
    return sorted(out, key=lambda c: (-c.customers, c.kind != "phrase", -c.rows, c.term))


def suggest_terms(
    inputs: Sequence[Path], output: Path, policy: Path | None = None, min_customers: int = 2
) -> list[Candidate]:
    """Read the workbooks (nothing else written), mine candidate terms, write them to ``output`` (YAML)."""
    from ..forms import load_forms
    from ..pipeline import RunOptions, _problem_texts, run

    result = run(RunOptions(inputs=list(inputs), out=None, policy=policy))
    forms = load_forms()
    accepted = [r for r in result.rows if not r.rejected]
    lex = layered_lexicon(result.policy.common_issues.lexicon)
    cands = mine_candidates(_problem_texts(accepted, forms), lex, min_customers)
    header = (
        "# 候选问题词：svcsheet lexicon suggest 从本组工单（已脱敏）中挖掘，词库尚未收录。\n"
        "# 请主管逐条审核：认可的词写入下方 concepts（格式同内置词库 aftersales.yaml，id 可沿用内置概念以扩充它），\n"
        "# 再在策略文件 common_issues.lexicon 中填写本文件路径。candidates 部分只供参考，不参与分析。\n"
    )
    data = {
        "version": 1,
        "concepts": [],
        "candidates": [
            {
                "term": c.term,
                "kind": c.kind,
                "customers": c.customers,
                "rows": c.rows,
                "examples": list(c.examples),
            }
            for c in cands
        ],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cands
