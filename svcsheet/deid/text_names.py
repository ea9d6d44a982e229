"""Personal names typed inside free text (我是张伟，… · 联系人王小明 · 请联系陈静女士), found from cues.

The names in a run's name fields are replaced by ``Deidentifier.free_text`` already; this finds the others. A name
is a known surname (single or compound) and one or two given-name characters, taken only where a cue says a person
is meant:

- a cue before it (我是, 我叫, 联系人, 客户, 师傅, 跟, 找, 联系 …) and a boundary after it (punctuation, an honorific,
  a verb or particle such as 说/反映/上门/的/了);
- an honorific right after it (陈静女士, 刘建国师傅);
- the start of a sentence and a speech verb after it (张三丰说…, 王芳反映…).

Each candidate is then checked against rjieba's dictionary, on a few characters around it (never a whole text):
refused when a dictionary word runs across its start or end (由于, 和平时, 关系不大) or when the word starting at its
surname is a common word (马桶, 毛巾, 高速公路, 王者荣耀, 项目经理; by frequency: the dictionary's tags call 毛巾 a
person name). Masks follow the spec: surname + honorific when one follows (陈静女士 → 陈女士), else surname + ``**``
(王小明 → 王**), compound surnames kept whole (欧阳娜娜 → 欧阳**). A masked text holds no candidate again (``*`` is
never a given-name character), so masking is idempotent. The rule, its limits and its measured precision and recall:
docs/deid-names.md.
"""

from __future__ import annotations

import re
from functools import lru_cache

import rjieba  # the module-level instance: nothing in svcsheet adds words to it (textnorm has its own)

