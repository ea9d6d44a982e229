"""Normalise and segment after-sales problem texts (问题描述, 故障现象/需求描述, 客户原话).

The texts arrive de-identified; masked values (138****5678, 张**, [已删除]) are removed here so they can
never make two texts look alike. Word segmentation uses rjieba (a private instance, so the after-sales
lexicon terms added to it never leak into other users of the library).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rjieba
import yaml

from ..errors import PolicyError
from ..resources import data_path, load_yaml

_COMPOUND = "欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|澹台|西门|南宫|独孤|端木|轩辕|申屠|太史"
# Masked personal data, in the order they are removed (after NFKC, lower case). Every pattern runs in linear
# time: a run of characters is taken whole at its start (a lookahead capture works as an atomic group), and
# whether it is a masked value is decided on the run, so a long text without punctuation never backtracks.
_DELETED = re.compile(r"[\[【(]\s*已删除\s*[\]】)]|已删除")
_EMAIL_RUN = re.compile(r"(?<![a-z0-9_.+*-])(?=([a-z0-9_.+*-]+))\1(?=@)(?=(@[a-z0-9.-]+))\2")  # x***@domain.com
_DIGIT_RUN = re.compile(r"(?<![\d*-])(?=([\d*-]+))\1")  # 138****5678, 010-****1234, ****1234
_MASKS = [
    re.compile(rf"(?:{_COMPOUND}|[\u4e00-\u9fff])\*+"),  # masked name 张**
    re.compile(r"\*+(?:先生|女士|小姐|客服|工号\d*|经理|师傅)?"),  # *先生, *工号001, stray stars
    re.compile(
        rf"(?:{_COMPOUND}|[\u4e00-\u9fff])(?:先生|女士|小姐)"
    ),  # 张先生 (name reduced to surname + 称谓)
]


def _masked_email(match: re.Match[str]) -> str:
    return " " if "*" in match.group(1) else match.group(0)


def _masked_number(match: re.Match[str]) -> str:
    run = match.group(0)
    return " " if "**" in run and any(c.isdigit() for c in run) else run


_ASCII_TOKEN = re.compile(r"[a-z0-9][a-z0-9\-_/.%+]*")
_ERROR_CODE = re.compile(r"[a-z]{1,2}\d{1,3}")
_NON_WORD = re.compile(r"[^\w]+|_")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
# A model number: a run of letters, digits and -_/ that starts with a letter and holds a digit (KFR-35GW).
# Found run by run (see _model_matches): a pattern doing it in one go backtracks quadratically on long runs.
_MODEL_RUN = re.compile(r"[a-z0-9\-_/]+", re.IGNORECASE)


def _ascii_token(match: re.Match[str]) -> str:
    tok = match.group(0).strip("-_/.+")
    if _ERROR_CODE.fullmatch(tok):  # fault codes such as e3 or f12 are evidence: keep them
        return f" {tok} "
    has_alpha = any(c.isalpha() for c in tok)
    has_digit = any(c.isdigit() for c in tok)
    if has_alpha and has_digit:  # a product model number: evidence of product, not of the problem
        return " "
    if has_digit:  # quantities and dates (3天, 30度, 2024) say nothing about the kind of problem
        return " "
    return f" {tok} "


def normalise_text(text: str) -> str:
    """Full/half width, lower case, masked personal data and model numbers removed, punctuation to spaces.

    Fault codes (E3) and plain words (app, wifi) are kept; the result has single spaces only.
    Stop words are removed by :func:`tokens`, not here, so phrase matching still sees whole phrases.
    """
    s = unicodedata.normalize("NFKC", str(text or "")).lower()
    s = _DELETED.sub(" ", s)
    s = _EMAIL_RUN.sub(_masked_email, s)
    s = _DIGIT_RUN.sub(_masked_number, s)
    for rx in _MASKS:
        s = rx.sub(" ", s)
    s = _ASCII_TOKEN.sub(_ascii_token, s)
    s = _NON_WORD.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


def _model_matches(text: str) -> list[str]:
    """Each run's model number: from its first letter not preceded by a letter or digit to the run's end,
    when a digit follows that letter (the same matches as the former single pattern, in linear time)."""
    found = []
    for m in _MODEL_RUN.finditer(text):
        run = m.group(0)
        start = next(
            (i for i, c in enumerate(run) if c.isascii() and c.isalpha() and (i == 0 or not run[i - 1].isalnum())),
            None,
        )
        if start is not None and any(c.isdigit() for c in run[start + 1 :]):
            found.append(run[start:])
    return found


def model_numbers(text: str) -> list[str]:
    """Product model numbers typed inside a text (KFR-35GW, BCD-470WDPF), upper case, in order."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    found = []
    for match in _model_matches(s):
        tok = match.strip("-_/")
        if len(tok) >= 4 and not _ERROR_CODE.fullmatch(tok.lower()):
            found.append(tok.upper())
    return found


@dataclass(frozen=True)
class Concept:
    """One kind of problem from the lexicon."""

    id: str
    label: str
    scope: str  # "product": the product is part of the problem; "any": it is not
    terms: tuple[str, ...]
    patterns: tuple[str, ...]
    # True: a symptom any part can have (异响, 开裂, 漏水): on a text naming no product, the part named before
    # it (轮胎, 挡风玻璃, 天窗) says which problem it is
    by_part: bool = False


