"""Personal names typed inside free text (我是张伟，… · 联系人王小明 · 请联系陈静女士), found from cues.

The names in a run's name fields are replaced by ``Deidentifier.free_text`` already; this finds the others. A name
is a known surname (single or compound) and one or two given-name characters, taken only where a cue says a person
is meant:

- a cue before it (我是, 我叫, 联系人, 客户, 师傅, 跟, 找, 联系 …) and a boundary after it (punctuation, an honorific,
  a verb or particle such as 说/反映/上门/的/了);
- an honorific right after it (陈静女士, 刘建国师傅);
- the start of a sentence and a speech verb after it (张三丰说…, 王芳反映…).

Each candidate is then checked against rjieba's dictionary (only candidates are segmented, never whole texts): a
candidate is refused when the word starting at its surname is a dictionary word that is not a person name (马桶,
金色, 方便, 高速公路, 王者荣耀, 项目经理) or when a word runs across its start (联系 in 联系陈…). Masks follow the
spec: surname + honorific when one follows (陈静女士 → 陈女士), else surname + ``**`` (王小明 → 王**), compound
surnames kept whole (欧阳娜娜 → 欧阳**). A masked text holds no candidate again (``*`` is never a given-name character),
so masking is idempotent.

Brand names that are also personal names (李宁) are masked like names when a cue says a person is meant (跟李宁说);
without a cue they are left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

import rjieba

# Surnames. Source: the classic 《百家姓》 (public domain), kept to the single surnames still common today, plus
# the 100 most common surnames of the Ministry of Public Security's 《二〇二〇年全国姓名报告》 that it lacks (付, 闫,
# 覃 …). Rare surnames that are everyday words (水, 花, 家, 通, 空, 都, 能, 别 …) are left out on purpose: they
# would match far more words than names.
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
    "姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
    "施柳鲍岑倪滕殷毕安齐伍元卜穆萧湛祁米臧成庞纪舒屈项祝阮蓝闵席季麻强娄童颜梅盛刁骆樊凌霍虞柯管房裘缪解宗"
    "宣郁单洪包左吉邢裴荣翁荀甄封储靳井焦巴谷车仲宫宁仇栾甘厉戎祖符景詹幸韶蒲鄂卓蔺屠蒙池胥闻党翟劳姬申冉桑"
    "桂牛燕冀尚农温庄晏柴瞿阎连茹艾鱼容古慎戈衡耿满匡寇欧隆聂晁敖冷辛阚简饶沙鞠丰关查荆游权盖桓邬卞喻褚卫"
    "尤"
)
# The compound surnames of 《百家姓》 (the same list as deidentifier.COMPOUND_SURNAMES; a test keeps them equal).
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 轩辕"
    " 钟离 闾丘 端木 百里 东郭 南宫 西门 呼延 万俟 闻人 赫连 独孤 拓跋 第五 左丘 鲜于 司空 亓官 司寇 巫马 公西 漆雕"
    " 乐正 壤驷 公良 夹谷 宰父 谷梁 段干 公羊 梁丘 微生 羊舌 东门 仲孙".split()
)
# Honorifics typed after a name: the name becomes surname + honorific (陈静女士 → 陈女士).
HONORIFICS = (
    "先生 女士 小姐 太太 夫人 师傅 老师 经理 主管 主任 老板 医生 工程师 同学 阿姨 叔叔 大爷 大妈 大姐 大哥 姐 哥 总"
).split()
# Words before a name that say a person is meant.
CUES = (
    "我是 我叫 本人 名叫 叫做 姓名 联系人 收货人 收件人 寄件人 客户 用户 顾客 业主 买家 师傅 工程师 维修员 维修工 技术员"
    " 安装工 快递员 配送员 送货员 骑手 客服 店员 店长 销售 导购 经理 主管 跟 和 与 找 联系 致电 转告 告知 通知 转给 交给"
    " 询问 问了 请 让 由 给 派 委托 老公 老婆 丈夫 妻子 儿子 女儿 父亲 母亲 爱人 朋友 同事 邻居"
).split()
# What may follow a name (after a cue): punctuation, the end, an honorific, or a verb, particle or time word.
_AFTER = (
    "说 讲 称 反映 表示 反馈 投诉 来电 打来 致电 回电 电话 手机 上门 到场 过来 来 去 到 处理 负责 维修 安装 检测 沟通"
    " 联系 确认 回复 答复 同意 拒绝 要求 希望 告诉 告知 通知 签收 收到 购买 买 在 也 都 就 又 还 已 已经 的 了 和 跟 与"
    " 及 对 向 是 不 没 会 说明 今天 昨天 明天 前天 上午 下午 晚上 当天 刚才 一直 多次 本人 自己 等 让 把 被 给"
).split()
# Characters that never stand in a given name here: they begin what follows a name (说, 的, 了 …) or are grammar.
_NOT_GIVEN = "说讲称反表投来打致回电手上到过去处负维检沟联确答同拒要告通签收购买在也都就又还已的了和跟与及对向是不没会今昨前下当一多本自等让把被给这那个们吗呢吧啊呀么"
_PUNCT = r"[\s,.;:!?()\[\]{}<>\"'、，。；：！？（）【】《》「」『』“”‘’…—~～/·-]"

_CJK = r"[\u4e00-\u9fff]"


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


_SURNAME = rf"(?:{_alt(COMPOUND_SURNAMES)}|[{''.join(sorted(SINGLE_SURNAMES))}])"
_GIVEN_CHAR = rf"(?![{_NOT_GIVEN}])(?!{_alt(HONORIFICS)}){_CJK}"
_NAME = rf"(?P<sur>{_SURNAME})(?P<given>(?:{_GIVEN_CHAR}){{1,2}})"
_HONORIFIC = rf"(?:{_alt(HONORIFICS)})"
_SPEECH = "说 讲 称 反映 表示 反馈 投诉 来电 打来 致电 要求".split()
_PATTERN = re.compile(
    # a cue, then the name, then a boundary
    rf"(?:{_alt(CUES)})[:：\s]{{0,2}}{_NAME}(?={_PUNCT}|$|{_HONORIFIC}|{_alt(_AFTER)})"
    # or the name right before an honorific (a cue is optional)
    rf"|{_NAME.replace('<sur>', '<sur2>').replace('<given>', '<given2>')}(?={_HONORIFIC})"
    # or the start of a sentence, the name and a speech verb
    rf"|(?:^|(?<={_PUNCT})){_NAME.replace('<sur>', '<sur3>').replace('<given>', '<given3>')}(?={_alt(_SPEECH)})"
)
_HONORIFIC_AT = re.compile(_HONORIFIC)
_WINDOW = 6  # characters of context on each side given to the segmenter


def find_text_names(text: str) -> list[tuple[int, int, int]]:
    """(start, surname end, end) of each personal name found in ``text``, in order, not overlapping."""
    found: list[tuple[int, int, int]] = []
    pos = 0
    while True:
        m = _PATTERN.search(text, pos)
        if m is None:
            return found
        group = "sur" if m.group("sur") else "sur2" if m.group("sur2") else "sur3"
        start, sur_end = m.span(group)
        end = m.end(group.replace("sur", "given"))
        if _is_name(text, start, sur_end, end):
            found.append((start, sur_end, end))
            pos = end
        else:
            pos = start + 1 if start > m.start() else m.start() + 1


def _is_name(text: str, start: int, sur_end: int, end: int) -> bool:
    """rjieba's dictionary agrees: no ordinary word starts at the surname or runs across the name's start."""
    lo = max(0, start - _WINDOW)
    for w_start, w_end, tag in _words(text[lo : min(len(text), end + _WINDOW)]):
        a, b = lo + w_start, lo + w_end
        if a < start < b:
            return False  # 联系|陈… is fine, but 客户满意: 满意 is one word
        if a == start:
            return b <= sur_end or tag.startswith("nr")
    return True


@lru_cache(maxsize=8192)
def _words(window: str) -> tuple[tuple[int, int, str], ...]:
    spans, pos = [], 0
    for word, tag in rjieba.tag(window):
        spans.append((pos, pos + len(word), tag))
        pos += len(word)
    return tuple(spans)


def mask_text_names(text: str, mask_char: str = "*") -> tuple[str, bool]:
    """``text`` with every name found masked (surname + honorific, else surname + two mask characters), and
    whether any was found."""
    found = find_text_names(text)
    if not found:
        return text, False
    out, pos = [], 0
    for _start, sur_end, end in found:
        out.append(text[pos:sur_end])
        if not _HONORIFIC_AT.match(text, end):
            out.append(mask_char * 2)
        pos = end
    out.append(text[pos:])
    return "".join(out), True