# Surnames. Source: the classic 《百家姓》 (public domain), kept to the single surnames still common today, plus
# the 100 most common surnames of the Ministry of Public Security's 《二〇二〇年全国姓名报告》 that it lacks (付, 闫,
# 覃 …). Rare surnames that are everyday words (水, 花, 家, 通, 空, 都, 能, 别 …) are left out on purpose: they
# would match far more words than names; so are 单 (工单, 派单: everywhere in service texts) and 向 (向客服反映).
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
    "姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔常汤康易乔赖文"
    "施柳鲍岑倪滕殷毕安齐伍元卜穆萧湛祁米臧成庞纪舒屈项祝阮蓝闵席季麻强娄童颜梅盛刁骆樊凌霍虞柯管房裘缪解宗"
    "宣郁洪包左吉邢裴荣翁荀甄封储靳井焦巴谷车仲宫宁仇栾甘厉戎祖符景詹幸韶蒲鄂卓蔺屠蒙池胥闻党翟劳姬申冉桑"
    "桂牛燕冀尚农温庄晏柴瞿阎连茹艾鱼容古慎戈衡耿满匡寇欧隆聂晁敖冷辛阚简饶沙鞠丰关查荆游权盖桓邬卞喻褚卫"
    "尤"
)
# The compound surnames of 《百家姓》 (the de-identifier keeps them whole when it masks a name field too).
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 轩辕"
    " 钟离 闾丘 端木 百里 东郭 南宫 西门 呼延 万俟 闻人 赫连 独孤 拓跋 第五 左丘 鲜于 司空 亓官 司寇 巫马 公西 漆雕"
    " 乐正 壤驷 公良 夹谷 宰父 谷梁 段干 公羊 梁丘 微生 羊舌 东门 仲孙".split()
)
# Honorifics typed after a name: the name becomes surname + honorific (陈静女士 → 陈女士). Not 总 (温泉总共,
# 巴士总站) nor a bare 姐/哥.
HONORIFICS = "先生 女士 小姐 太太 夫人 师傅 老师 经理 主管 主任 老板 医生 工程师 同学 阿姨 叔叔 大爷 大妈 大姐 大哥".split()
# Words before a name that say a person is meant: roles and "I am" say it strongly (after them a name may end at
# punctuation); so do verbs whose object is a person (联系, 致电, 转告). Prepositions and light verbs (跟, 和, 找,
# 让) stand as often before things (和毛巾，, 跟盖饭似的): after them the name must be followed by an honorific or by
# what a person does (说, 沟通, 上门, 确认 …).
STRONG_CUES = (
    "我是 我叫 本人 名叫 叫做 姓名 联系人 收货人 收件人 寄件人 客户 用户 顾客 业主 买家 师傅 工程师 维修员 维修工 技术员"
    " 安装工 快递员 配送员 送货员 骑手 客服 店员 店长 销售 导购 经理 主管 老公 老婆 丈夫 妻子 儿子 女儿 父亲 母亲 爱人"
    " 朋友 同事 邻居 联系 致电 转告 转给 交给 询问 问了 委托"
).split()
WEAK_CUES = "跟 和 与 找 请 让 由 给 派 告知 通知".split()
CUES = STRONG_CUES + WEAK_CUES
# What a person does, or when: may follow a name after any cue.
_PERSON_AFTER = (
    "说 称 反映 表示 反馈 投诉 来电 打来 致电 回电 打电话 上门 到场 过来 处理 负责 维修 安装 检测 沟通 联系 确认 回复"
    " 答复 同意 拒绝 要求 希望 告诉 告知 通知 签收 代签 代收 收到 购买 说明 约 一起 商量 协商 帮 需要 今天 昨天 明天 前天 上午"
    " 下午 晚上 当天 刚才 一直 多次 本人 自己"
).split()
# What may also follow a name after a strong cue: punctuation, the end, a particle.
_AFTER = _PERSON_AFTER + "电话 手机 来 去 到 在 也 都 就 又 还 已 已经 的 了 和 跟 与 及 对 向 是 不 没 会 等 让 把 被 给".split()
# Characters common in given names (curated for this rule from the given-name characters most used in China,
# men's, women's and recent ones; without characters that mostly begin ordinary words after a surname character:
# 务 in 房务, 末 in 周末, 客 in 房客, 重 in 慎重). A rare given name is missed rather than a word masked.
GIVEN_CHARS = frozenset(
    "儿伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红鹏燕文辉建国志海小晓宇浩俊博梓涵轩欣怡婷雪琳颖佳慧倩晶丹莉梅凤荣春林峰斌波亮飞鑫玲琴云美金珍莹凯帅健坤龙彬锋毅新宏宁庆东成永峻豪嘉睿哲泽晨阳昊"
    "然宸奕诺依若汐沐一可思雨梦婉娇媛婧妍薇蓉蕾菲璐瑶瑾璇琪瑜珊琦露岚虹彤蓓悦乐心爱雯洁淑贞惠娥翠香花莲菊秋冬夏叶青翔腾骏驰航帆远峥嵘岩山川江河湖清源泉润淼森楠柏松桐杨柳枫榕桦彦贤良善德仁义礼智信忠孝勤俭廉"
    "正诚谦逸安康泰福禄寿喜祥瑞吉祺禧宝珠琼瑛璋琛璟珂玥珏琰瑄瑗瑭璞全中立友宗祖光耀昌盛兴旺利富贵财才学书武雄威猛坚钢铁锐锦钰铭镇钧铮炎焱烨煜炜灿熙照晖晗旭昕昱晟晔暄曦星辰宙天乾伦佩俐伶倚傲儒冰凌凝函初卓南"
    "卿君含启咏品唯培基城墨士壮声奇娴婕媚嫣嫦孜孟季守宜宣家容寒尚少尧展崇巍巧希年幸广庭廷弘彩影征念恒恩愉慈懿扬承振敬斯方施昆昂昭晋晴曼朗朝杉材杭柔栋树格梵棋楚榆槐樱欢毓民汉汝沁沛沫治泓泳洪洲涌淳淇添渊游湘"
    "滢满滨潇澄澜灵炳烁焕爽犇献玄玫环珑琨瑟甜生男畅登益盈真石硕碧祎禹秉程穆章竹笑筱策素紫纯绍维缘群羽翼聪胜舒艺芝芬苗茂茜茵荷莎莺菁萌萱蓝蕊薪虎蝶衡诗谊豫贝赫越跃迪邦醇鉴长闯阔雁雅霖霏靖韵顺颂风飘馨驹骁高鸣"
    "鸿鹤麟黎鼎齐二三四五六七八九大丰之仲佑俏倬元克兵冠凡力勋升卫厚叙娣妮姗姣姿娅婵嫱孺宛寅尊岗岳峦州庚延弦彪微怀恺悠慕戈戎拓攀政敦斐旦旷昀昶晏朋望朴权杏杼柯栩梧檀殿汀沅沧泊济涓淮深渝湛滔漫潮澈濛炫烽焘熠燃"
    "爵牧犀猷琬瑁璨甫畴皓盼眉睦瞻砚祁祯秦稳笛筠篆粲翊翰耘臻舜芮芷苒茗荔菡萧蔚薏藤虞蜜衍裕襄觅言誉谨赞迎逍遥邑郁铃铎闻隽雍霄靓颐馥骞魁鲲黛丞丘亦亭伊伯允兆冉列劲勃匀卉叔呈圣垚境奎妙姝达"
)
# Characters that never stand in a given name here: they begin what follows a name (说, 的, 了 …), are grammar, or
# name places and departments (大堂经理, 管家部).
_NOT_GIVEN = (
    "他她它我你老说讲称反表投来打致回电手上到过去处负维检沟联确答同拒要告通签收购买在也都就又还已的了和跟与及对向是"
    "不没会今昨前下当一多本自等让把被给这那个们吗呢吧啊呀么约帮需很所其却姓部堂厅店馆司科组室队"
)
_PUNCT = r"[\s,.;:!?()\[\]{}<>\"'、，。；：！？（）【】《》「」『』“”‘’…—~～/·-]"

_CJK = r"[\u4e00-\u9fff]"


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


