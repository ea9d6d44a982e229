"""Common issues (共性问题): cluster problem texts of all five forms and flag multi-customer clusters.

Method (a measured choice, see docs/common-issues.md):
1. Each text is normalised; its first non-negated lexicon concept and the product it names are found
   (a text that names no product gets none), and its problem phrases are pulled out (problem_terms).
2. Texts become IDF-weighted phrase vectors plus concept and product; candidates are the connected
   components of "phrase cosine >= link_threshold, or same concept"; average linkage cuts each at
   ``threshold``. Two texts of two different known products are never alike.
3. Groups keyed by one concept and product merge; then the precision guard splits every cluster into
   stars: the specific term most members carry is a part's core and every member of the part carries it
   (templates/lexicon/guard.yaml: generic complaint words, bare objects, praise and the story around a
   complaint do not count; a `by_part` concept binds by the part named before it; different driving
   conditions are different problems).
4. A cluster with >= ``min_customers`` distinct customers is a common issue. A text without a customer
   key still joins its cluster but counts for no customer; rows outside the window count for nobody.

Ids are ``GX-`` + 6 hex digits of SHA-1 over the cluster's canonical key (``手机|no_power_on`` for a
concept cluster, the sorted top terms for a text cluster, the normalised text for a singleton).
Items are processed in uid order, so ids and clusters never depend on the input order.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import rjieba

from ..errors import PolicyError
from ..resources import data_path, load_yaml
from .alternation import Alternation
from .lexicon_suggest import layered_lexicon
from .problem_terms import objects_before, senses, weighted_phrases
from .textnorm import Concept, Lexicon, batch_in_text, model_numbers, normalise_text, segmenter

if TYPE_CHECKING:  # scipy.sparse is imported by the functions that use it: ~16 MB that the run's process (and
    # the reading pool it forks) would otherwise hold from the start, while only the clustering needs it
    from scipy.sparse import csr_matrix

DEFAULTS: dict = {
    "min_customers": 3,
    "threshold": 0.35,  # average cosine within a cluster (average linkage cut): the precision guard
    "link_threshold": 0.25,  # cosine that makes two texts candidates for the same cluster
    "concept_weight": 0.5,  # share of a text's vector (squared) given to its lexicon concept
    "product_weight": 0.2,  # ... and to its product
    "unscoped_concept_weight": 0.3,  # ... to a product-scoped concept when the text names no product
    "topic_weight": 1.0,  # a topic word's weight relative to a problem phrase (in a clause with a complaint cue)
    "synonym_weight": 0.0,  # weight of a term's Cilin synonym classes relative to the term (0: off; measured no gain)
    "praise_weight": 0.3,  # a topic word met only in a clause of praise (还不错, 手感好), relative to a complaint's
    "neutral_weight": 0.75,  # ... only in a clause with neither praise nor a complaint cue
    "unique_weight": 0.15,  # weight of a term no other text has, relative to a shared one
    "max_df_share": 0.1,  # a term in more than this share of the texts says nothing (but at least 5 texts)
    "dominant_batch_share": 0.5,  # a batch holding more than this share of the rows is flagged
    "lexicon": None,  # path of a team lexicon file, layered over the built-in one
    "use_lexicon": True,  # False: problem phrases only (kept for the measured comparison)
    "guard": True,  # False: no precision guard after linkage (kept for the measured comparison)
    "guard_mode": "star",  # star: members must carry the cluster's core term; chain: any shared term (round 3)
    "domains": False,  # True: texts of two different business domains never share a cluster (measured: no gain)
}
_LINK_LIMIT = 2500  # rows of one candidate group clustered with a dense matrix
_CHUNK = 4000
_SUB_ROWS = 256  # rows of a block multiplied at a time
_EDGE_LIMIT = 1_000_000  # candidate pairs kept before they are reduced to a forest with the same components
_DIST_ROWS = 256  # rows of a dense linkage's distance matrix computed at a time
_DIST_DISTINCT = 1024  # distinct rows whose distances are held whole (8 MB) to copy those of their copies
_PARTNER = frozenset("和跟与同连给")
# A topic word counts for this share of its carriers when the star picks a core: a problem phrase carried by
# three texts (酸, 有头发) is the core before the goods they name (橙子), which a fourth text names for another
# problem (橙子个头太小).
_TOPIC_CORE = 0.75
_NO_SENSES: Mapping[str, set[str]] = MappingProxyType({})


@dataclass(frozen=True)
class ProblemText:
    """One problem text of one row of any form, already de-identified."""

    uid: str
    text: str
    customer: str | None
    form: str
    model: str | None = None
    batch: str | None = None
    department: str | None = None
    opened: datetime | None = None  # when the ticket was opened (for first seen, this period vs the window)
    counts: bool = True  # False: outside the window; joins its cluster (and is marked) but counts for nobody


@dataclass(frozen=True)
class CommonIssue:
    """A cluster reported by at least ``min_customers`` distinct customers (rows without a customer key
    count in ``rows`` and ``uids`` but not in ``customers``; ``unknown_customer_rows`` says how many)."""

    id: str
    label: str
    rows: int
    customers: int
    uids: tuple[str, ...]
    models: tuple[tuple[str, int], ...]
    batches: tuple[tuple[str, int], ...]
    dominant_batch: str | None
    forms: tuple[str, ...]
    departments: tuple[str, ...]
    examples: tuple[str, ...]
    unknown_customer_rows: int = 0
    first_seen: datetime | None = None  # the earliest opening time among its rows
    seen: tuple[tuple[datetime, str | None], ...] = ()  # (opened, customer key) of its dated rows, in order


@dataclass(frozen=True)
class Clustering:
    """Every text's cluster id, the common issues, and the label of every cluster id."""

    cluster_of: dict[str, str]
    common: list[CommonIssue]
    labels: dict[str, str] = field(default_factory=dict)
    _common_ids: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_common_ids", frozenset(c.id for c in self.common))

    def common_id(self, uid: str) -> str | None:
        """The common-issue id of a text, or None when its cluster is not a common issue."""
        cid = self.cluster_of.get(uid)
        return cid if cid in self._common_ids else None


