"""Every row of the four public sources that fetch_real.py names, as one CSV: the real-text volume bench's input.

    python bench/real/background.py [--mirrors DIR] --out OUT
    python bench/bench_common_issues.py 83125 --texts OUT/background.csv [--dump FILE]

Writes OUT/background.csv (source, row_id, text; 83,125 rows with a text in the sources as fetched on 2026-12-02).
The texts are the sources' own (licences): written to a temporary folder, never committed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fetch_real  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirrors", type=Path, default=None, help="a folder of git mirrors (owner+name/repo/.git)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    gits: dict[str, Path] = {}
    written = 0
    with open(args.out / "background.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["source", "row_id", "text"])
        for source, (repo, *_rest) in fetch_real.SOURCES.items():
            if repo not in gits:
                gits[repo] = fetch_real._find(repo, args.mirrors) or fetch_real._clone(repo, args.out)
            for row_id, text in fetch_real._rows(gits[repo], source):
                if text and text.strip():
                    out.writerow([source, row_id, text])
                    written += 1
    print(f"{written} texts written to {args.out / 'background.csv'}")


if __name__ == "__main__":
    main()
