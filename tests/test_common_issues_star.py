"""The star guard (round 4): every member of a common issue carries the issue's core problem term."""

from __future__ import annotations

import pytest

from svcsheet.common_issues.cluster import ProblemText, cluster_problems
from svcsheet.errors import PolicyError


def _issues(texts: list[str], settings: dict | None = None) -> list[list[int]]:
    items = [ProblemText(f"u{i}", t, f"c{i}", "issue_feedback") for i, t in enumerate(texts)]
    return [sorted(int(u[1:]) for u in c.uids) for c in cluster_problems(items, settings).common]


def test_a_chain_of_shared_words_does_not_join_two_problems():
    # fan noise shares 风扇 with a text that also names loose keys, which shares 松动 with two keyboard texts:
    # chains made one issue of six; the star keeps the fan noise (the bridge text names it first)
    texts = [
        "风扇噪音大，打游戏更明显",
        "风扇噪音太大了，晚上很吵",
        "风扇噪音大，像吹风机",
        "键盘有异响，按键松动",
        "键盘异响，按键松动了",
        "风扇噪音大，按键松动",
    ]
    assert _issues(texts) == [[0, 1, 2, 5]]
    assert _issues(texts, {"guard_mode": "chain"}) == [[0, 1, 2, 3, 4, 5]]  # round 3's guard, kept to compare


def test_texts_naming_no_product_join_the_products_issue():
    # 音箱 names the product; 电池不耐用 names none but is about the same kind of device: one issue, as in the
    # sample workbooks (音箱电池续航短 of 8 customers)
    texts = [
        "音箱充满电只能放两个小时",
        "音箱续航太短，半天就没电",
        "音箱电池不经用，续航缩水",
        "电池不耐用，充一次电撑不过半天",
        "电池掉电特别快，充满了放一上午就关机",
        "电池续航短，玩一下午就没电了",
    ]
    assert _issues(texts) == [[0, 1, 2, 3, 4, 5]]


def test_a_bare_concept_joins_when_it_shares_a_phrase():
    # 信号差 names no product and no domain: it joins the phone's signal issue through the phrases it shares
    texts = ["手机信号太差，老是掉线", "这手机信号差，接不到电话", "信号太差，老是掉线", "信号差，接不到电话", "手机信号很差"]
    assert _issues(texts) == [[0, 1, 2, 3, 4]]


def test_different_driving_conditions_are_different_problems():
    # cold-start and acceleration engine noise have different causes; a text naming no condition joins the
    # condition most texts name; the two acceleration texts are a pair, not a common issue
    texts = [
        "发动机冷车启动有异响",
        "冷车启动时发动机异响",
        "冷启动发动机异响明显",
        "加速时发动机有异响",
        "踩油门加速发动机异响",
        "发动机异响严重",
    ]
    assert _issues(texts) == [[0, 1, 2, 5]]


def test_a_guard_mode_that_does_not_exist_is_a_policy_error():
    with pytest.raises(PolicyError):
        cluster_problems([ProblemText("u0", "信号差", "c0", "issue_feedback")], {"guard_mode": "stars"})


def test_service_attitude_binds_by_the_staff_it_is_about():
    # a hotel's front desk and a car dealer are two services to fix; 客服 and 接线员 answer one hotline
    hotel = ["酒店前台态度恶劣，入住等了半小时", "前台服务员态度很差", "前台态度冷淡，爱答不理"]
    dealer = ["厂家态度恶劣，推诿不处理", "经销商态度很差，推来推去", "销售态度恶劣，交车后就不理人"]
    assert sorted(_issues(hotel + dealer)) == [[0, 1, 2], [3, 4, 5]]
    hotline = ["客服态度差，说两句就挂电话", "接线员说话阴阳怪气", "在线客服一直发模板回复", "服务态度差，爱答不理"]
    assert _issues(hotline) == [[0, 1, 2, 3]]  # a text naming no staff joins the staff the others name


def test_slow_food_delivery_and_slow_parcels_are_two_problems():
    # a restaurant's riders and a parcel carrier are fixed by different people
    food = ["送餐太慢了，等了一个半小时", "外卖送得太慢，饭都凉了", "送餐慢，每次都超时"]
    parcel = ["快递太慢，一周才到", "物流太慢，下单一周了还没送到", "快递在路上走了十天"]
    assert sorted(_issues(food + parcel)) == [[0, 1, 2], [3, 4, 5]]
