"""Extract the real public complaints scored by bench/eval_common_issues.py --real into a temporary folder.

Usage: python bench/real/fetch_real.py [--repo GIT_DIR] [--out /tmp/svcsheet-real]
Source: SophonPlus/ChineseNlpCorpus (https://github.com/SophonPlus/ChineseNlpCorpus), three datasets:
  os10   datasets/online_shopping_10_cats/online_shopping_10_cats.zip (online_shopping_10_cats.csv)
  waimai datasets/waimai_10k/waimai_10k.csv
  htl    datasets/ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv
row_id is the 0-based data row of the CSV (header excluded). Without --repo the repository is cloned
(shallow) into the output folder. The texts are never committed (licences): only labels.csv is.
Writes OUT/texts.csv with source,row_id,text for the rows named in labels.csv.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_URL = "https://github.com/SophonPlus/ChineseNlpCorpus"
SOURCES = {
    "os10": ("datasets/online_shopping_10_cats/online_shopping_10_cats.zip", "online_shopping_10_cats.csv"),
    "waimai": ("datasets/waimai_10k/waimai_10k.csv", None),
    "htl": ("datasets/ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv", None),
}


def _blob(git_dir: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout


def _rows(git_dir: Path, source: str) -> list[str]:
    path, member = SOURCES[source]
    data = _blob(git_dir, path)
    if member:
        data = zipfile.ZipFile(io.BytesIO(data)).read(member)
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return [r["review"] or "" for r in reader]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, help="git dir of a ChineseNlpCorpus clone (else cloned)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/svcsheet-real"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    git_dir = args.repo
    if git_dir is None:
        clone = args.out / "ChineseNlpCorpus"
        if not clone.exists():
            subprocess.run(["git", "clone", "--depth", "1", "--bare", REPO_URL, str(clone)], check=True)
        git_dir = clone
    with open(HERE / "labels.csv", encoding="utf-8", newline="") as f:
        labels = list(csv.DictReader(f))
    texts = {s: _rows(git_dir, s) for s in sorted({r["source"] for r in labels})}
    with open(args.out / "texts.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "row_id", "text"])
        for r in labels:
            w.writerow([r["source"], r["row_id"], texts[r["source"]][int(r["row_id"])].strip()])
    print(f"{len(labels)} texts written to {args.out / 'texts.csv'}")


if __name__ == "__main__":
    main()