def _settings(settings: dict | None) -> dict:
    cfg = dict(DEFAULTS)
    for key, value in (settings or {}).items():
        if key not in DEFAULTS:
            raise PolicyError(f"common_issues.{key} 不是可识别的设置项（可用：{', '.join(DEFAULTS)}）")
        cfg[key] = value
    mc = cfg["min_customers"]
    if isinstance(mc, bool) or not isinstance(mc, int) or mc < 1:
        raise PolicyError("common_issues.min_customers 应为不小于 1 的整数")
    for key in (
        "threshold",
        "link_threshold",
        "concept_weight",
        "product_weight",
        "topic_weight",
        "unique_weight",
        "praise_weight",
        "neutral_weight",
        "max_df_share",
        "dominant_batch_share",
    ):
        v = cfg[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
            raise PolicyError(f"common_issues.{key} 应为 0 到 1 之间的数")
    if cfg["guard_mode"] not in ("star", "chain"):
        raise PolicyError("common_issues.guard_mode 应为 star 或 chain")
    sw = cfg["synonym_weight"]
    if isinstance(sw, bool) or not isinstance(sw, int | float) or not 0 <= sw <= 1:
        raise PolicyError("common_issues.synonym_weight 应为 0 到 1 之间的数")
    if cfg["concept_weight"] + cfg["product_weight"] >= 1:
        raise PolicyError("common_issues.concept_weight 与 product_weight 之和应小于 1")
    return cfg


@dataclass(frozen=True, eq=False)
class _Matcher:
    concepts: Alternation | None  # group c<i>: concept i
    group_concept: dict[str, int]
    product_rx: re.Pattern[str] | None
    term_product: dict[str, str]
    prefixes: tuple[tuple[str, str], ...]  # (prefix, product), longest first


def _term_rx(term: str) -> str:
    """A lexicon term as a regex; normalise_text pads ASCII words with spaces, so allow one there."""
    out = []
    for i, ch in enumerate(term):
        if i and (ch.isascii() and ch.isalnum()) != (term[i - 1].isascii() and term[i - 1].isalnum()):
            out.append(" ?")
        out.append(re.escape(ch))
    return "".join(out)


@cache
def _matcher(lex: Lexicon) -> _Matcher:
    parts = []
    group_concept = {}
    for i, c in enumerate(lex.concepts):
        alts = [_term_rx(t) for t in sorted(c.terms, key=lambda t: (-len(t), t))] + list(c.patterns)
        parts.append((f"c{i}", alts))
        group_concept[f"c{i}"] = i
    term_product = {t: name for name, terms in lex.products.items() for t in terms}
    ordered = sorted(term_product, key=lambda t: (-len(t), t))
    return _Matcher(
        Alternation(parts) if parts else None,
        group_concept,
        re.compile("|".join(_term_rx(t) for t in ordered)) if ordered else None,
        term_product,
        tuple(sorted(lex.model_prefixes.items(), key=lambda kv: (-len(kv[0]), kv[0]))),
    )


def _prefix_product(model: str, m: _Matcher) -> str | None:
    head = re.match(r"[A-Z]+", model.upper().strip())
    if not head:
        return None
    letters = head.group(0)
    for prefix, product in m.prefixes:
        if letters.startswith(prefix):
            return product
    return None


@dataclass(slots=True)  # one per text: slots and shared defaults keep 100,000 of them small
class _Row:
    item: ProblemText
    norm: str
    customer: str | None  # None: no customer key, counts for nobody
    concept: int | None = None
    product: str | None = None
    key: str | None = None
    phrases: frozenset[str] = frozenset()  # set by _vectors (shared by the texts of one wording)
    terms: tuple[str, ...] = ()
    # synonym class -> the text's words in it
    senses: Mapping[str, set[str]] = field(default_factory=lambda: _NO_SENSES)
    objects: frozenset[str] = frozenset()  # nouns before the concept in its clause (轮胎 of 轮胎开裂)
    praised: frozenset[str] = frozenset()  # topic words met only in clauses of praise (外观漂亮)


_Concept = tuple[int | None, int | None, frozenset[str]]


def _first_concept(norm: str, lex: Lexicon, m: _Matcher) -> _Concept:
    """(concept index, start, objects) of the first concept named in the text and not negated (没有故障码, 不漏水).
    A match that starts inside a proper name (a place name ending in 错 followed by 发动机 is not 错发) is
    skipped. Other segmentation boundaries are not required: rjieba splits 时往外滴水 as 时往|外|滴水."""
    if m.concepts is None:
        return None, None, frozenset()
    inside_name: set[int] | None = None
    for cm in m.concepts.finditer(norm):
        if _negated(norm, cm.start()):
            continue
        if inside_name is None:
            inside_name, inside_noun = set(), set()
            pos = 0
            for w, tag in segmenter(lex).tag(norm):
                if tag.startswith(("ns", "nr", "nt")) and len(w) > 1:
                    inside_name.update(range(pos + 1, pos + len(w)))
                pos += len(w)
            pos = 0
            for w, tag in rjieba.tag(norm):  # plain segmentation, without the lexicon's words
                if tag.startswith("n") and len(w) >= 3:
                    inside_noun.add(pos)  # where a noun of 3+ characters begins (发动机)
                pos += len(w)
        if cm.start() in inside_name or (cm.end() - cm.start() <= 2 and cm.end() - 1 in inside_noun):
            continue  # starts inside a name, or a two-character term whose last character begins a noun
        if _praised(norm, cm.start()):
            continue  # 客服态度也很好: the clause praises what the pattern names
        name = cm.lastgroup if cm.lastgroup in m.group_concept else None
        if name is None:
            name = next(g for g, v in cm.groupdict().items() if v is not None and g in m.group_concept)
        return m.group_concept[name], cm.start(), objects_before(norm, cm.start(), cm.end(), lex)
    return None, None, frozenset()


_Analysed = tuple[int | None, frozenset[str], str | None]  # concept, objects, the product the text names


def _analyse(
    row: _Row,
    lex: Lexicon,
    m: _Matcher,
    seen: dict[str, _Analysed],
    shared: dict[frozenset[str], frozenset[str]],
    by_model: dict[tuple[str | None, str], str | None],
) -> None:
    """Primary concept and product of one text. Both are found once per wording (``seen``); the product a
    text does not name, from its model cell and the model numbers in its text, once per (model, text)."""
    norm = row.norm
    hit = seen.get(norm)
    if hit is None:
        concept, start, objects = _first_concept(norm, lex, m)
        # equal object sets shared
        hit = seen[norm] = (concept, shared.setdefault(objects, objects), _named_product(norm, start, m))
    row.concept, row.objects, row.product = hit
    if row.product is None:
        key = (row.item.model, row.item.text)
        if key not in by_model:
            product = None
            for model in ([row.item.model] if row.item.model else []) + model_numbers(row.item.text):
                product = _prefix_product(model, m)
                if product:
                    break
            by_model[key] = product
        row.product = by_model[key]


def _named_product(norm: str, start: int | None, m: _Matcher) -> str | None:
    """The product a text names: the last one before its concept (at ``start``), else the first after it."""
    if m.product_rx is None:
        return None
    before = after = None
    for pm in m.product_rx.finditer(norm):
        if pm.start() > 0 and norm[pm.start() - 1] in _PARTNER:
            continue  # 耳机和手机配对不上: the product after 和/跟 is the partner, not the subject
        if start is None or pm.start() <= start:
            before = pm
            if start is None:
                break
        elif after is None:
            after = pm
            break
    pick = before or after
    return None if pick is None else m.term_product[pick.group(0).replace(" ", "")]


def _model_key(item: ProblemText) -> str | None:
    return re.sub(r"\s+", "", item.model).upper() if item.model and item.model.strip() else None


def _resolve_products(rows: list[_Row], lex: Lexicon) -> None:
    """Fill missing products from the same model's other texts, else the concept's only product."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    model_key: dict[str | None, str | None] = {}  # per model as typed: most rows repeat a few models
    for r in rows:
        model = r.item.model
        mk = model_key[model] if model in model_key else model_key.setdefault(model, _model_key(r.item))
        if mk and r.product:
            votes[mk][r.product] += 1
    for r in rows:
        mk = model_key[r.item.model]
        if r.product is None and mk in votes:
            r.product = min(votes[mk].items(), key=lambda kv: (-kv[1], kv[0]))[0]
    keys: dict[str, str] = {}  # one string per key, not one per row
    for r in rows:
        if r.concept is None:
            continue
        c = lex.concepts[r.concept]
        key = f"*|{c.id}" if c.scope == "any" else f"{r.product or '?'}|{c.id}"
        r.key = keys.setdefault(key, key)


_PRAISE_RX = re.compile(r"(?<![不没])(很好|挺好|真好|不错|满意|热情|耐心|周到|好评|给力)")


def _praised(norm: str, start: int) -> bool:
    """The clause of a concept match praises (客服态度也很好, 服务员很热情)."""
    lo = norm.rfind(" ", 0, start) + 1
    hi = norm.find(" ", start)
    return _PRAISE_RX.search(norm, lo, len(norm) if hi < 0 else hi) is not None


def _negated(norm: str, start: int) -> bool:
    """A concept match preceded by a negation (没有故障码, 不漏水) is an absence, not the problem."""
    head = norm[max(0, start - 2) : start]
    return head.endswith(("没", "无", "未", "不", "没有", "并无", "不会", "不再"))


def _with_senses(d: dict[str, float], cfg: dict) -> tuple[dict[str, float], dict[str, set[str]]]:
    """A term Cilin knows also counts through its synonym classes (抖动/震动/颠簸 share one), each sense at
    synonym_weight / sqrt(senses) of the term's weight; and each sense's words (for the guard)."""
    out = dict(d)
    words: dict[str, set[str]] = {}
    for t, w in d.items():
        ss = senses(t)
        for s in ss:
            out[s] = max(out.get(s, 0.0), w * cfg["synonym_weight"] / math.sqrt(len(ss)))
            words.setdefault(s, set()).add(t)
    return out, words


def _vectors(rows: list[_Row], lex: Lexicon, cfg: dict) -> tuple[csr_matrix, csr_matrix, np.ndarray]:
    """One l2-normalised row per text: its concept, its product and its problem phrases (IDF-weighted);
    the same rows with the concept and product columns left out (for finding candidates fast); and each
    row's wording, concept and product as a number (rows of one number have the same vector and products)."""
    docs: list[dict[str, float]] = []
    df: Counter[str] = Counter()
    df_get = df.get
    # ticket texts repeat (copied descriptions): each wording is phrased and weighted once, its rows share it
    seen: dict[str, tuple[frozenset[str], dict[str, float], dict[str, set[str]], frozenset[str]]] = {}
    sets: dict[frozenset[str], frozenset[str]] = {}
    clause_factor = {"complaint": 1.0, "neutral": cfg["neutral_weight"], "praise": cfg["praise_weight"]}
    topic_weight = {kind: cfg["topic_weight"] * f for kind, f in clause_factor.items()}
    for r in rows:
        if r.norm not in seen:
            found, topics = weighted_phrases(r.norm, lex)
            # each wording's segmentation makes its own copies of the same few thousand words: keep one of each
            # (the dict is built in the sets' own order: the vocabulary's order, hence the sums, stay the same)
            d = {sys.intern(t): 1.0 for t in found}
            for t, kind in topics.items():
                d.setdefault(sys.intern(t), topic_weight[kind])
            found = frozenset(sys.intern(t) for t in found)
            found = sets.setdefault(found, found)  # equal phrase sets shared (read only)
            d, words = _with_senses(d, cfg) if cfg["synonym_weight"] else (d, {})
            # words met only in praise never bind in the guard (外观漂亮: what the customer likes)
            praised = frozenset(
                sys.intern(t) for t, kind in topics.items() if kind == "praise" and t not in found
            )
            praised = sets.setdefault(praised, praised)
            seen[r.norm] = (found, d, words, praised)
        r.phrases, d, _, r.praised = seen[r.norm]
        docs.append(d)
        for t, w in d.items():  # what df.update(d) adds, in the same order, without its per-call checks
            df[t] = w + df_get(t, 0)
    n = len(rows)
    max_df = max(5, int(cfg["max_df_share"] * n))
    vocab: dict[str, int] = {}
    # typed arrays, not lists: a list holds a float object per stored value (millions at 100,000 rows)
    data, ind, ptr = array("d"), array("q"), array("q", [0])
    weighted: dict[str, tuple[dict[str, float], tuple[str, ...], dict[str, set[str]]]] = {}
    # a row's stored values depend on its wording, concept and product only: built once per such triple (the
    # vocabulary's order is the same: a repeated triple's terms all have their column already)
    built: dict[tuple[str, int | None, str | None], tuple[array, array, int]] = {}
    sig = array("q")  # per row: its triple's number in ``built``
    for r, d in zip(rows, docs, strict=True):
        if r.norm not in weighted:
            # A term of this text only cannot link it to anything, but it says the text is about more than its
            # shared terms: it keeps a reduced share so that a concept alone never makes two texts identical.
            terms = {
                t: w * (np.log((n + 1) / (df[t] + 1)) + 1.0) * (cfg["unique_weight"] if df[t] == 1 else 1.0)
                for t, w in d.items()
                if df[t] <= max_df
            }
            words = seen[r.norm][2]
            weighted[r.norm] = (
                terms,
                tuple(sorted((t for t in terms if not t.startswith("S:")), key=lambda t: (-terms[t], t))),
                {t: words[t] for t in terms if t in words},
            )
        terms, r.terms, r.senses = weighted[r.norm]
        hit = built.get((r.norm, r.concept, r.product))
        if hit is not None:
            sig.append(hit[2])
            ind.extend(hit[0])
            data.extend(hit[1])
            ptr.append(len(ind))
            continue
        norm2 = sum(w * w for w in terms.values())
        share = 1.0
        extra: dict[str, float] = {}
        if r.concept is not None:
            scoped = lex.concepts[r.concept].scope == "product"
            # A product-scoped concept on a text that names no product is weaker evidence (fan noise and
            # a noisy hotel room are both 噪音): it must be backed by shared phrases.
            cw = cfg["concept_weight"] if r.product or not scoped else cfg["unscoped_concept_weight"]
            extra["C:" + lex.concepts[r.concept].id] = cw
            share -= cw
            if r.product and scoped:
                extra["P:" + r.product] = cfg["product_weight"]
                share -= cfg["product_weight"]
        scale = np.sqrt(share / norm2) if norm2 else 0.0
        items = [(t, w * scale) for t, w in terms.items()] + [(t, np.sqrt(w)) for t, w in extra.items()]
        # l2-normalise the row as sklearn's normalize does (a sequential sum of squares in double precision,
        # empty rows left alone), so the figures stay the same without importing sklearn (and pandas with it)
        sum_ = 0.0
        for _t, w in items:
            sum_ += w * w
        norm = math.sqrt(sum_) if sum_ != 0.0 else 1.0
        cols = array("q", [vocab.setdefault(t, len(vocab)) for t, _w in items])
        vals = array("d", [w / norm if sum_ != 0.0 else w for _t, w in items])
        built[(r.norm, r.concept, r.product)] = (cols, vals, len(built))
        sig.append(len(built) - 1)
        ind.extend(cols)
        data.extend(vals)
        ptr.append(len(ind))
    del (
        docs,
        df,
        seen,
        weighted,
        built,
    )  # the weights are in the arrays now: free them before the matrices exist
    from scipy.sparse import csr_matrix

    x = csr_matrix(
        (np.array(data, dtype=np.float64), np.array(ind, dtype=np.int64), np.array(ptr, dtype=np.int64)),
        shape=(n, max(1, len(vocab))),
    )
    del data, ind, ptr
    keep = np.array([not t.startswith(("C:", "P:")) for t in sorted(vocab, key=vocab.__getitem__)] or [True])
    x_phr = x.copy()
    x_phr.data = x_phr.data * keep[x_phr.indices]
    x_phr.eliminate_zeros()
    return x, x_phr, np.frombuffer(sig, dtype=np.int64) if len(sig) else np.zeros(0, dtype=np.int64)


def _average_link(
    x: csr_matrix,
    x_phr: csr_matrix,
    prod: np.ndarray,
    key: np.ndarray,
    idx: np.ndarray,
    cfg: dict,
    t_edge: float,
    sig: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Groups of the rows idx: average linkage cut at cfg['threshold'] (the precision guard: a group's
    members are on average that similar), on pieces small enough for a dense matrix."""
    if len(idx) == 1:
        return [idx]
    if len(idx) <= _LINK_LIMIT:
        # imported here: scipy.cluster pulls in scipy.spatial and scipy.linalg (~0.4 s at start), which a run
        # whose components need no linkage never uses
        from scipy.cluster.hierarchy import fcluster, linkage

        tree = linkage(
            _condensed_distances(x[idx], prod[idx], None if sig is None else sig[idx]), method="average"
        )
        labels = fcluster(tree, t=1.0 - cfg["threshold"], criterion="distance")
        return [idx[labels == k] for k in np.unique(labels)]
    # Too large for a dense matrix. Texts of one concept and product are at least concept_weight alike
    # (>= threshold), so average linkage would keep them together: each such part is one group. The texts
    # without a concept are split at a stricter edge threshold until the pieces fit.
    out = []
    for k in np.unique(key[idx]):
        part = idx[key[idx] == k]
        if k >= 0 or len(part) <= _LINK_LIMIT:
            out.extend([part] if k >= 0 else _average_link(x, x_phr, prod, key, part, cfg, t_edge, sig))
            continue
        t_next = min(t_edge + 0.1, cfg["threshold"])
        for piece in _components(x_phr, prod, None, part, t_next, sig):
            if t_next >= cfg["threshold"] and len(piece) > _LINK_LIMIT:
                out.append(piece)  # every edge already at the threshold: keep the component
            else:
                out.extend(_average_link(x, x_phr, prod, key, piece, cfg, t_next, sig))
    return out


def _condensed_distances(sub: csr_matrix, p: np.ndarray, sig: np.ndarray | None = None) -> np.ndarray:
    """The condensed cosine distances of the rows of sub (upper triangle, row by row, as squareform gives
    them; two known products that clash are at distance 1), a block of rows at a time: never the n x n matrix.
    ``sig``: a number per row, equal only for rows with the same vector and products (``_vectors``' third)."""
    n = sub.shape[0]
    out = np.empty(n * (n - 1) // 2)
    cols = np.arange(n)
    # Copied texts are rows with the same bytes (vector and products): their distances to every row are the
    # same numbers (each row of a sparse product is computed on its own, in its stored order), so with few
    # distinct rows the distances between those are computed once and each row's are copied from its own's.
    group = _copies(sub, p, sig)
    distinct = int(group.max()) + 1 if n else 0
    copied = distinct < n and distinct <= _DIST_DISTINCT
    if copied:
        _, reps = np.unique(group, return_index=True)  # first row of each distinct row, in row order
        between = _distance_rows(sub[reps], p[reps], 0, len(reps))
    else:
        right = sub.T.tocsr()  # what `sub @ sub.T` converts to: each entry is the same sum in the same order
    for lo in range(0, n, _DIST_ROWS):
        if copied:
            block = between[group[lo : lo + _DIST_ROWS]][:, group]
        else:
            block = _distance_rows(sub, p, lo, lo + _DIST_ROWS, right)
        # the block's rows' entries right of the diagonal, row by row, are one run of the condensed form
        hi = lo + block.shape[0]
        start = lo * n - lo * (lo + 1) // 2
        out[start : hi * n - hi * (hi + 1) // 2] = block[cols[None, :] > np.arange(lo, hi)[:, None]]
    return out


def _copies(sub: csr_matrix, p: np.ndarray, sig: np.ndarray | None) -> np.ndarray:
    """A number per row of sub, in order of first appearance (0, 1, ...), equal for rows with the same stored
    values and products. ``sig`` (when given): rows of one number have the same bytes, so only the first row
    of each number is looked at (different wordings can still give the same row: they are copies too)."""
    n = sub.shape[0]
    seen: dict[tuple[bytes, bytes, bytes], int] = {}

    def number(i: int) -> int:
        return seen.setdefault(
            (
                sub.indices[sub.indptr[i] : sub.indptr[i + 1]].tobytes(),
                sub.data[sub.indptr[i] : sub.indptr[i + 1]].tobytes(),
                p[i].tobytes(),
            ),
            len(seen),
        )

    if sig is None:
        return np.fromiter((number(i) for i in range(n)), dtype=np.int64, count=n)
    _, first, inverse = np.unique(sig, return_index=True, return_inverse=True)
    of_sig = np.empty(len(first), dtype=np.int64)
    for j in np.argsort(first, kind="stable"):  # in order of first rows: the numbers come in row order
        of_sig[j] = number(int(first[j]))
    return of_sig[inverse.reshape(-1)]


def _distance_rows(
    sub: csr_matrix, p: np.ndarray, lo: int, hi: int, right: csr_matrix | None = None
) -> np.ndarray:
    """Cosine distances of the rows lo:hi of sub to every row (dense; clashing products at 1)."""
    if right is None:
        right = sub.T.tocsr()
    block = (sub[lo:hi] @ right).toarray()
    for a in p.T:
        b = a[lo:hi, None]
        block[(b != a[None, :]) & (b >= 0) & (a[None, :] >= 0)] = 0.0
    np.subtract(1.0, block, out=block)
    np.clip(block, 0.0, 2.0, out=block)
    return block


def _components(
    x: csr_matrix,
    prod: np.ndarray,
    key: np.ndarray | None,
    idx: np.ndarray,
    t: float,
    sig: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Connected components of rows idx linked at phrase cosine >= t (never across two known products),
    rows of one concept and product (same ``key`` >= 0) always together. ``sig``: as ``_condensed_distances``'."""
    sub = x[idx].astype(np.float32)
    # Copied texts give rows with the same bytes (vector and product columns): such rows have the same
    # similarity to every row, so the pairs are computed between distinct rows only (a month of 100,000 rows
    # with a few hundred wordings would otherwise hold hundreds of millions of pairs). A distinct row with
    # any link (to itself or another) joins all its copies; one without stays apart, as do its copies.
    p_idx = prod[idx]
    group = _copies(sub, p_idx, None if sig is None else sig[idx])
    _, reps = np.unique(group, return_index=True)  # first row of each distinct row, in row order
    uniq = sub[reps]
    del sub
    n = len(idx)
    rs: list[np.ndarray] = []
    cs: list[np.ndarray] = []
    pending, limit = 0, _EDGE_LIMIT  # edges in rs/cs; how many are kept before they become a forest
    linked = np.zeros(len(reps), dtype=bool)
    for lo in range(0, uniq.shape[0], _CHUNK):
        # the graph is undirected: each block only against itself and the rows after it
        right = uniq[lo:].T.tocsr()  # what `@` would convert it to, once for the block's slices
        # Long texts share terms with thousands of others: the products of a few hundred rows at a time (the
        # same sums: each row of a sparse product is computed on its own) keep the transient small.
        for at in range(lo, min(lo + _CHUNK, uniq.shape[0]), _SUB_ROWS):
            block = uniq[at : at + _SUB_ROWS] @ right
            keep = np.flatnonzero(block.data >= t)
            r = np.searchsorted(block.indptr, keep, side="right") - 1 + at
            c = block.indices[keep] + lo
            del block, keep
            pr, pc = p_idx[reps[r]], p_idx[reps[c]]
            ok = ((pr == pc) | (pr < 0) | (pc < 0)).all(axis=1)
            linked[r[ok]] = True
            linked[c[ok]] = True
            rs.append(reps[r[ok]])
            cs.append(reps[c[ok]])
            pending += len(rs[-1])
            if pending > limit:  # long texts link millions of pairs: keep a forest of them
                rs, cs = _forest(rs, cs, n)
                pending = len(rs[0])
                limit = max(_EDGE_LIMIT, 2 * pending)
        del right
    del uniq
    copies = np.flatnonzero(linked[group])  # rows (and their copies) of linked distinct rows
    rs.append(copies)
    cs.append(reps[group[copies]])
    if key is not None:  # a star from each key's first row to its other rows
        k = key[idx]
        has = np.flatnonzero(k >= 0)
        if len(has):
            uniq, first, inverse = np.unique(k[has], return_index=True, return_inverse=True)
            rs.append(has)
            cs.append(has[first][inverse])
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    r, c = np.concatenate(rs), np.concatenate(cs)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    order = np.argsort(comp, kind="stable")
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    return [idx[part] for part in np.split(order, bounds)]


def _forest(rs: list[np.ndarray], cs: list[np.ndarray], n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Edges with the same connected components, one per row: each row of a component of two or more rows
    linked to the component's first row."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    r, c = np.concatenate(rs), np.concatenate(cs)
    _, comp = connected_components(coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)), directed=False)
    _, first = np.unique(comp, return_index=True)
    root = first[comp]
    moved = np.flatnonzero(root != np.arange(n))
    return [moved], [root[moved]]


@dataclass(frozen=True)
class _Guard:
    generic: frozenset[str]
    objects: frozenset[str]
    broad: frozenset[str]
    staff: tuple[tuple[str, tuple[str, ...]], ...]  # (class, words), longest words first
    about_staff: dict[str, frozenset[str]]  # concept id -> the staff classes it binds by
    conditions: tuple[tuple[str, ...], ...]
    domains: tuple[tuple[str, ...], ...]


@cache
def _guard() -> _Guard:
    """The precision guard's data (templates/lexicon/guard.yaml)."""
    data = load_yaml(data_path("lexicon", "guard.yaml").read_text(encoding="utf-8")) or {}
    words = lambda key: frozenset(str(w) for w in data.get(key) or ())  # noqa: E731
    return _Guard(
        words("generic_words"),
        words("objects"),
        words("broad_concepts"),
        tuple(
            (str(name), tuple(sorted((str(w) for w in ws), key=lambda w: (-len(w), w))))
            for name, ws in sorted((data.get("staff") or {}).items())
        ),
        {str(k): frozenset(str(v) for v in vs) for k, vs in (data.get("staff_bound_concepts") or {}).items()},
        tuple(tuple(str(w) for w in cues) for _name, cues in sorted((data.get("conditions") or {}).items())),
        tuple(tuple(str(w) for w in cues) for _name, cues in sorted((data.get("domains") or {}).items())),
    )


def _domain(norm: str, g: _Guard) -> int:
    """Index of the domain with the most distinct cue words in the text; -1 when none or a tie."""
    hits = sorted(((sum(map(norm.__contains__, cues)), i) for i, cues in enumerate(g.domains)), reverse=True)
    if not hits or hits[0][0] == 0 or (len(hits) > 1 and hits[1][0] == hits[0][0]):
        return -1
    return hits[0][1]


def _specific(r: _Row, lex: Lexicon, g: _Guard, domain: int = -1) -> set[str]:
    """Terms of a text that say which problem it is: phrases and topic words (and their synonym classes) that
    are neither generic, a bare object nor met only in praise (外观漂亮: what the customer likes), and its lexicon
    concept unless that concept is broad. A concept the lexicon marks `by_part` binds by the part named before
    it (轮胎开裂 is not 挡风玻璃开裂; its own words 开裂/异响 bind nothing); another product-scoped concept binds
    by product, else by business domain."""
    c = (
        lex.concepts[r.concept]
        if r.concept is not None and lex.concepts[r.concept].id not in g.broad
        else None
    )
    words = {t for t in r.terms if t not in g.generic and t not in g.objects and t not in r.praised}
    parts = (
        {f"C:{c.id}#{o}" for o in r.objects if o not in g.generic} if c is not None and c.by_part else set()
    )
    if c is not None and c.by_part:
        words -= _concept_words(c)
    out = words | {s for s, ws in r.senses.items() if ws & words} | parts  # 抖动 and 震动 share a class
    if c is None or parts and (c.scope == "any" or not r.product):
        return out
    if c.scope == "any":
        who = _staff(r.norm, g, g.about_staff[c.id]) if c.id in g.about_staff else None
        out.add(f"C:{c.id}~{who}" if who else "C:" + c.id)  # 客服态度差 is not a hotel 前台's 态度差
    elif r.product:  # the linkage already keeps two known products apart
        out.add(f"C:{c.id}|{r.product}")
        if domain >= 0 and not parts:
            out.add(f"C:{c.id}@{domain}")
    else:  # 吵 of a hotel room is not 吵 of a laptop fan
        out.add(f"C:{c.id}@{domain}" if domain >= 0 else "C:" + c.id)
    return out


def _staff(norm: str, g: _Guard, classes: frozenset[str]) -> str | None:
    """The kind of staff (of those given) a text names first (客服, 前台, 厂家, 骑手), if any."""
    best: tuple[int, str] | None = None
    for name, ws in g.staff:
        if name not in classes:
            continue
        for w in ws:
            i = norm.find(w)
            if i >= 0 and (best is None or i < best[0]):
                best = (i, name)
    return best[1] if best else None


@cache
def _concept_words(c: Concept) -> frozenset[str]:
    return frozenset(c.terms)


def _guard_split(
    members: np.ndarray,
    rows: list[_Row],
    lex: Lexicon,
    g: _Guard,
    dom: np.ndarray,
    mode: str = "star",
    memo: dict[tuple[str, str | None], set[str]] | None = None,
    conds: dict[str, frozenset[int]] | None = None,
) -> list[np.ndarray]:
    """The precision guard: a cluster keeps only members that share a specific term (a hotel room that is 吵
    and a laptop fan that is 吵 share only a generic word). ``chain``: it falls apart into the chains of members
    sharing a term (A shares X with B, B shares Y with C: one part). ``star``: the term most members carry is
    the part's core, every member of the part carries it; the others form their own parts around their own
    cores, or stay alone."""
    if len(members) < 2:
        return [members]
    # a text's specific terms depend on its wording and product only (its concept, phrases, domain and
    # conditions are its wording's): once per pair, the members of one share the set (read only)
    specific = memo if memo is not None else {}
    sets = []
    for m in members:
        r = rows[int(m)]
        key = (r.norm, r.product)
        got = specific.get(key)
        if got is None:
            got = specific[key] = _specific(r, lex, g, int(dom[m]))
        sets.append(got)
    if mode == "star":
        conditions = conds if conds is not None else {}
        conds_of = []
        for m in members:
            norm = rows[int(m)].norm
            got = conditions.get(norm)
            if got is None:
                got = conditions[norm] = _conditions(norm, g)
            conds_of.append(got)
        pos = {int(m): i for i, m in enumerate(members)}
        return [p for part in _star_split(members, sets, rows) for p in _condition_split(part, pos, conds_of)]
    parent = list(range(len(members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, terms in enumerate(sets):
        for t in terms:
            j = first.setdefault(t, i)
            parent[root(i)] = root(j)
    roots = np.array([root(i) for i in range(len(members))])
    return [members[roots == k] for k in np.unique(roots)]


def _conditions(norm: str, g: _Guard) -> frozenset[int]:
    """Classes of the conditions a text names (冷车, 加速时, 换挡): when the problem shows."""
    return frozenset(i for i, cues in enumerate(g.conditions) if any(map(norm.__contains__, cues)))


def _condition_split(part: np.ndarray, pos: dict[int, int], conds: list[frozenset[int]]) -> list[np.ndarray]:
    """A part whose members name different conditions (冷车启动 vs 加速时 发动机异响) is one problem per
    condition: the most named condition keeps the members naming none; each other one is a part of its own.
    ``pos``: a member's row -> its index in ``conds``."""
    if len(part) < 2:
        return [part]
    of = [conds[pos[int(m)]] for m in part]
    count = Counter(c for cs in of for c in cs)
    if len(count) < 2:
        return [part]
    rank = sorted(count, key=lambda c: (-count[c], c))
    home = [rank[0] if not cs or rank[0] in cs else min(cs, key=rank.index) for cs in of]
    return [part[[i for i, h in enumerate(home) if h == c]] for c in rank if c in home]


def _star_split(members: np.ndarray, sets: list[set[str]], rows: list[_Row]) -> list[np.ndarray]:
    """Parts around cores: repeatedly the specific term that most remaining members carry (a concept before a
    problem phrase before a topic word on a tie) takes every remaining member that carries it. A concept core
    of one product (``C:battery|音箱``) also takes the texts naming no product whose concept is bound to the
    domain of its carriers (``C:battery@2``: 电池不耐用); a member whose concept names neither product nor domain
    (``C:weak_signal`` of 信号差) joins a core of that concept when it shares another specific term with the
    core's carriers."""
    phrases = set().union(*{id(p): p for p in (rows[int(m)].phrases for m in members)}.values())

    # on a tie: a concept bound to a product, domain or part, a bare concept, a phrase, a topic word
    def rank(t: str) -> int:
        return (3 if re.search(r"[|@#~]", t) else 2) if t.startswith(("C:", "S:")) else int(t in phrases)

    # Members given the same set of terms (the texts of one wording and product share one) are taken by the
    # same cores, together: the parts are found over these classes, each counting for its members.
    class_of: dict[int, int] = {}
    of_class: list[list[int]] = []  # class -> its members' positions, in order
    terms: list[set[str]] = []  # class -> its members' terms
    for i, ts in enumerate(sets):
        c = class_of.get(id(ts))
        if c is None:
            c = class_of[id(ts)] = len(of_class)
            of_class.append([])
            terms.append(ts)
        of_class[c].append(i)
    size = [len(ms) for ms in of_class]

    left = list(range(len(of_class)))
    holding: dict[str, set[int]] = defaultdict(set)  # term -> the remaining classes carrying it
    for c in left:
        for t in terms[c]:
            holding[t].add(c)

    def carriers(core: str) -> list[int]:
        into = sorted(holding.get(core, ()))
        if not core.startswith("C:") or "#" in core:
            return into
        bare = re.split(r"[|@~]", core, maxsplit=1)[0]
        if "|" in core:  # texts of no product in the domain of the product's texts
            doms = {t for c in into for t in terms[c] if t.startswith(bare + "@")}
            near = set().union(*(holding.get(t, ()) for t in doms))
            into += [
                c
                for c in sorted(near)
                if core not in terms[c] and not any(t.startswith(bare + "|") for t in terms[c])
            ]
        if bare != core:
            shared = {t for c in into for t in terms[c] if not t.startswith("C:")}
            taken = set(into)
            # a text naming no staff has nothing against the staff most texts name (服务态度差, 爱答不理)
            free = "~" in core
            into += [
                c for c in sorted(holding.get(bare, ())) if c not in taken and (free or terms[c] & shared)
            ]
        return into

    ranks: dict[str, int] = {}

    def order(t: str, n: int) -> tuple[float, int, str]:  # the smallest is the core
        r = ranks.get(t)
        if r is None:
            r = ranks[t] = rank(t)
        return (-n * (_TOPIC_CORE if r == 0 else 1.0), -r, t)

    # The carriers of every term are counted once and decremented as parts are taken (recounting the remaining
    # members for every part was quadratic in a cluster's size); the most carried term comes off a heap whose
    # stale entries (a term whose count fell since) are dropped when they reach the top. A concept bound to a
    # product or a staff (C:battery|音箱, C:attitude~客服) also takes members that do not carry it: its count is
    # its carriers among the remaining members, recomputed for every part as before.
    out: list[np.ndarray] = []
    count: Counter[str] = Counter()
    for c in left:
        for t in terms[c]:
            count[t] += size[c]
    bound = {t for t in count if t.startswith("C:") and ("|" in t or "~" in t)}
    heap = [order(t, n) for t, n in count.items() if t not in bound]
    heapq.heapify(heap)
    remaining = len(members)
    while remaining >= 2 and count:
        while heap and (heap[0][2] not in count or heap[0] != order(heap[0][2], count[heap[0][2]])):
            heapq.heappop(heap)
        best, best_n = (heap[0], count[heap[0][2]]) if heap else (None, 0)
        for t in bound:
            if t in count:
                n = sum(size[c] for c in carriers(t))
                if best is None or order(t, n) < best:
                    best, best_n = order(t, n), n
        if best is None or best_n < 2:
            break
        into = carriers(best[2])
        out.append(members[sorted(i for c in into for i in of_class[c])])
        taken = set(into)
        left = [c for c in left if c not in taken]
        remaining -= sum(size[c] for c in into)
        changed = set()
        for c in into:
            for t in terms[c]:
                holding[t].discard(c)
                count[t] -= size[c]
                if not count[t]:
                    del count[t]
                changed.add(t)
        for t in changed:
            if t in count and t not in bound:
                heapq.heappush(heap, order(t, count[t]))
    out.extend(members[[i]] for i in sorted(i for c in left for i in of_class[c]))
    return out


def _cluster_all(rows: list[_Row], lex: Lexicon, cfg: dict) -> tuple[dict[int, str], dict[str, str]]:
    """Group every text on its problem phrases, concept and product; returns row index -> key, key -> label."""
    x, x_phr, sig = _vectors(rows, lex, cfg)
    names = sorted({r.product for r in rows if r.product})
    codes: dict[tuple[int, str], int] = {}
    key = np.array(
        [
            -1 if r.concept is None else codes.setdefault((r.concept, r.product or "?"), len(codes))
            for r in rows
        ]
    )
    # Candidates: every text of one concept, whatever its product (the linkage keeps products apart).
    concept_of = np.array([-1 if r.concept is None else r.concept for r in rows])
    g = _guard()
    seen_domain: dict[str, int] = {}
    for r in rows:
        if r.norm not in seen_domain:
            seen_domain[r.norm] = _domain(r.norm, g)
    dom = np.array([seen_domain[r.norm] for r in rows])
    # Columns that must not clash between two texts of a cluster: the product, and the business domain.
    prod = np.array(
        [
            (
                names.index(r.product)
                if r.product and (r.concept is None or lex.concepts[r.concept].scope == "product")
                else -1,
                int(d) if cfg["domains"] else -1,
            )
            for r, d in zip(rows, dom, strict=True)
        ]
    ).reshape(len(rows), 2)
    groups: list[np.ndarray] = []
    for comp in _components(x_phr, prod, concept_of, np.arange(len(rows)), cfg["link_threshold"], sig):
        groups.extend(_average_link(x, x_phr, prod, key, comp, cfg, cfg["link_threshold"], sig))
    # Linkage groups named by one concept and product are one cluster (as the key says) ...
    merged: dict[str, list[np.ndarray]] = defaultdict(list)
    for members in groups:
        merged[_key_label([rows[i] for i in members], lex)[0]].append(members)
    groups = [np.sort(np.concatenate(parts)) for parts in merged.values()]
    # ... then the precision guard splits clusters whose members share no specific term.
    if cfg["guard"]:
        specific: dict[tuple[str, str | None], set[str]] = {}  # shared by every cluster's split
        conds: dict[str, frozenset[int]] = {}
        mode = cfg["guard_mode"]
        groups = [
            part
            for members in groups
            for part in _guard_split(members, rows, lex, g, dom, mode, specific, conds)
        ]
        del specific, conds
    groups.sort(key=lambda ms: (-len(ms), int(ms.min())))  # a key taken twice goes to the larger cluster
    out: dict[int, str] = {}
    labels: dict[str, str] = {}
    for members in groups:
        ms = [rows[i] for i in members]
        key, label = _key_label(ms, lex)
        if key in labels:  # a part the guard split off a concept cluster: named by its own phrases
            label, key = _phrase_label(ms)
            if key in labels:
                key = f"{key}#{min(r.item.uid for r in ms)}"
        for i in members:
            out[int(i)] = key
        labels[key] = label
    return out, labels


def _key_label(ms: list[_Row], lex: Lexicon) -> tuple[str, str]:
    """Key and label of a cluster: ``product|concept`` and the concept label when more than half of it
    shares one, else its own most typical problem phrases."""
    by_id = lex.concept_by_id
    concepts = Counter((r.product or "?", lex.concepts[r.concept].id) for r in ms if r.concept is not None)
    top = min(concepts.items(), key=lambda kv: (-kv[1], kv[0])) if concepts else None
    if top and top[1] * 2 > len(ms):
        (product, cid), _ = top
        product = "*" if by_id[cid].scope == "any" else product
        label = by_id[cid].label
        label = label if product in ("*", "?") or label.startswith(product) else product + label
        return f"{product}|{cid}", label
    label, key = _phrase_label(ms)
    return key, label


def _phrase_label(ms: list[_Row]) -> tuple[str, str]:
    """Label and key of a cluster with no dominant concept: its most typical problem phrase."""
    if len(ms) == 1:
        r = ms[0]
        key = f"text|{r.norm}" if r.norm else f"uid|{r.item.uid}"
        return ("、".join(r.terms[:2]) or r.norm[:12] or "其他"), key
    count: Counter[str] = Counter()
    for r in ms:
        count.update(set(r.terms))
    phrases = _phrases_of(ms)  # once, not once per term (a 5,000-member cluster made that quadratic)
    ranked = sorted(count, key=lambda t: (-count[t], -(t in phrases), -len(t), t))
    top = ranked[:3]
    key = "terms|" + "|".join(sorted(top)) if top else "uid|" + min(r.item.uid for r in ms)
    label = "、".join(ranked[:2]) if ranked else "其他"
    return label, key


def _phrases_of(ms: list[_Row]) -> set[str]:
    return {p for r in ms for p in r.phrases}


def _ids(keys: Sequence[str]) -> dict[str, str]:
    """GX- id for every key; a hash collision gets a suffix-salted hash, decided in key order."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(keys):
        salt = 0
        while True:
            raw = key if salt == 0 else f"{key}#{salt}"
            cid = "GX-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:6]
            if cid not in taken:
                break
            salt += 1
        taken.add(cid)
        ids[key] = cid
    return ids


def _counted(values: list[str | None]) -> tuple[tuple[str, int], ...]:
    counts = Counter(v.strip() for v in values if v and v.strip())
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _batch(item: ProblemText) -> str | None:
    """The row's batch: its batch field, else one typed inside the model cell (`X-2024（批次 B2311）`)."""
    batch = item.batch or (batch_in_text(item.model) if item.model else None)
    return batch.strip().upper() if batch and batch.strip() else None


def _batches(members: list[_Row], share: float) -> tuple[tuple[tuple[str, int], ...], str | None]:
    """Batch counts over the issue's rows in the window, and the batch holding most of them (if any).

    Rows outside the window count for nobody (like customers), so a weekly and a monthly run over the same
    window agree. The share is among the rows that name a batch: forms without a batch column must not hide
    a bad batch."""
    batches = _counted([_batch(r.item) for r in members if r.item.counts])
    known = sum(n for _b, n in batches)
    dominant = batches[0][0] if batches and batches[0][1] >= 2 and batches[0][1] / known > share else None
    return batches, dominant


def _examples(members: list[_Row], k: int = 3) -> tuple[str, ...]:
    """Up to k given texts, typical length first, distinct wording, distinct customers first."""
    ranked = sorted(members, key=lambda r: (abs(len(r.item.text) - 16), r.item.text, r.item.uid))
    chosen: list[_Row] = []
    for distinct_customers in (True, False):
        for r in ranked:
            if len(chosen) == k:
                break
            if any(c.norm == r.norm or c is r for c in chosen):
                continue
            if distinct_customers and any(c.customer == r.customer and r.customer for c in chosen):
                continue
            chosen.append(r)
    return tuple(r.item.text for r in chosen)


def prepare(settings: dict | None = None) -> None:
    """Load what a clustering with ``settings`` needs before its first text: the lexicon, its matcher and
    segmenter, the guard, and scipy's sparse, graph and hierarchy modules (~0.45 s: most of a clustering's
    fixed cost). A run calls it while its workers read; what fails here (a team lexicon that cannot be read) is
    left for the clustering itself to raise, where the run reports it."""
    with suppress(Exception):
        lex = layered_lexicon(_settings(settings)["lexicon"])
        _matcher(lex)
        segmenter(lex)
        _guard()
        import scipy.cluster.hierarchy  # noqa: F401 - (scipy.cluster, scipy.spatial, scipy.linalg)
        import scipy.sparse.csgraph  # noqa: F401 - (scipy.sparse)


def common_clustering(items: Sequence[ProblemText], settings: dict | None = None) -> Clustering:
    """``cluster_problems``, kept as the outputs read it: the common issues, and the cluster id of the texts in
    them (every text's cluster id and label were ~20 MB at 100,000 rows, read only to mark the rows)."""
    clustering = cluster_problems(items, settings)
    common = {c.id for c in clustering.common}
    return Clustering(
        {u: c for u, c in clustering.cluster_of.items() if c in common},
        clustering.common,
        {c: label for c, label in clustering.labels.items() if c in common},
    )


def cluster_problems(items: Sequence[ProblemText], settings: dict | None = None) -> Clustering:
    """Cluster problem texts and list the common issues (see the module docstring for the method)."""
    cfg = _settings(settings)
    lex = layered_lexicon(cfg["lexicon"])
    m = _matcher(lex)
    uids = [it.uid for it in items]
    if len(set(uids)) != len(uids):
        dup = sorted(u for u, n in Counter(uids).items() if n > 1)[:3]
        raise PolicyError(f"共性问题分析的文本编号重复：{', '.join(dup)}")
    # A month repeats its wordings (canned and copied texts): each distinct text is normalised once and its
    # rows share the one normalised string.
    norm_of: dict[str, str] = {}
    one: dict[str, str] = {}  # equal normal forms of different texts: one string
    rows = []
    for it in sorted(items, key=lambda it: it.uid):
        norm = norm_of.get(it.text)
        if norm is None:
            norm = lex.fix(normalise_text(it.text))
            norm = norm_of[it.text] = one.setdefault(norm, norm)
        customer = it.customer.strip() if it.customer else None
        rows.append(_Row(it, norm, customer or None))
    del norm_of, one
    if not rows:
        return Clustering({}, [], {})
    if cfg["use_lexicon"]:
        seen: dict[str, _Analysed] = {}
        shared: dict[frozenset[str], frozenset[str]] = {}
        by_model: dict[tuple[str | None, str], str | None] = {}
        for r in rows:
            _analyse(r, lex, m, seen, shared, by_model)
        del seen, by_model
        _resolve_products(rows, lex)
    assigned, labels = _cluster_all(rows, lex, cfg)
    keyed: dict[str, list[_Row]] = defaultdict(list)
    for i, key in sorted(assigned.items()):
        rows[i].key = key
        keyed[key].append(rows[i])
    ids = _ids(list(keyed))
    cluster_of = {r.item.uid: ids[r.key] for r in rows if r.key is not None}
    common: list[CommonIssue] = []
    for key, members in keyed.items():
        customers = {r.customer for r in members if r.customer is not None and r.item.counts}
        if len(customers) < cfg["min_customers"]:
            continue
        batches, dominant = _batches(members, cfg["dominant_batch_share"])
        common.append(
            CommonIssue(
                id=ids[key],
                label=labels[key],
                rows=len(members),
                customers=len(customers),
                uids=tuple(sorted(r.item.uid for r in members)),
                models=_counted([r.item.model for r in members]),
                batches=batches,
                dominant_batch=dominant,
                forms=tuple(sorted({r.item.form for r in members if r.item.form})),
                departments=tuple(sorted({r.item.department for r in members if r.item.department})),
                examples=_examples(members),
                unknown_customer_rows=sum(1 for r in members if r.customer is None),
                first_seen=min((r.item.opened for r in members if r.item.opened), default=None),
                seen=tuple(sorted((r.item.opened, r.customer) for r in members if r.item.opened)),
            )
        )
    common.sort(key=lambda c: (-c.rows, c.id))
    return Clustering(cluster_of, common, {ids[k]: labels[k] for k in keyed})
