"""Common issues (共性问题): clustering of problem texts and the distinct-customer rule; the per-text work done once
per distinct wording still tells apart the product of each row."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.common_issues.cluster import ProblemText, cluster_problems
from svcsheet.common_issues.textnorm import normalise_text, tokens
from svcsheet.errors import PolicyError

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load_eval_module():
    spec = importlib.util.spec_from_file_location("eval_common_issues", BENCH / "eval_common_issues.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


EVAL = _load_eval_module()


def P(uid, text, customer="c1", form="issue_feedback", model=None, batch=None, department=None):
    return ProblemText(uid, text, customer, form, model, batch, department)


# --- normalisation -----------------------------------------------------------------------------------


def test_normalise_full_width_masks_models_and_fault_codes():
    n = normalise_text("客户１３８****５６７８反映：张**家的ＫＦＲ-35GW空调报Ｅ３，[已删除]")
    assert "138" not in n and "5678" not in n and "*" not in n and "张" not in n and "已删除" not in n
    assert "kfr" not in n and "35" not in n  # model numbers carry no problem meaning
    assert "e3" in n.split()  # a fault code does
    assert "：" not in n and "，" not in n


def test_tokens_keep_lexicon_terms_whole_and_drop_stop_words():
    toks = tokens("客户反映洗衣机漏水，麻烦尽快处理")
    assert "洗衣机" in toks and "漏水" in toks
    assert "客户" not in toks and "麻烦" not in toks


# --- the distinct-customer rule ------------------------------------------------------------------------


def test_three_rows_from_one_customer_is_not_common():
    res = cluster_problems([P(f"u{i}", "洗衣机不脱水", customer="same") for i in range(3)])
    assert res.common == []
    assert len(set(res.cluster_of.values())) == 1


def test_two_customers_is_not_common_three_is():
    two = [P("a", "洗衣机不脱水", "c1"), P("b", "洗衣机甩不干", "c2"), P("c", "洗衣机脱水失败", "c2")]
    assert cluster_problems(two).common == []
    three = two + [P("d", "洗衣机无法脱水", "c3")]
    res = cluster_problems(three)
    assert len(res.common) == 1
    issue = res.common[0]
    assert issue.customers == 3 and issue.rows == 4 and issue.uids == ("a", "b", "c", "d")
    assert all(res.common_id(u) == issue.id for u in "abcd")


def test_text_without_customer_joins_its_cluster_but_counts_for_no_customer():
    res = cluster_problems([P(f"u{i}", "物流太慢，一直没送到", customer=None) for i in range(3)])
    assert res.common == [] and len(set(res.cluster_of.values())) == 1
    two = [P("u1", "物流太慢", None), P("u2", "快递慢", "c1"), P("u3", "发货慢", "c2"), P("u4", "物流慢", "")]
    res = cluster_problems(two)
    assert res.common == []  # two known customers plus rows without one: not a common issue
    assert len({res.cluster_of[u] for u in ("u1", "u2", "u3", "u4")}) == 1
    res = cluster_problems(two + [P("u5", "快递一直没到", "c3")])
    issue = res.common[0]
    assert issue.customers == 3 and issue.rows == 5 and issue.unknown_customer_rows == 2
    assert {"u1", "u4"} <= set(issue.uids)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["c1", "c2", "c3", None]), min_size=1, max_size=8))
def test_only_known_customers_count(customers):
    items = [P(f"u{i}", "洗衣机不脱水", c) for i, c in enumerate(customers)]
    res = cluster_problems(items)
    known = {c for c in customers if c}
    if len(known) >= 3:
        assert len(res.common) == 1 and res.common[0].customers == len(known)
        assert res.common[0].unknown_customer_rows == customers.count(None)
    else:
        assert res.common == []


# --- what belongs together and what not ----------------------------------------------------------------


def test_power_on_paraphrases_form_one_cluster():
    texts = ["开机无反应", "无法开机", "按电源键没反应", "通电后不启动"]
    res = cluster_problems([P(f"u{i}", t, f"c{i}", model="HX-P30") for i, t in enumerate(texts)])
    assert len({res.cluster_of[f"u{i}"] for i in range(4)}) == 1
    assert len(res.common) == 1 and res.common[0].customers == 4


def test_water_leak_and_electric_leak_stay_apart():
    items = [P(f"w{i}", t, f"c{i}") for i, t in enumerate(["洗衣机漏水", "洗衣机底部渗水", "洗衣机一直滴水"])]
    items += [
        P(f"e{i}", t, f"d{i}") for i, t in enumerate(["洗衣机漏电", "洗衣机外壳麻手", "洗衣机漏电跳闸"])
    ]
    res = cluster_problems(items)
    water = {res.cluster_of[f"w{i}"] for i in range(3)}
    electric = {res.cluster_of[f"e{i}"] for i in range(3)}
    assert len(water) == 1 and len(electric) == 1 and water != electric
    assert sorted(c.label for c in res.common) == ["洗衣机漏水", "洗衣机漏电"]


def test_transit_damage_is_one_family_and_a_plain_scratch_is_another():
    transit = [
        "外包装破损，纸箱烂了一个角",
        "货物破损",
        "拆箱发现机身被压凹了",
        "快递送到时外壳已经磕掉一块漆",
    ]
    scratch = ["洗衣机外壳有一道划痕", "洗衣机面板刮花了", "洗衣机侧板掉漆"]
    items = [P(f"t{i}", t, f"c{i}", model="XQG100-B14") for i, t in enumerate(transit)]
    items += [P(f"s{i}", t, f"d{i}", model="XQG100-B14") for i, t in enumerate(scratch)]
    res = cluster_problems(items)
    t_ids = {res.cluster_of[f"t{i}"] for i in range(len(transit))}
    s_ids = {res.cluster_of[f"s{i}"] for i in range(len(scratch))}
    assert len(t_ids) == 1 and len(s_ids) == 1 and t_ids != s_ids
    # two customers with scratches stay a two-customer problem, whatever the transit cluster holds
    res = cluster_problems(items[: len(transit)] + items[len(transit) : len(transit) + 2])
    assert [c.customers for c in res.common] == [len(transit)]


def test_slow_refund_is_not_slow_delivery():
    refund = ["退货寄回去一周了，退款还没到账", "退款太慢，一直显示处理中", "货已经退回去了，钱迟迟不退"]
    late = ["说好三天送到，结果晚了四天", "快递在路上走了十天", "比预计到货晚了一个星期"]
    items = [P(f"r{i}", t, f"c{i}") for i, t in enumerate(refund)]
    items += [P(f"l{i}", t, f"d{i}") for i, t in enumerate(late)]
    res = cluster_problems(items)
    assert len({res.cluster_of[f"r{i}"] for i in range(3)}) == 1
    assert len({res.cluster_of[f"l{i}"] for i in range(3)}) == 1
    assert res.cluster_of["r0"] != res.cluster_of["l0"]
    assert sorted(c.label for c in res.common) == ["物流延迟", "退款未到账"]


def test_same_symptom_on_different_products_is_two_problems():
    items = [P(f"a{i}", "空调漏水", f"c{i}") for i in range(3)] + [
        P(f"b{i}", "洗衣机漏水", f"d{i}") for i in range(3)
    ]
    res = cluster_problems(items)
    assert res.cluster_of["a0"] != res.cluster_of["b0"]
    assert len(res.common) == 2


def test_masked_personal_data_creates_no_similarity():
    items = [
        P("u1", "张** 138****5678 咨询会员积分怎么兑换", "c1"),
        P("u2", "张** 138****5678 想了解延保套餐价格", "c2"),
        P("u3", "张** 138****5678 门店营业时间是几点", "c3"),
    ]
    res = cluster_problems(items)
    assert len(set(res.cluster_of.values())) == 3
    assert res.common == []


# --- what a common issue reports -------------------------------------------------------------------------


def test_dominant_batch_is_flagged_only_when_it_holds_most_rows():
    rows = [
        ("B2403", "手机掉电快"),
        ("B2403", "手机续航短"),
        ("B2403", "手机待机时间短"),
        ("B2402", "手机耗电快"),
    ]
    res = cluster_problems([P(f"u{i}", t, f"c{i}", batch=b, model="HX-P30") for i, (b, t) in enumerate(rows)])
    issue = res.common[0]
    assert issue.dominant_batch == "B2403"
    assert issue.batches == (("B2403", 3), ("B2402", 1))
    assert issue.models == (("HX-P30", 4),)
    even = [P(f"v{i}", t, f"c{i}", batch=f"B{i % 2}") for i, (_, t) in enumerate(rows)]
    assert cluster_problems(even).common[0].dominant_batch is None


def test_issue_lists_forms_departments_and_examples_from_the_input():
    items = [
        P("u1", "空调不制冷，吹出来是热风", "c1", form="service_feedback", department="售后部"),
        P("u2", "空调制冷效果差", "c2", form="response_log", department="技术部"),
        P("u3", "空调不凉快", "c3", form="complaint_followup"),
        P("u4", "空调不制冷", "c4", form="service_card", department="技术部"),
    ]
    res = cluster_problems(items)
    issue = res.common[0]
    assert issue.label == "空调不制冷"
    assert issue.forms == ("complaint_followup", "response_log", "service_card", "service_feedback")
    assert issue.departments == ("售后部", "技术部")
    assert 2 <= len(issue.examples) <= 3
    given_texts = {it.text for it in items}
    assert set(issue.examples) <= given_texts and len(set(issue.examples)) == len(issue.examples)


def test_every_text_gets_a_cluster_id_and_ids_are_stable_across_runs():
    base = [P(f"u{i}", t, f"c{i}") for i, t in enumerate(["冰箱不制冷", "冰箱不冷了", "冰箱制冷差"])]
    other = [P("x1", "想要一份电子版说明书", "c9"), P("x2", "APP闪退", "c8")]
    r1 = cluster_problems(base)
    r2 = cluster_problems(base + other)
    assert set(r2.cluster_of) == {it.uid for it in base + other}
    assert all(re.fullmatch(r"GX-[0-9a-f]{6}", cid) for cid in r2.cluster_of.values())
    assert r1.common[0].id == r2.common_id("u0")  # the same problem keeps its id when other texts come and go


@settings(max_examples=15, deadline=None)
@given(st.permutations(range(60)))
def test_input_order_changes_nothing(order):
    rows = EVAL.load_eval()[:60]
    items = EVAL.to_items(rows)
    ref = cluster_problems(items)
    res = cluster_problems([items[i] for i in order])
    assert res.cluster_of == ref.cluster_of
    assert res.common == ref.common


# --- evaluation set ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eval_rows():
    return EVAL.load_eval()


@pytest.fixture(scope="module")
def eval_result(eval_rows):
    return cluster_problems(EVAL.to_items(eval_rows))


def test_eval_set_is_big_and_varied_enough(eval_rows):
    assert len(eval_rows) >= 300
    assert len({r["family"] for r in eval_rows}) >= 20
    assert {"two_customers", "one_customer", "shared_words", "confusable"} <= {r["decoy"] for r in eval_rows}
    assert any(not r["customer"] for r in eval_rows if r["decoy"] == "two_customers")
    assert any(r["split"].startswith("heldout") for r in eval_rows)


@pytest.mark.parametrize("kind", ["two_customers", "one_customer", "shared_words"])
def test_no_decoy_is_flagged(kind, eval_rows, eval_result):
    decoys = [r for r in eval_rows if r["decoy"] == kind]
    assert decoys
    flagged = [r["uid"] for r in decoys if eval_result.common_id(r["uid"])]
    assert flagged == []


def test_confusable_rows_are_not_flagged_under_the_other_family(eval_rows, eval_result):
    # 退款慢 vs 物流慢, 外观划伤 vs 包装破损: each row may only be flagged with its own family's rows
    family = {r["uid"]: r["family"] for r in eval_rows}
    members: dict = {}
    for r in eval_rows:
        cid = eval_result.common_id(r["uid"])
        if cid:
            members.setdefault(cid, []).append(r["family"])
    rows = [r for r in eval_rows if r["decoy"] == "confusable"]
    assert len({r["family"] for r in rows}) >= 3
    for r in rows:
        cid = eval_result.common_id(r["uid"])
        if cid:
            fams = members[cid]
            assert max(set(fams), key=fams.count) == family[r["uid"]], r["text"]


def test_eval_targets_are_met(eval_rows, eval_result):
    s = EVAL.score(eval_rows, eval_result)
    for key, target in EVAL.TARGETS.items():
        assert s[key] >= target, (key, s[key])
    assert s["decoys_flagged"] == []


def test_scoring_fails_a_bad_clustering(eval_rows):
    # Everything in one cluster: one huge "common issue" -> the targets must not be met.
    items = [ProblemText(r["uid"], "空调不制冷", r["customer"] or None, r["form"]) for r in eval_rows]
    s = EVAL.score(eval_rows, cluster_problems(items))
    assert s["ari"] < 0.1 and s["issue_recall"] < 0.9 and s["decoys_flagged"]


# --- settings and the editable lexicon ----------------------------------------------------------------------


def test_bad_settings_are_policy_errors():
    with pytest.raises(PolicyError):
        cluster_problems([], {"min_customers": 0})
    with pytest.raises(PolicyError):
        cluster_problems([], {"threshold": 2})
    with pytest.raises(PolicyError):
        cluster_problems([], {"no_such_key": 1})
    with pytest.raises(PolicyError):
        cluster_problems([P("a", "x"), P("a", "y")])


def test_min_customers_setting(eval_rows):
    items = [P(f"u{i}", "物流太慢", f"c{i}") for i in range(2)]
    assert cluster_problems(items).common == []
    assert len(cluster_problems(items, {"min_customers": 2}).common) == 1


def test_a_team_can_add_a_concept_to_its_lexicon(tmp_path):
    lex = tmp_path / "lex.yaml"
    lex.write_text(
        "products:\n  净水器: {terms: [净水器]}\nconcepts:\n"
        "  - {id: tds_high, label: 出水TDS偏高, scope: product, terms: [tds高, tds偏高, 水质检测不合格, 数值超标]}\n"
        "stop_words: [客户]\n",
        encoding="utf-8",
    )
    items = [  # three wordings that share no word: only the team's concept knows they are one problem
        P("a", "净水器TDS高", "c1"),
        P("b", "净水器拿笔测了一下数值超标", "c2"),
        P("c", "净水器水质检测不合格", "c3"),
    ]
    default = cluster_problems(items)
    custom = cluster_problems(items, {"lexicon": str(lex)})
    assert len({custom.cluster_of[u] for u in "abc"}) == 1
    assert custom.common[0].label == "净水器出水TDS偏高"
    assert len({default.cluster_of[u] for u in "abc"}) > 1  # the shipped lexicon does not know this concept


def _concept_of(text: str) -> str | None:
    from svcsheet.common_issues.cluster import _first_concept, _matcher
    from svcsheet.common_issues.textnorm import load_lexicon, normalise_text

    lex = load_lexicon()
    c, _, _ = _first_concept(lex.fix(normalise_text(text)), lex, _matcher(lex))
    return None if c is None else lex.concepts[c].id


@pytest.mark.parametrize(
    "text, concept",
    [
        ("没有故障码，就是不出热水", None),  # 没有故障码 is an absence: the fault code concept is not named
        ("机器不漏水了", None),
        ("车开到磊错发动机就抖", None),  # a place name ending in 错, then 发动机: not 错发
        ("商家错发了型号", "wrong_parts"),
        ("屏幕有点模糊，看不清", None),  # 模糊 is not a burnt smell
        ("插座那边有糊味", "burnt_smell"),
        ("屏幕摔了一下就裂了", "cracked"),  # a crack is not a scratch (外观划伤磕碰 held both on real text)
        ("洗衣机外壳有划痕", "appearance"),
        ("少送了饮料", "wrong_parts"),
        ("送餐太慢，每次都超时", "logistics"),
        ("服务员的态度还不错", None),  # praise of the staff is not rude service
        ("前台服务人员态度极其冷淡", "rude_service"),
        ("裤子洗了两次就掉色", "fading"),
        ("房间不隔音，吵得睡不着", "soundproof"),
    ],
)
def test_concepts_are_matched_with_negation_and_word_boundaries(text, concept):
    assert _concept_of(text) == concept


def test_a_text_that_names_no_product_gets_no_product():
    # the only product seen with noise is 手机, but the fan texts name none: they are not 手机 texts
    items = [
        ProblemText("p1", "手机听筒有杂音", "p", "issue_feedback"),
        ProblemText("f1", "风扇噪音很大，晚上特别吵", "a", "issue_feedback"),
        ProblemText("f2", "开机风扇噪音大", "b", "issue_feedback"),
        ProblemText("f3", "风扇噪音太大了", "c", "issue_feedback"),
    ]
    [issue] = cluster_problems(items).common
    assert set(issue.uids) >= {"f1", "f2", "f3"} and "手机" not in issue.label


def test_no_texts_no_issues():
    result = cluster_problems([])
    assert result.common == [] and result.cluster_of == {}


# --- precision guard (real complaints: a generic complaint word must not make a common issue) ----------


@pytest.mark.parametrize(
    "texts",
    [
        ["酒店房间太贵了，不值", "热水器安装费太贵", "外卖太贵了，分量少", "这款手机太贵了"],
        ["酒店房间太吵了，一晚没睡好", "笔记本风扇太吵", "餐厅里太吵了，说话听不见", "洗衣机脱水的时候太吵"],
    ],
)
def test_a_generic_complaint_word_alone_makes_no_common_issue(texts):
    items = [P(f"u{i}", t, f"c{i}") for i, t in enumerate(texts)]
    assert cluster_problems(items).common == []


def test_without_the_guard_the_generic_word_would_flag_a_mixture():
    # the guard is what keeps 贵 for a room, a dinner and a phone apart (setting kept for the comparison)
    texts = ["酒店房间太贵了，不值", "热水器安装费太贵", "外卖太贵了，分量少", "这款手机太贵了"]
    items = [P(f"u{i}", t, f"c{i}") for i, t in enumerate(texts)]
    assert cluster_problems(items, {"guard": False}).common != []


def test_cracked_and_scratched_screens_are_two_pure_issues():
    scratched = ["手机屏幕有划痕", "屏幕上有一道划痕", "刚拿到屏幕就有划痕"]
    cracked = ["手机屏幕裂开了", "屏幕摔了一下就裂了", "屏幕出现裂纹"]
    items = [P(f"s{i}", t, f"a{i}") for i, t in enumerate(scratched)]
    items += [P(f"k{i}", t, f"b{i}") for i, t in enumerate(cracked)]
    res = cluster_problems(items)
    assert sorted(c.uids for c in res.common) == [("k0", "k1", "k2"), ("s0", "s1", "s2")]
    assert len({c.id for c in res.common}) == 2


def test_guard_split_parts_get_distinct_ids_and_every_text_a_cluster():
    # one concept cluster the guard splits: each part keeps its own id, no text is lost
    texts = ["屏幕有划痕", "屏幕有划痕，很明显", "屏幕划痕好多", "一般般，色差有点大", "色差太明显"]
    items = [P(f"u{i}", t, f"c{i}") for i, t in enumerate(texts)]
    res = cluster_problems(items)
    assert set(res.cluster_of) == {f"u{i}" for i in range(5)}
    [issue] = res.common
    assert issue.uids == ("u0", "u1", "u2")
    assert res.cluster_of["u3"] != issue.id


def test_the_part_named_before_a_symptom_keeps_two_car_problems_apart():
    # car complaints name no product; 开裂 of a tyre and of a windscreen are two problems (lexicon `by_part`)
    tyres = ["速腾轮胎开裂影响安全", "朗逸四条轮胎出现裂纹", "逍客轮胎有裂纹希望处理"]
    screens = ["天籁前挡风玻璃自然开裂", "宝马6系前挡风玻璃开裂了", "前挡风玻璃出现裂纹"]
    items = [P(f"t{i}", t, f"a{i}") for i, t in enumerate(tyres)]
    items += [P(f"w{i}", t, f"b{i}") for i, t in enumerate(screens)]
    res = cluster_problems(items)
    assert sorted(c.uids for c in res.common) == [("t0", "t1", "t2"), ("w0", "w1", "w2")]



def test_shared_praise_in_chatty_reviews_makes_no_common_issue():
    praise = "外观漂亮大方，散热设计合理，"
    different = ["就是电池不耐用", "可惜键盘松动", "但是摄像头模糊", "只是音箱有杂音"]
    items = [P(f"d{i}", praise + t, f"a{i}") for i, t in enumerate(different)]
    assert cluster_problems(items).common == []  # what the customers like is not their problem
    same = ["就是风扇噪音很大", "可惜风扇噪音太大", "但是风扇噪音大"]
    items += [P(f"s{i}", praise + t, f"b{i}") for i, t in enumerate(same)]
    res = cluster_problems(items)
    assert [c.uids for c in res.common] == [("s0", "s1", "s2")]


def test_the_story_around_different_complaints_makes_no_common_issue():
    story = "老婆生日买给她的，结果"
    texts = ["快递送了五天才到", "赠品没有给", "第二天就降价了", "客服一直不回复"]
    assert cluster_problems([P(f"u{i}", story + t, f"c{i}") for i, t in enumerate(texts)]).common == []


def test_a_concept_named_in_praise_is_not_the_problem():
    assert _concept_of("物流很快，客服态度也很好，就是噪音有点大") == "noise"
    assert _concept_of("客服态度不满意") == "rude_service"


TEXT = "开机后不制冷，一直吹热风"


def test_one_text_of_two_products_by_model_is_two_issues() -> None:
    """The same wording typed for an air conditioner (KFR-) and a fridge (BCD-), by the model cell or a model
    number in the text, is two common issues: the product comes from the row, not only from its wording."""
    items = []
    for i in range(3):
        items.append(ProblemText(f"a{i}", TEXT, f"ca{i}", "issue_feedback", "KFR-35GW"))
        items.append(ProblemText(f"b{i}", TEXT, f"cb{i}", "issue_feedback", "BCD-470WDPF"))
        items.append(ProblemText(f"c{i}", "机器型号KFR-35GW，开机后不制冷", f"cc{i}", "issue_feedback"))
        items.append(ProblemText(f"d{i}", "机器型号BCD-470，开机后不制冷", f"cd{i}", "issue_feedback"))
    common = cluster_problems(items).common
    assert sorted((c.label, c.uids) for c in common) == [
        ("冰箱不制冷", ("b0", "b1", "b2", "d0", "d1", "d2")),
        ("空调不制冷", ("a0", "a1", "a2", "c0", "c1", "c2")),
    ]


def test_rows_of_one_wording_get_their_own_product_in_their_vector(monkeypatch) -> None:
    """Rows of one wording share its phrases, not their product: each row's vector is its product's."""
    from svcsheet.common_issues import cluster

    seen = {}
    real = cluster._vectors

    def spy(rows, lex, cfg):
        got = real(rows, lex, cfg)
        seen["x"], seen["products"] = got[0], [r.product for r in rows]
        return got

    monkeypatch.setattr(cluster, "_vectors", spy)
    models = ["KFR-35GW", "BCD-470WDPF", None, "KFR-26GW", "BCD-215"]
    cluster_problems([ProblemText(f"u{i}", TEXT, f"c{i}", "issue_feedback", m) for i, m in enumerate(models)])
    x, products = seen["x"].toarray(), seen["products"]
    assert products == ["空调", "冰箱", None, "空调", "冰箱"]
    for i in range(len(models)):
        for j in range(len(models)):
            assert np.array_equal(x[i], x[j]) == (products[i] == products[j])
