"""Common issues (共性问题): cluster problem texts of all five forms and flag multi-customer clusters.

Method (a measured choice, see docs/common-issues.md):
1. Each text is normalised and matched against the editable lexicon. The first problem concept the
   text mentions is its primary concept. For product-scoped concepts the product is the product word
   nearest before it, else the model number's prefix, else the product that other texts of the same
   model name, else the only product seen with that concept. The key ``product|concept`` is the cluster.
2. Texts the lexicon does not recognise become sparse TF-IDF vectors (rjieba words + Chinese character
   bigrams). Each joins the concept cluster with the nearest centroid when the cosine reaches
   ``attach_threshold``; the rest are linked to each other at cosine >= ``threshold`` and clustered as
   connected components. No dense n x n matrix is ever built.
3. A cluster with >= ``min_customers`` distinct customers is a common issue. A text without a customer
   key still joins its cluster but counts for no customer (it cannot show that another customer has the
   problem); each issue reports how many of its rows have no customer. The caller passes the texts of
   the window (the run's period).

Ids are ``GX-`` + 6 hex digits of SHA-1 over the cluster's canonical key (``手机|no_power_on`` for a
concept cluster, the sorted top terms for a text cluster, the normalised text for a singleton).
Items are processed in uid order, so ids and clusters never depend on the input order.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from .errors import PolicyError
from .textnorm import Lexicon, char_bigrams, load_lexicon, model_numbers, normalise_text, segment

DEFAULTS: dict = {
    "min_customers": 3,
    "threshold": 0.5,  # cosine between two unrecognised texts to link them
    "attach_threshold": 0.3,  # cosine between an unrecognised text and a concept cluster centroid
    "dominant_batch_share": 0.5,  # a batch holding more than this share of the rows is flagged
    "lexicon": None,  # path of another lexicon file
    "use_lexicon": True,  # False: TF-IDF only (kept for the measured comparison)
    "features": "words+bigrams",  # or "words", "bigrams"
}
_CENTROID_SAMPLE = 200  # rows per concept cluster used for its centroid
_CHUNK = 4000
_PARTNER = frozenset("和跟与同连给")


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
    for key in ("threshold", "attach_threshold", "dominant_batch_share"):
        v = cfg[key]
        if key == "attach_threshold" and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
            raise PolicyError(f"common_issues.{key} 应为 0 到 1 之间的数")
    if cfg["features"] not in ("words+bigrams", "words", "bigrams"):
        raise PolicyError("common_issues.features 只能是 words+bigrams、words 或 bigrams")
    return cfg


@dataclass(frozen=True, eq=False)
class _Matcher:
    concept_rx: re.Pattern[str] | None
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
        parts.append(f"(?P<c{i}>{'|'.join(alts)})")
        group_concept[f"c{i}"] = i
    term_product = {t: name for name, terms in lex.products.items() for t in terms}
    ordered = sorted(term_product, key=lambda t: (-len(t), t))
    return _Matcher(
        re.compile("|".join(parts)) if parts else None,
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


@dataclass
class _Row:
    item: ProblemText
    norm: str
    customer: str | None  # None: no customer key, counts for nobody
    concept: int | None = None
    product: str | None = None
    key: str | None = None


def _analyse(row: _Row, lex: Lexicon, m: _Matcher) -> None:
    """Primary concept and product of one text."""
    norm = row.norm
    start = None
    if m.concept_rx is not None:
        cm = m.concept_rx.search(norm)
        if cm:
            name = cm.lastgroup if cm.lastgroup in m.group_concept else None
            if name is None:
                name = next(g for g, v in cm.groupdict().items() if v is not None and g in m.group_concept)
            row.concept = m.group_concept[name]
            start = cm.start()
    if m.product_rx is not None:
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
        if pick is not None:
            row.product = m.term_product[pick.group(0).replace(" ", "")]
    if row.product is None:
        for model in ([row.item.model] if row.item.model else []) + model_numbers(row.item.text):
            row.product = _prefix_product(model, m)
            if row.product:
                break


def _model_key(item: ProblemText) -> str | None:
    return re.sub(r"\s+", "", item.model).upper() if item.model and item.model.strip() else None


def _resolve_products(rows: list[_Row], lex: Lexicon) -> None:
    """Fill missing products from the same model's other texts, else the concept's only product."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        mk = _model_key(r.item)
        if mk and r.product:
            votes[mk][r.product] += 1
    for r in rows:
        mk = _model_key(r.item)
        if r.product is None and mk in votes:
            r.product = min(votes[mk].items(), key=lambda kv: (-kv[1], kv[0]))[0]
    per_concept: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        if r.concept is not None and r.product:
            per_concept[r.concept].add(r.product)
    for r in rows:
        if r.concept is None:
            continue
        c = lex.concepts[r.concept]
        if c.scope == "any":
            r.key = f"*|{c.id}"
            continue
        if r.product is None and len(per_concept[r.concept]) == 1:
            r.product = next(iter(per_concept[r.concept]))
        r.key = f"{r.product or '?'}|{c.id}"


