"""Round 5: complaints in wording nobody wrote a lexicon rule for (goods of any kind: food, fruit, shampoo)."""

from __future__ import annotations

import glob

import yaml

from svcsheet.common_issues.cluster import ProblemText, cluster_problems
from svcsheet.common_issues.problem_terms import phrases
from svcsheet.common_issues.textnorm import load_lexicon, normalise_text
from svcsheet.resources import data_path

LEX = load_lexicon()
# other problems of the same kinds of goods, in the same batch: they must stay out of the issue
FOOD = ["送餐太慢了，等了两个小时", "骑手态度很差，还把汤洒了", "分量太少，根本吃不饱", "米饭太硬，像没煮熟"]
HAIR_CARE = [
    "头发越洗越油，第二天就塌了",
    "洗完头发很干，像稻草一样",
    "头发洗完很顺滑，就是香味太浓",
    "泵头按不下去，挤不出来",
]
FRUIT = ["橙子个头太小，和图片不一样", "快递把箱子压扁了", "橙子很甜，包装也好"]


def _issues(texts: list[str], others: list[str]) -> list[list[int]]:
    items = [ProblemText(f"u{i:02d}", t, f"c{i}", "issue_feedback") for i, t in enumerate(texts + others)]
    return [sorted(int(u[1:]) for u in c.uids) for c in cluster_problems(items).common]


def _found(text: str) -> set[str]:
    return phrases(LEX.fix(normalise_text(text)), LEX)[0]


def test_what_a_customer_found_in_the_food_is_the_problem():
    # 有头发 / 吃出一根头发: three customers, three stories around one hair in the meal; a shampoo review that
    # names 头发 for another reason stays out
    texts = [
        "配送小哥辛苦了，之所以差评，是因为饭里居然有头发！受不了",
        "11点定的，1点多送到，打开就发现饼里面有一根头发",
        "味道一般吧，而且吃出一根头发",
    ]
    assert _issues(texts, FOOD + HAIR_CARE[2:3]) == [[0, 1, 2]]


def test_food_that_arrived_cold_is_one_issue():
    texts = ["外卖送到的时候饭菜都凉了", "送来的菜已经凉了，不想吃", "米饭送到都凉了，没法吃"]
    assert _issues(texts, FOOD) == [[0, 1, 2]]


def test_an_itchy_scalp_in_three_wordings_is_one_issue():
    # 很痒 / 发痒 / 痒得厉害: the complaint character of the skin, however it is said; oily or dry hair is another problem
    texts = ["用了几天头皮很痒，不知道是不是过敏", "用了以后头皮发痒，还起了小红点", "头皮痒得厉害，越洗越痒"]
    assert _issues(texts, HAIR_CARE) == [[0, 1, 2]]


def test_sour_fruit_is_one_issue_without_the_other_orange_complaints():
    # 酸 is the core, not 橙子, which a fourth customer names for small fruit and a fifth in praise
    texts = ["橙子太酸了，一点都不甜", "买的橙子酸得没法吃", "这次的橙子特别酸"]
    assert _issues(texts, FRUIT) == [[0, 1, 2]]


def test_phrases_for_taste_skin_and_what_was_found():
    assert {"痒", "头皮痒"} <= _found("头皮很痒")
    assert "痒" in _found("头皮发痒")  # 发痒 says 痒
    assert "酸" in _found("橙子酸得没法吃")  # 酸得 is one word to the segmenter
    assert "凉" in _found("送来的都凉了")
    assert "有头发" in _found("吃出一根头发")
    assert "有头发" in _found("饭里居然有头发")
    assert not {
        t for t in _found("屏幕上有一道划痕") if t.startswith("有")
    }  # 划痕: the lexicon's concept says it
    assert not {t for t in _found("还有什么问题") if t.startswith("有")}  # 问题 is a generic word


def test_no_template_repeats_a_key():
    # YAML keeps only the last of two equal keys: a second `patterns:` once hid the first (没配数据线 never matched)
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(k) for k, _v in node.value]
        repeated = {k for k in keys if keys.count(k) > 1}
        assert not repeated, f"{node.start_mark}: {sorted(map(str, repeated))}"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    files = glob.glob(str(data_path("lexicon", "guard.yaml").parent.parent / "**" / "*.yaml"), recursive=True)
    assert len(files) >= 8
    for f in files:
        with open(f, encoding="utf-8") as fh:
            yaml.load(fh, Loader=Strict)  # noqa: S506 (a SafeLoader subclass)


def test_a_part_that_does_not_work_on_arrival_is_not_transit_damage():
    # 坏 after a delivery cue says it does not work (a defect), not that it took a blow on the way
    transit = [
        "快递送到箱子都压扁了，里面的杯子碎了",
        "收到时外包装破了，机器侧面凹了一块",
        "到货发现屏幕碎了，运输太暴力",
    ]
    defects = ["收到货开机发现硬盘坏了", "到手第二天键盘就坏了几个键"]
    items = [ProblemText(f"u{i}", t, f"c{i}", "issue_feedback") for i, t in enumerate(transit + defects)]
    res = cluster_problems(items)
    assert [c.uids for c in res.common] == [("u0", "u1", "u2")]