@dataclass(frozen=True, eq=False)  # identity hash: one loaded lexicon, one segmenter
class Lexicon:
    """The editable after-sales lexicon (templates/lexicon/aftersales.yaml)."""

    products: dict[str, tuple[str, ...]]
    model_prefixes: dict[str, str]  # upper-case prefix -> product
    concepts: tuple[Concept, ...]
    stop_words: frozenset[str]
    source: str
    typos: tuple[tuple[str, str], ...] = ()  # (wrong, right), longest first
    brands: frozenset[str] = frozenset()  # makers (also stop words); the word after one names a model

    def fix(self, norm: str) -> str:
        """Replace the lexicon's known typos in an already normalised text."""
        for wrong, right in self.typos:
            if wrong in norm:
                norm = norm.replace(wrong, right)
        return norm

    @property
    def concept_by_id(self) -> dict[str, Concept]:
        return {c.id: c for c in self.concepts}


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise PolicyError(f"词库 {where} 应为字符串列表")
    return tuple(unicodedata.normalize("NFKC", str(v)).lower().strip() for v in value if str(v).strip())


def _parse_lexicon(data: object, source: str) -> Lexicon:
    if not isinstance(data, dict):
        raise PolicyError(f"词库文件 {source} 格式不对：顶层应为映射")
    products: dict[str, tuple[str, ...]] = {}
    prefixes: dict[str, str] = {}
    for name, spec in (data.get("products") or {}).items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise PolicyError(f"词库 products.{name} 应为映射")
        products[str(name)] = _str_list(spec.get("terms"), f"products.{name}.terms") or (str(name),)
        for p in _str_list(spec.get("model_prefixes"), f"products.{name}.model_prefixes"):
            prefixes[p.upper()] = str(name)
    concepts = []
    seen: set[str] = set()
    for i, spec in enumerate(data.get("concepts") or []):
        if not isinstance(spec, dict) or not spec.get("id") or not spec.get("label"):
            raise PolicyError(f"词库 concepts 第 {i + 1} 项缺少 id 或 label")
        cid = str(spec["id"])
        if cid in seen:
            raise PolicyError(f"词库 concepts 中 id {cid} 重复")
        seen.add(cid)
        scope = str(spec.get("scope", "product"))
        if scope not in ("product", "any"):
            raise PolicyError(f"词库 concepts.{cid}.scope 只能是 product 或 any")
        patterns = tuple(str(p) for p in spec.get("patterns") or [])
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise PolicyError(f"词库 concepts.{cid} 的正则 {p!r} 无效：{exc}") from exc
        terms = _str_list(spec.get("terms"), f"concepts.{cid}.terms")
        if not terms and not patterns:
            raise PolicyError(f"词库 concepts.{cid} 既没有 terms 也没有 patterns")
        by_part = spec.get("by_part", False)
        if not isinstance(by_part, bool):
            raise PolicyError(f"词库 concepts.{cid}.by_part 只能是 true 或 false")
        concepts.append(Concept(cid, str(spec["label"]), scope, terms, patterns, by_part))
    brands = frozenset(w.lower() for w in _str_list(data.get("brands"), "brands"))
    stop = frozenset(_str_list(data.get("stop_words"), "stop_words")) | brands
    raw_typos = data.get("typos") or {}
    if not isinstance(raw_typos, dict):
        raise PolicyError("词库 typos 应为 错字: 正字 的映射")
    typos = sorted(
        (
            (unicodedata.normalize("NFKC", str(k)).lower(), unicodedata.normalize("NFKC", str(v)).lower())
            for k, v in raw_typos.items()
            if str(k)
        ),
        key=lambda kv: (-len(kv[0]), kv[0]),
    )
    return Lexicon(products, prefixes, tuple(concepts), stop, source, tuple(typos), brands)


@cache
def _load_cached(path: str, mtime: float) -> Lexicon:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"无法读取词库文件 {path}：{exc}") from exc
    return _parse_lexicon(data, path)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Load the lexicon (the shipped one by default); reloaded when the file changes."""
    p = Path(path) if path else data_path("lexicon", "aftersales.yaml")
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise PolicyError(f"找不到词库文件 {p}") from exc
    return _load_cached(str(p.resolve()), mtime)


@cache
def segmenter(lexicon: Lexicon) -> rjieba.Jieba:
    """One rjieba instance per lexicon, its products and concept terms added as words (cut and tag both use it)."""
    seg = rjieba.Jieba()
    words = {t for ts in lexicon.products.values() for t in ts}
    words.update(t for c in lexicon.concepts for t in c.terms)
    for w in sorted(words):
        if _CJK.fullmatch(w) and len(w) >= 2:
            seg.add_word(w, 20000, None)
    return seg


def segment(norm: str, lexicon: Lexicon) -> list[str]:
    """Words of an already normalised text, stop words and spaces removed."""
    if not norm:
        return []
    out = []
    for w in segmenter(lexicon).cut(norm, True):
        w = w.strip()
        if w and w not in lexicon.stop_words:
            out.append(w)
    return out


def tokens(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Normalised words of a problem text (lexicon terms kept whole, stop words removed)."""
    lex = lexicon or load_lexicon()
    return segment(lex.fix(normalise_text(text)), lex)


def char_bigrams(norm: str) -> list[str]:
    """Chinese character bigrams within each run of Chinese characters (never across a space)."""
    out: list[str] = []
    for run in _CJK.findall(norm):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


_BATCH = re.compile(
    r"(?:批次号?|批号)\s*[:：]?\s*([A-Za-z]{0,3}\d{3,}[A-Za-z0-9-]*)|([A-Za-z]{1,3}\d{3,})\s*批次"
)


def batch_in_text(text: str) -> str | None:
    """A batch number mentioned in a problem text (`批次 B2309`, `B2311 批次`), for forms without a batch column."""
    m = _BATCH.search(text)
    return (m.group(1) or m.group(2)).upper() if m else None