def _features(norm: str, lex: Lexicon, m: _Matcher, kind: str) -> list[str]:
    """Similarity features of a text; product words are left out (the product is a constraint instead)."""
    if m.product_rx is not None:
        norm = m.product_rx.sub(" ", norm)
    feats: list[str] = []
    if kind in ("words+bigrams", "words"):
        feats.extend(segment(norm, lex))
    if kind in ("words+bigrams", "bigrams"):
        feats.extend("#" + b for b in char_bigrams(norm))
    return feats


def _sample_key(uid: str) -> str:
    return hashlib.sha1(uid.encode("utf-8")).hexdigest()


def _cluster_residual(
    rows: list[_Row], keyed: dict[str, list[_Row]], lex: Lexicon, m: _Matcher, cfg: dict
) -> tuple[dict[int, str], dict[str, str]]:
    """Attach unrecognised texts to concept clusters or group them; returns row index -> key, key -> label."""
    residual = [i for i, r in enumerate(rows) if r.key is None]
    if not residual:
        return {}, {}
    keys = sorted(keyed)
    sample: list[_Row] = []
    owner: list[int] = []
    for k_i, k in enumerate(keys):
        members = sorted(keyed[k], key=lambda r: _sample_key(r.item.uid))[:_CENTROID_SAMPLE]
        sample.extend(members)
        owner.extend([k_i] * len(members))
    docs = [_features(r.norm, lex, m, cfg["features"]) for r in sample] + [
        _features(rows[i].norm, lex, m, cfg["features"]) for i in residual
    ]
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, norm="l2", lowercase=False)
    try:
        x_all = vec.fit_transform(docs).tocsr()
    except ValueError:  # no features at all (texts that were only masks or numbers)
        x_all = csr_matrix((len(docs), 1))
        vocab = np.array(["_"])
    else:
        vocab = vec.get_feature_names_out()
    x_res = x_all[len(sample) :]
    out: dict[int, str] = {}
    pending = list(range(len(residual)))
    if keys and cfg["attach_threshold"] is not None:
        assign = coo_matrix(
            (np.ones(len(sample)), (np.array(owner), np.arange(len(sample)))), shape=(len(keys), len(sample))
        ).tocsr()
        centroids = normalize(assign @ x_all[: len(sample)])
        key_product = [k.split("|", 1)[0] for k in keys]
        allowed: dict[str | None, np.ndarray] = {None: np.ones(len(keys), dtype=bool)}
        pending = []
        for lo in range(0, x_res.shape[0], _CHUNK):
            sims = (x_res[lo : lo + _CHUNK] @ centroids.T).toarray()
            for j in range(sims.shape[0]):  # a text about one product never joins another product's cluster
                prod = rows[residual[lo + j]].product
                if prod not in allowed:
                    allowed[prod] = np.array([kp in (prod, "*", "?") for kp in key_product])
                sims[j, ~allowed[prod]] = -1.0
            best = sims.argmax(axis=1)  # first maximum = smallest key: deterministic
            for j in range(sims.shape[0]):
                if sims[j, best[j]] >= cfg["attach_threshold"] and sims[j, best[j]] > 0:
                    out[residual[lo + j]] = keys[best[j]]
                else:
                    pending.append(lo + j)
    labels: dict[str, str] = {}
    if not pending:
        return out, labels
    x_p = x_res[pending]
    edges_r, edges_c = [], []
    names = sorted({str(rows[residual[j]].product) for j in pending})
    prod_code = np.array([names.index(str(rows[residual[j]].product)) for j in pending])
    for lo in range(0, x_p.shape[0], _CHUNK):
        block = (x_p[lo : lo + _CHUNK] @ x_p.T).tocoo()
        keep = (block.data >= cfg["threshold"]) & (prod_code[block.row + lo] == prod_code[block.col])
        edges_r.append(block.row[keep] + lo)
        edges_c.append(block.col[keep])
    n = len(pending)
    graph = coo_matrix(
        (np.ones(sum(len(e) for e in edges_r)), (np.concatenate(edges_r), np.concatenate(edges_c))),
        shape=(n, n),
    )
    _, comp = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = defaultdict(list)
    for j, c in enumerate(comp):
        groups[int(c)].append(j)
    is_word = np.array([not f.startswith("#") for f in vocab])
    for members in groups.values():
        idx = [residual[pending[j]] for j in members]
        if len(members) == 1:
            r = rows[idx[0]]
            key = f"text|{r.norm}" if r.norm else f"uid|{r.item.uid}"
            label = "、".join(segment(r.norm, lex)[:3]) or "其他"
        else:
            weight = np.asarray(x_p[members].sum(axis=0)).ravel()
            weight = np.where(is_word, weight, 0.0) if is_word.any() else weight
            order = sorted(
                (i for i in np.flatnonzero(weight)), key=lambda i: (-round(weight[i], 9), vocab[i])
            )
            top = [str(vocab[i]).lstrip("#") for i in order[:3]]
            key = "terms|" + "|".join(sorted(top)) if top else "uid|" + min(rows[i].item.uid for i in idx)
            label = "、".join(top) or "其他"
        for i in idx:
            out[i] = key
        labels.setdefault(key, label)
    return out, labels


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


