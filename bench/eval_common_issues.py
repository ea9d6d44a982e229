"""Score common-issue clustering on the evaluation set (bench/eval_set.csv).

Usage: python bench/eval_common_issues.py [--compare] [--csv PATH] [--real DIR [--heldout] [--verbose]]
Prints purity, adjusted Rand index (ARI), common-issue precision/recall (per issue and per row) and the
decoys flagged, for all rows, the dev rows (wording the lexicon was tuned on) and the held-out rows.
Decoy rows (column ``decoy``) must never be flagged: ``two_customers``, ``one_customer`` and
``shared_words`` rows must get no common issue at all, ``confusable`` rows no common issue of another family.
``--real DIR`` also scores the real public complaints of bench/real/labels.csv, whose texts
bench/real/fetch_real.py extracts into DIR (default /tmp/svcsheet-real): for the dev and the held-out groups,
the share of groups found (one common issue holds most of the group's rows), the share of flagged issues
that are pure (every row from one group), and the rows of pairs and one-offs flagged; the dev line is also
split by product domain (cars, computers, phones, appliances, ...).
``--compare`` also scores the alternative methods and thresholds behind the chosen settings.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from svcsheet.common_issues.cluster import Clustering, ProblemText, cluster_problems  # noqa: E402

EVAL_CSV = Path(__file__).resolve().parent / "eval_set.csv"
TARGETS = {"ari": 0.8, "issue_precision": 0.9, "issue_recall": 0.9, "row_precision": 0.9, "row_recall": 0.9}


def load_eval(path: Path = EVAL_CSV) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def to_items(rows: list[dict[str, str]]) -> list[ProblemText]:
    return [
        ProblemText(
            uid=r["uid"],
            text=r["text"],
            customer=r["customer"] or None,
            form=r["form"],
            model=r["model"] or None,
            batch=r["batch"] or None,
            department=r["department"] or None,
        )
        for r in rows
    ]


def true_common_families(rows: list[dict[str, str]], min_customers: int = 3) -> set[str]:
    """Families with enough distinct known customers; a row without a customer counts for nobody."""
    customers: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["customer"]:
            customers[r["family"]].add(r["customer"])
    return {f for f, c in customers.items() if len(c) >= min_customers}


def _flagged(row: dict[str, str], result: Clustering, majority: dict[str, str]) -> bool:
    """A decoy row is flagged when it lands in a common issue; a `confusable` row (a real member of a
    family that shares words with another, e.g. 退款慢 vs 物流慢) only when that issue belongs to
    another family."""
    cid = result.common_id(row["uid"])
    if cid is None:
        return False
    return row["decoy"] != "confusable" or majority.get(cid) != row["family"]


def score(rows: list[dict[str, str]], result: Clustering, subset: set[str] | None = None) -> dict:
    """Figures for the rows whose uid is in subset (all rows when None); truth is always the full set."""
    truth = true_common_families(rows)
    family = {r["uid"]: r["family"] for r in rows}
    # Each predicted common issue is matched to its majority family; it is correct when that family is a
    # true common issue and this issue holds more of that family's rows than any other predicted issue.
    best_for_family: dict[str, tuple[int, str]] = {}
    majority: dict[str, str] = {}
    for issue in result.common:
        counts = Counter(family[u] for u in issue.uids)
        fam, _ = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        majority[issue.id] = fam
        cand = (-counts[fam], issue.id)
        if fam not in best_for_family or cand < best_for_family[fam]:
            best_for_family[fam] = cand
    correct = {i for i, fam in majority.items() if fam in truth and best_for_family[fam][1] == i}
    found = {majority[i] for i in correct}
    uids = [r["uid"] for r in rows if subset is None or r["uid"] in subset]
    n = len(uids)
    clusters = [result.cluster_of[u] for u in uids]
    fams = [family[u] for u in uids]
    per_cluster: dict[str, Counter[str]] = defaultdict(Counter)
    for c, f in zip(clusters, fams, strict=True):
        per_cluster[c][f] += 1
    purity = sum(max(c.values()) for c in per_cluster.values()) / n if n else 0.0
    pred_rows = [u for u in uids if result.common_id(u)]
    true_rows = [u for u in uids if family[u] in truth]
    good_rows = [
        u for u in pred_rows if result.common_id(u) in correct and majority[result.common_id(u)] == family[u]
    ]
    decoys = [r for r in rows if r["decoy"] and (subset is None or r["uid"] in subset)]
    flagged = [r["uid"] for r in decoys if _flagged(r, result, majority)]
    preds = len(result.common)
    return {
        "rows": n,
        "families": len(set(fams)),
        "purity": purity,
        "ari": adjusted_rand_score(fams, clusters) if n else 0.0,
        "issue_precision": len(correct) / preds if preds else 0.0,
        "issue_recall": len(found) / len(truth) if truth else 1.0,
        "row_precision": len(good_rows) / len(pred_rows) if pred_rows else 0.0,
        "row_recall": len(good_rows) / len(true_rows) if true_rows else 1.0,
        "predicted_common": preds,
        "true_common": len(truth),
        "decoy_rows": len(decoys),
        "decoys_flagged": flagged,
    }


def evaluate(settings: dict | None = None, path: Path = EVAL_CSV) -> dict[str, dict]:
    rows = load_eval(path)
    result = cluster_problems(to_items(rows), settings)
    out = {"all": score(rows, result)}
    for split in sorted({r["split"] for r in rows}):
        out[split] = score(rows, result, {r["uid"] for r in rows if r["split"] == split})
    return out


REAL_LABELS = Path(__file__).resolve().parent / "real" / "labels.csv"


def load_real(folder: Path) -> list[dict[str, str]]:
    """Labelled real texts: labels.csv joined with the extracted texts (one customer per text) and their
    product domain (texts.csv of an older fetch has no domain column: the source names it)."""
    with open(folder / "texts.csv", encoding="utf-8", newline="") as f:
        texts = {
            (r["source"], r["row_id"]): (r.get("domain") or r["source"], r["text"]) for r in csv.DictReader(f)
        }
    with open(REAL_LABELS, encoding="utf-8", newline="") as f:
        labels = list(csv.DictReader(f))
    missing = [r for r in labels if (r["source"], r["row_id"]) not in texts]
    if missing:
        sys.exit(f"{folder / 'texts.csv'} lacks {len(missing)} labelled texts: run bench/real/fetch_real.py again")
    rows = []
    for r in labels:
        domain, text = texts[(r["source"], r["row_id"])]
        rows.append(dict(r, uid=f"{r['source']}-{r['row_id']}", domain=domain, text=text))
    return rows


def score_real(rows: list[dict[str, str]], result: Clustering, split: str, domain: str | None = None) -> dict:
    """Found groups, pure flagged issues and flagged pair/one-off rows, for one split's groups (of one
    product domain when given: the issues counted are those holding a row of that domain)."""
    group = {r["uid"]: r["group"] for r in rows}
    # the dev mixtures are listed with the held-out groups' names masked (never read while tuning)
    shown = {r["uid"]: "(held out)" if split == "dev" and r["split"] != "dev" else r["group"] for r in rows}
    mine = [r for r in rows if r["split"] == split and domain in (None, r["domain"])]
    groups: dict[str, list[str]] = defaultdict(list)
    for r in mine:
        if r["kind"] == "group":
            groups[r["group"]].append(r["uid"])
    found = []
    for g, uids in groups.items():
        held = Counter(result.common_id(u) for u in uids if result.common_id(u))
        if held and held.most_common(1)[0][1] * 2 > len(uids):
            found.append(g)
    mine_uids = {r["uid"] for r in mine}
    issues = [c for c in result.common if mine_uids & set(c.uids)]
    pure = [c for c in issues if len({group[u] for u in c.uids}) == 1]
    stray = [r["uid"] for r in mine if r["kind"] != "group" and result.common_id(r["uid"])]
    return {
        "groups": len(groups),
        "found": len(found),
        "issues": len(issues),
        "pure": len(pure),
        "pair_one_flagged": stray,
        "mixtures": [
            f"{c.label}: " + "/".join(f"{g}×{n}" for g, n in Counter(shown[u] for u in c.uids).most_common())
            for c in issues
            if c not in pure
        ],
        "missed": sorted(set(groups) - set(found)),
    }


def _cluster_real(rows: list[dict[str, str]], settings: dict | None) -> Clustering:
    items = [
        ProblemText(uid=r["uid"], text=r["text"], customer="c-" + r["uid"], form="issue_feedback")
        for r in rows
    ]
    return cluster_problems(items, settings)


def evaluate_real(folder: Path, settings: dict | None = None, heldout2: bool = False) -> dict[str, dict]:
    """dev and heldout are clustered without the heldout2 rows (their figures stay comparable with earlier
    rounds); heldout2, when asked, is scored on a second run over every labelled row."""
    rows = load_real(folder)
    base = [r for r in rows if r["split"] != "heldout2"]
    result = _cluster_real(base, settings)
    out = {split: score_real(base, result, split) for split in ("dev", "heldout")}
    if heldout2:
        out["heldout2"] = score_real(rows, _cluster_real(rows, settings), "heldout2")
    # Per product domain, tuning groups only (the held-out line stays one figure).
    for domain in sorted({r["domain"] for r in base if r["split"] == "dev"}):
        out[f"dev {domain}"] = score_real(base, result, "dev", domain)
    return out


def _real_line(name: str, s: dict) -> str:
    found = f"{s['found'] / s['groups']:.0%}" if s["groups"] else "-"
    pure = s["pure"] / s["issues"] if s["issues"] else 1.0
    return (
        f"{name:<34} groups found={s['found']}/{s['groups']} ({found}) "
        f"pure issues={s['pure']}/{s['issues']} ({pure:.0%}) pair/one-off rows flagged={len(s['pair_one_flagged'])}"
    )


def _line(name: str, s: dict) -> str:
    return (
        f"{name:<34} rows={s['rows']:>3} purity={s['purity']:.3f} ARI={s['ari']:.3f} "
        f"issueP={s['issue_precision']:.3f} issueR={s['issue_recall']:.3f} "
        f"rowP={s['row_precision']:.3f} rowR={s['row_recall']:.3f} decoys_flagged={len(s['decoys_flagged'])}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare", action="store_true", help="also score the alternatives")
    ap.add_argument("--csv", type=Path, default=EVAL_CSV)
    ap.add_argument(
        "--real", type=Path, nargs="?", const=Path("/tmp/svcsheet-real"), help="folder of texts.csv"
    )
    ap.add_argument("--verbose", action="store_true", help="list mixtures and missed groups (dev split only)")
    ap.add_argument(
        "--heldout",
        action="store_true",
        help="also print the held-out real groups (heldout, heldout2; report only, never tune on it)",
    )
    args = ap.parse_args()
    if args.real:
        real = evaluate_real(args.real, heldout2=args.heldout)
        for split in ("dev", "heldout", "heldout2") if args.heldout else ("dev",):
            print(_real_line(f"real public complaints [{split}]", real[split]))
            if split == "dev":
                for part in (k for k in real if k.startswith("dev ")):
                    print(_real_line(f"   {part[4:]}", real[part]))
            if args.verbose and split == "dev":
                for m in real[split]["mixtures"]:
                    print("   mixture:", m)
                print("   missed:", ", ".join(real[split]["missed"]))
                print("   flagged pair/one-off:", ", ".join(real[split]["pair_one_flagged"]))
    rows = load_eval(args.csv)
    print(
        f"eval set: {len(rows)} texts, {len({r['family'] for r in rows})} families, "
        f"{len(true_common_families(rows))} true common issues, "
        f"{sum(1 for r in rows if r['decoy'])} decoy rows, {sum(1 for r in rows if r['split'].startswith('heldout'))} held out"
    )
    res = evaluate(path=args.csv)
    for part in res:
        print(_line(f"chosen (defaults) [{part}]", res[part]))
        if res[part]["decoys_flagged"]:
            print("   decoys flagged:", ", ".join(res[part]["decoys_flagged"]))
    if args.compare:
        print("\nalternatives (written set: all rows / held-out rows; real set: dev groups only):")
        variants: list[tuple[str, dict]] = [
            ("phrases only (no lexicon)", {"use_lexicon": False}),
            ("no precision guard", {"guard": False}),
            ("domains kept apart in the linkage", {"domains": True}),
            ("chain guard (round 3) instead of the star", {"guard_mode": "chain"}),
        ]
        for thr in (0.25, 0.3, 0.35, 0.45, 0.55):
            for tw in (0.5, 1.0):
                variants.append((f"threshold={thr} topic_weight={tw}", {"threshold": thr, "topic_weight": tw}))
        for ucw in (0.1, 0.3, 0.5):
            variants.append((f"unscoped_concept_weight={ucw}", {"unscoped_concept_weight": ucw}))
        for uw in (0.01, 0.15, 0.5):
            variants.append((f"unique_weight={uw}", {"unique_weight": uw}))
        for sw in (0.25, 0.5):  # round 3: Tongyici Cilin synonym classes (off by default)
            variants.append((f"synonym_weight={sw}", {"synonym_weight": sw}))
        variants.append(("praise_weight=0.3 neutral_weight=0.6", {"praise_weight": 0.3, "neutral_weight": 0.6}))
        for name, st in variants:
            r = evaluate(st, args.csv)
            print(_line(name, r["all"]))
            for part in sorted(k for k in r if k.startswith("heldout")):
                print(_line(f"   {part}", r[part]))
            if args.real:
                print(_real_line("   real [dev]", evaluate_real(args.real, st)["dev"]))


if __name__ == "__main__":
    main()
