"""Probes in wording nobody wrote a lexicon rule for: goods the lexicon does not know (shampoo, clothes, fruit, books,
shoes, dairy, cosmetics, cookware, luggage). Texts written for this (general after-sales wording, not from any
labelled set); each group is one problem of 3-4 customers in different words, `one` texts are one-offs.

Usage: python bench/probe_wording.py [--real DIR] [--verbose]
Set A was used while choosing round 5's rules, set B was written before them and only checked. With ``--real DIR``
the 389 real dev texts (bench/real, see eval_common_issues.py) are clustered with the probes as distractors, as in
docs/common-issues.md; without it the probes are clustered alone. Prints, per set, groups found (one common issue
holds more than half of the group), flagged issues holding a probe that are pure, and one-offs flagged. Groups named
like a real dev group (衣服起球, 衣服掉色) count as that group.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from svcsheet.common_issues.cluster import ProblemText, cluster_problems  # noqa: E402

SET_A = {
    "sh_hairloss": [
        "这个洗发水用了一个星期掉发特别严重",
        "用完这款洗发水以后脱发越来越多了",
        "洗了几次头发掉得厉害，一抓一大把",
        "用了以后掉头发很多，不敢再用了",
    ],
    "sh_leak": [
        "洗发水收到的时候漏液了，盒子里全是",
        "瓶子漏了，洗发水洒了一半",
        "到货发现洗发水漏出来了，袋子黏糊糊的",
    ],
    "sh_itch": [
        "洗完头皮很痒，不知道是不是过敏",
        "用了这个洗发水头皮发痒，还起了小红点",
        "头皮痒得厉害，洗完更痒了",
    ],
    "衣服起球": ["衣服穿了两次就起球了", "毛衣洗一次全是球球，质量太差", "外套袖子起球严重"],
    "衣服掉色": [
        "衣服洗一次就褪色了，把别的衣服也染了",
        "裤子掉色很厉害，水都是蓝的",
        "T恤洗了以后颜色全掉了，褪色严重",
    ],
    "cl_smell": [
        "衣服有一股很重的异味，洗了两遍还有",
        "收到的裙子味道刺鼻，像化学品的味道",
        "衣服打开一股怪味，不敢穿",
    ],
    "fr_rot": ["水果收到时已经烂了好几个", "芒果一半都是烂的，没法吃", "橙子到货就坏了几个，还发霉了"],
    "fr_sour": ["橙子太酸了，一点都不甜", "买的橙子酸得没法吃", "这次的橙子特别酸"],
    "bk_pages": ["书缺页，中间少了好几页", "买的书有缺页现象，第50到60页没有", "书少了几页，看到一半接不上"],
    "bk_pirate": [
        "书是盗版的，印刷模糊",
        "明显是盗版书，字迹不清楚纸张很差",
        "怀疑是盗版，和书店里的正版差别很大",
    ],
    "one": [
        "衣服尺码偏大一号",
        "书的封面有折痕",
        "洗发水的泵头按不下去",
        "水果个头比图片上小很多",
        "客服回复很慢",
    ],
}
SET_B = {
    "shoe_glue": ["鞋子穿了一周就开胶了", "鞋底开胶，走路进水", "这双鞋前面脱胶了，质量太差"],
    "shoe_rub": ["新鞋特别磨脚，脚后跟都磨破了", "鞋子磨脚，穿一天脚疼", "穿上以后脚后跟磨得很疼"],
    "milk_spoil": ["牛奶打开是酸的，已经变质了", "收到的酸奶胀包了，不敢喝", "牛奶有股怪味，像是坏了"],
    "cos_allergy": ["面霜用了脸上过敏起红疹", "擦完这个乳液脸又红又痒", "用了三天皮肤过敏，脸上长痘"],
    "pan_rust": ["锅用了几次就生锈了", "铁锅洗完放一晚上全是锈", "炒锅锅底生锈很严重"],
    "pan_coat": ["不粘锅涂层掉了，炒菜粘锅", "锅的涂层一块块脱落", "用了一个月涂层就掉了"],
    "case_wheel": ["行李箱轮子坏了一个，拖不动", "箱子的轮子掉了，才用一次", "拉杆箱的万向轮卡住转不动"],
    "one": ["快递员态度不好", "鞋带太短了", "牛奶日期不新鲜", "锅盖尺寸不合适", "箱子颜色和图片不一样"],
}


def score(
    probes: dict[str, list[str]], real: Path | None, verbose: bool = False
) -> tuple[int, int, int, int, int]:
    """(groups found, groups, pure issues, issues, one-offs flagged) of one probe set."""
    items: list[ProblemText] = []
    group: dict[str, str] = {}
    if real is not None:
        from eval_common_issues import load_real

        for r in load_real(real):
            if r["split"] == "dev":
                items.append(ProblemText(r["uid"], r["text"], "c-" + r["uid"], "issue_feedback"))
                group[r["uid"]] = r["group"]
    for g, texts in probes.items():
        for i, t in enumerate(texts):
            uid = f"p-{g}-{i}"
            group[uid] = g if g != "one" else f"one-{i}"
            items.append(ProblemText(uid, t, "c-" + uid, "issue_feedback"))
    res = cluster_problems(items)
    groups = [g for g in probes if g != "one"]
    found = 0
    for g in groups:
        held = Counter(
            res.common_id(f"p-{g}-{i}") for i in range(len(probes[g])) if res.common_id(f"p-{g}-{i}")
        )
        found += bool(held) and held.most_common(1)[0][1] * 2 > len(probes[g])
    issues = [c for c in res.common if any(u.startswith("p-") for u in c.uids)]
    pure = [c for c in issues if len({group[u] for u in c.uids}) == 1]
    flagged = sum(1 for i in range(len(probes.get("one", []))) if res.common_id(f"p-one-{i}"))
    if verbose:
        for c in issues:
            print("  ", c.label, Counter(group[u] for u in c.uids).most_common())
    return found, len(groups), len(pure), len(issues), flagged


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--real", type=Path, help="folder of bench/real/fetch_real.py's texts.csv (dev rows as distractors)"
    )
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    for name, probes in (("A (used while choosing)", SET_A), ("B (checked only)", SET_B)):
        found, n, pure, issues, flagged = score(probes, args.real, args.verbose)
        print(
            f"probe set {name:<24} groups found={found}/{n} pure issues={pure}/{issues} one-offs flagged={flagged}"
        )


if __name__ == "__main__":
    main()