def cluster_problems(items: Sequence[ProblemText], settings: dict | None = None) -> Clustering:
    """Cluster problem texts and list the common issues (see the module docstring for the method)."""
    cfg = _settings(settings)
    lex = load_lexicon(cfg["lexicon"])
    m = _matcher(lex)
    uids = [it.uid for it in items]
    if len(set(uids)) != len(uids):
        dup = sorted(u for u, n in Counter(uids).items() if n > 1)[:3]
        raise PolicyError(f"共性问题分析的文本编号重复：{', '.join(dup)}")
    rows = [
        _Row(
            it,
            lex.fix(normalise_text(it.text)),
            it.customer.strip() if it.customer and it.customer.strip() else None,
        )
        for it in sorted(items, key=lambda it: it.uid)
    ]
    if cfg["use_lexicon"]:
        for r in rows:
            _analyse(r, lex, m)
        _resolve_products(rows, lex)
    keyed: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        if r.key is not None:
            keyed[r.key].append(r)
    labels: dict[str, str] = {}
    by_id = lex.concept_by_id
    for key in keyed:
        product, cid = key.split("|", 1)
        label = by_id[cid].label
        labels[key] = label if product in ("*", "?") or label.startswith(product) else product + label
    extra, extra_labels = _cluster_residual(rows, keyed, lex, m, cfg)
    for i, key in extra.items():
        rows[i].key = key
        keyed[key].append(rows[i])
    for key, label in extra_labels.items():
        labels.setdefault(key, label)
    ids = _ids(list(keyed))
    cluster_of = {r.item.uid: ids[r.key] for r in rows if r.key is not None}
    common: list[CommonIssue] = []
    for key, members in keyed.items():
        customers = {r.customer for r in members if r.customer is not None}
        if len(customers) < cfg["min_customers"]:
            continue
        batches = _counted([r.item.batch for r in members])
        # Share among the rows that name a batch: forms without a batch column must not hide a bad batch.
        known = sum(n for _b, n in batches)
        dominant = (
            batches[0][0]
            if batches and batches[0][1] >= 2 and batches[0][1] / known > cfg["dominant_batch_share"]
            else None
        )
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
            )
        )
    common.sort(key=lambda c: (-c.rows, c.id))
    return Clustering(cluster_of, common, {ids[k]: labels[k] for k in keyed})
