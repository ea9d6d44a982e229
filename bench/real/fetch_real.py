"""Extract the real public complaints scored by bench/eval_common_issues.py --real into a temporary folder.

Usage: python bench/real/fetch_real.py [--mirrors DIR | --repo GIT_DIR --car-repo GIT_DIR] [--out /tmp/svcsheet-real]
Sources (see docs/common-issues.md, "The real-text set"):
  SophonPlus/ChineseNlpCorpus (https://github.com/SophonPlus/ChineseNlpCorpus), three datasets:
    os10     datasets/online_shopping_10_cats/online_shopping_10_cats.zip (online_shopping_10_cats.csv)
    waimai   datasets/waimai_10k/waimai_10k.csv
    htl      datasets/ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv
  David-YYJ/DataEngine (https://github.com/David-YYJ/DataEngine), car owners' complaints scraped from
  12365auto.com (车质网), June 2020:
    car12365 car_complain.csv (GB18030; the complaint is the column desc)
row_id is the 0-based data row of the CSV (header excluded). Git directories are found with --repo /
--car-repo, or under --mirrors DIR as OWNER+NAME/repo/.git, OWNER+NAME/.git or OWNER+NAME (bare); what is
not found is cloned (shallow, bare) into the output folder. The texts are never committed (licences):
only labels.csv is. Writes OUT/texts.csv with source,row_id,domain,text for the rows named in labels.csv.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NLP, CARS = "SophonPlus/ChineseNlpCorpus", "David-YYJ/DataEngine"
# source: (repository, path, member of a zip or None, encoding, text column)
SOURCES = {
    "os10": (
        NLP,
        "datasets/online_shopping_10_cats/online_shopping_10_cats.zip",
        "online_shopping_10_cats.csv",
        "utf-8-sig",
        "review",
    ),
    "waimai": (NLP, "datasets/waimai_10k/waimai_10k.csv", None, "utf-8-sig", "review"),
    "htl": (NLP, "datasets/ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv", None, "utf-8-sig", "review"),
    "car12365": (CARS, "car_complain.csv", None, "gb18030", "desc"),
}
# The product domain of a text, for the per-domain figures: os10 by its category column.
OS10_DOMAINS = {
    "计算机": "computers",
    "平板": "phones",
    "手机": "phones",
    "热水器": "appliances",
    "衣服": "clothes",
    "水果": "fruit",
    "酒店": "hotels",
    "书籍": "books",
    "洗发水": "personal care",
    "蒙牛": "dairy",
}
DOMAINS = {"waimai": "food delivery", "htl": "hotels", "car12365": "cars"}


def _blob(git_dir: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout


def _rows(git_dir: Path, source: str) -> list[tuple[str, str]]:
    """(domain, text) of every data row of a source, in file order."""
    _, path, member, encoding, column = SOURCES[source]
    data = _blob(git_dir, path)
    if member:
        data = zipfile.ZipFile(io.BytesIO(data)).read(member)
    reader = csv.DictReader(io.StringIO(data.decode(encoding)))
    return [
        (
            OS10_DOMAINS.get(r.get("cat", ""), "other") if source == "os10" else DOMAINS[source],
            r[column] or "",
        )
        for r in reader
    ]


def _find(repo: str, mirrors: Path | None) -> Path | None:
    if mirrors is None:
        return None
    base = mirrors / repo.replace("/", "+")
    for cand in (base / "repo" / ".git", base / ".git", base):
        if (cand / "HEAD").is_file():
            return cand
    return None


def _clone(repo: str, out: Path) -> Path:
    clone = out / repo.replace("/", "+")
    if not clone.exists():
        url = f"https://github.com/{repo}"
        subprocess.run(["git", "clone", "--depth", "1", "--bare", url, str(clone)], check=True)
    return clone


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, help=f"git dir of a {NLP} clone")
    ap.add_argument("--car-repo", type=Path, help=f"git dir of a {CARS} clone")
    ap.add_argument("--mirrors", type=Path, help="folder holding OWNER+NAME mirrors of both repositories")
    ap.add_argument("--out", type=Path, default=Path("/tmp/svcsheet-real"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    given = {NLP: args.repo, CARS: args.car_repo}
    with open(HERE / "labels.csv", encoding="utf-8", newline="") as f:
        labels = list(csv.DictReader(f))
    texts = {}
    for source in sorted({r["source"] for r in labels}):
        repo = SOURCES[source][0]
        git_dir = given[repo] or _find(repo, args.mirrors) or _clone(repo, args.out)
        texts[source] = _rows(git_dir, source)
    with open(args.out / "texts.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "row_id", "domain", "text"])
        for r in labels:
            domain, text = texts[r["source"]][int(r["row_id"])]
            w.writerow([r["source"], r["row_id"], domain, text.strip()])
    print(f"{len(labels)} texts written to {args.out / 'texts.csv'}")


if __name__ == "__main__":
    main()