_SURNAME = rf"(?:{_alt(COMPOUND_SURNAMES)}|[{''.join(sorted(SINGLE_SURNAMES))}])"
_GIVEN_CHAR = rf"(?!{_alt(HONORIFICS)})[{''.join(sorted(GIVEN_CHARS - set(_NOT_GIVEN)))}]"
_HONORIFIC = rf"(?:{_alt(HONORIFICS)})"
_SPEECH = "说 称 反映 表示 反馈 投诉 来电 打来 致电".split()


def _name(n: int) -> str:
    # 子 starts given names (子豪, 子涵) but alone after a surname it is a word (西门子, 王子)
    return rf"(?P<sur{n}>{_SURNAME})(?P<given{n}>子{_GIVEN_CHAR}|(?:{_GIVEN_CHAR}){{1,2}})"


_PATTERN = re.compile(
    # a strong cue, the name, then a boundary
    rf"(?P<cue1>{_alt(STRONG_CUES)})[:：\s]{{0,2}}{_name(1)}(?={_PUNCT}|$|{_HONORIFIC}|{_alt(_AFTER)})"
    # a weak cue, the name, then an honorific or what a person does
    rf"|(?P<cue2>{_alt(WEAK_CUES)}){_name(2)}(?={_HONORIFIC}|{_alt(_PERSON_AFTER)})"
    # the name right before an honorific
    rf"|{_name(3)}(?={_HONORIFIC})"
    # the start of a sentence, the name and a speech verb
    rf"|(?:^|(?<={_PUNCT})){_name(4)}(?={_alt(_SPEECH)})"
)
_HONORIFIC_AT = re.compile(_HONORIFIC)
_STRONG = frozenset(STRONG_CUES)
# no surname has an ASCII character, so a text of ASCII characters holds no name (``isascii`` is O(1))
_NON_ASCII_SURNAMES = not any(ch.isascii() for s in SINGLE_SURNAMES | COMPOUND_SURNAMES for ch in s)
# rjieba's dictionary frequencies from which a word starting at the surname is an ordinary word rather than a
# name the dictionary happens to list; its tags do not tell (毛巾 466 is tagged "nr", like 李娜 439). After a
# weak cue a listed word of 20 or more is a word (毛巾, 沙拉 50, 李宁 61; not 王小明 4); after a strong cue, before
# an honorific or before a speech verb only a very common one is (顾客 1366, 项目 13258, 维修 1678; not 高明 792).
_COMMON = {False: 20, True: 1000}
# ... and from which the given name alone is an ordinary word (单|系统, 王|明天) rather than a given name that is
# also a word (建华 342, 红梅 190, 建平 529).
_COMMON_GIVEN = {False: 1000, True: 2000}
_WINDOW = 6  # characters of context on each side given to the segmenter


def find_text_names(text: str) -> list[tuple[int, int, int]]:
    """(start, surname end, end) of each personal name found in ``text``, in order, not overlapping."""
    if text.isascii() and _NON_ASCII_SURNAMES:
        return []  # every match holds a surname (ticket ids, serials and models are ASCII: ~20,000 a week)
    found: list[tuple[int, int, int]] = []
    pos = 0
    while True:
        m = _PATTERN.search(text, pos)
        if m is None:
            return found
        n = next(i for i in (1, 2, 3, 4) if m.group(f"sur{i}"))
        start, sur_end = m.span(f"sur{n}")
        end = m.end(f"given{n}")
        # Left context decides whether the surname is glued into a word (由于, 和平; 联系|陈 is fine); after a
        # cue word of two characters or more (本人, 快递员) or at a sentence start there is none to look at.
        lo = m.start() if n == 2 else max(0, start - _WINDOW) if n == 3 else start
        strong = n != 2
        if _is_name(text, lo, start, sur_end, end, strong):
            found.append((start, sur_end, end))
            pos = end
        else:
            pos = start + 1 if start > m.start() else m.start() + 1


def _is_name(text: str, lo: int, start: int, sur_end: int, end: int, strong: bool) -> bool:
    """rjieba's dictionary agrees: no word runs across the name's start or end, no common word starts at its
    surname, and the given name is not a very common word."""
    if text[sur_end] == text[sur_end - 1]:
        return False  # 谢谢
    for w_start, w_end, word in _words(text[lo : min(len(text), end + _WINDOW)]):
        a, b = lo + w_start, lo + w_end
        if a < start < b or a < end < b:
            return False  # 由于我, 和平时; 宫保|据说, 关系不大
        if a == start and b > sur_end and rjieba.suggest_freq(word) >= _COMMON[strong]:
            return False  # 毛巾, 顾客, 高速公路
        if sur_end <= a and b - a > 1 and b <= end and rjieba.suggest_freq(word) >= _COMMON_GIVEN[strong]:
            return False
    return True


@lru_cache(maxsize=8192)
def _words(window: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, word) of the window's dictionary segmentation (no HMM: unknown names stay in pieces)."""
    spans, pos = [], 0
    for word in rjieba.cut(window, False):
        spans.append((pos, pos + len(word), word))
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
