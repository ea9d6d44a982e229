"""Volume benchmark: cluster N problem texts (default 100,000) and print the time.

Usage: python bench/bench_common_issues.py [N]
Texts are the evaluation set's texts with varied prefixes, suffixes, masked phones and model numbers,
spread over many customers, so the lexicon, the TF-IDF fallback and the residual grouping all run.
Target: under 30 s on 2 cores.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_common_issues import load_eval  # noqa: E402

from svcsheet.common_issues.cluster import ProblemText, cluster_problems  # noqa: E402

PREFIXES = ["", "客户反映", "客户来电称", "用户说", "回访时客户提到", "客户138****{n:04d}反馈：", "张**表示"]
POOL = "咨询订单会员积分保修期说明书移机价格颜色尺寸门缝把手灯泡按钮面板支架滤网刷头水箱托盘线路插座开关时间地址预约活动优惠"
SUFFIXES = ["", "，请尽快处理", "，要求上门", "，已经第二次了", "。客户很着急", "，已登记", "，约明天上门"]


def make_items(n: int, seed: int = 7) -> list[ProblemText]:
    rng = random.Random(seed)
    base = load_eval()
    items = []
    for i in range(n):
        r = rng.choice(base)
        text = rng.choice(PREFIXES).format(n=i % 10000) + r["text"] + rng.choice(SUFFIXES)
        if rng.random() < 0.1:  # one-off texts that no lexicon term covers: the sparse fallback's worst case
            text = "".join(rng.choice(POOL) for _ in range(rng.randint(6, 16)))
        items.append(
            ProblemText(
                uid=f"U{i:07d}",
                text=text,
                customer=None if rng.random() < 0.02 else f"h{rng.randint(0, n // 3):08x}",
                form=r["form"],
                model=r["model"] or None,
                batch=r["batch"] or None,
                department=r["department"] or None,
            )
        )
    return items


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    items = make_items(n)
    t0, c0 = time.perf_counter(), time.process_time()
    result = cluster_problems(items)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    clusters = len(set(result.cluster_of.values()))
    print(
        f"{n} texts -> {clusters} clusters, {len(result.common)} common issues in {elapsed:.1f} s "
        f"(CPU {cpu:.1f} s; wall time includes waiting for a busy machine)"
    )
    print("target < 30 s on 2 cores:", "OK" if elapsed < 30 else "TOO SLOW")


if __name__ == "__main__":
    main()
