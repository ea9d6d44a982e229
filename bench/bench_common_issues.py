"""Volume benchmark: cluster N problem texts (default 100,000) and print the time.

Usage: python bench/bench_common_issues.py [N] [--texts CSV] [--seed S] [--dump FILE]
Without --texts, texts are the evaluation set's texts with varied prefixes, suffixes, masked phones and model
numbers, spread over many customers, so the lexicon, the phrase vectors and the guard all run. With --texts,
N rows of a CSV with a ``text`` column (real reviews and complaints: long and chatty) are sampled with a fixed
seed (all rows when N is larger), spread over N/3 customers so that common issues exist.
--dump writes the whole result (every cluster's id, label and sorted members; the common issues) as JSON, to
compare two versions of the code on the same texts.
Target: under 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_common_issues import load_eval  # noqa: E402

from svcsheet.common_issues.cluster import Clustering, ProblemText, cluster_problems  # noqa: E402

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


def read_items(path: Path, n: int, seed: int = 7) -> list[ProblemText]:
    """N texts of a CSV (column ``text``), sampled with a fixed seed, over n/3 customers."""
    with path.open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    rng = random.Random(seed)
    picked = rng.sample(range(len(texts)), min(n, len(texts)))
    return [
        ProblemText(uid=f"R{i:07d}", text=texts[i], customer=f"h{rng.randint(0, max(1, n // 3)):08x}", form="bench")
        for i in sorted(picked)
    ]


def dump(result: Clustering, path: Path) -> None:
    """Every cluster (id, label, sorted members) and the common issues, in a stable order."""
    members: dict[str, list[str]] = defaultdict(list)
    for uid, cid in result.cluster_of.items():
        members[cid].append(uid)
    out = {
        "clusters": {cid: [result.labels.get(cid), sorted(uids)] for cid, uids in sorted(members.items())},
        "common": [[c.id, c.label, c.rows, c.customers, list(c.uids), list(c.examples)] for c in result.common],
    }
    path.write_text(json.dumps(out, ensure_ascii=False, indent=0), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--texts", type=Path, help="CSV with a text column (real texts) instead of the synthetic ones")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dump", type=Path, help="write the whole clustering result here (JSON)")
    args = ap.parse_args()
    items = read_items(args.texts, args.n, args.seed) if args.texts else make_items(args.n, args.seed)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    result = cluster_problems(items)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clusters = len(set(result.cluster_of.values()))
    print(
        f"{len(items)} texts -> {clusters} clusters, {len(result.common)} common issues in {elapsed:.1f} s "
        f"(CPU {cpu:.1f} s; wall time includes waiting for a busy machine); "
        f"peak RSS {rss:.0f} MB ({rss0:.0f} MB before clustering)"
    )
    print("target < 30 s on 2 cores:", "OK" if elapsed < 30 else "TOO SLOW")
    if args.dump:
        dump(result, args.dump)


if __name__ == "__main__":
    main()
