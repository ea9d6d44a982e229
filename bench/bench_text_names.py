"""Names typed inside free text (svcsheet/deid/text_names.py): cost, recall and what changes on real text.

    python bench/bench_text_names.py time IN [--cache FILE]     # CPU s of free_text over IN's free texts
    python bench/bench_text_names.py show IN|TEXTS.csv          # every text the name rule changes, to read
    python bench/bench_text_names.py recall [CASES.csv]         # found / expected on the committed cases

IN is a folder of workbooks: the free texts (text fields, timeline notes) of every row are collected once
(``--cache`` keeps them in a pickle for the next run). ``time`` prints the CPU seconds of
``Deidentifier.free_text`` over all texts with a fresh (cold) memo, and of ``mask_text_names`` alone; it runs
on code without the name rule too (the second figure is then absent), so a before/after is two runs of this
script on two checkouts. ``show`` prints before → after; texts are never written to a file.
"""

from __future__ import annotations

import csv
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svcsheet.checking.parse import parse_row  # noqa: E402
from svcsheet.deid.deidentifier import Deidentifier  # noqa: E402
from svcsheet.forms import load_forms  # noqa: E402
from svcsheet.reading.reader import read_workbook  # noqa: E402

CASES = ROOT / "tests" / "data" / "names_in_text.csv"


def free_texts(folder: Path, cache: Path | None = None) -> list[str]:
    """Every free text of every row of the workbooks under ``folder``, in file and row order."""
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    forms = load_forms()
    texts: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".ods", ".xlsm")):
        for raw in read_workbook(path).rows:
            form = forms[raw.form]
            row = parse_row(raw, form)
            for spec in form.fields:
                parsed = row.values.get(spec.key)
                if parsed is None or parsed.value is None:
                    continue
                if spec.type == "timeline":
                    texts += [note for _, note in parsed.value if note]
                elif spec.type == "text":
                    texts.append(str(parsed.value))
    if cache is not None:
        cache.write_bytes(pickle.dumps(texts))
    return texts


def time_texts(texts: list[str]) -> None:
    deid = Deidentifier(b"bench")
    t0 = time.process_time()
    for text in texts:
        deid.free_text(text)
    t1 = time.process_time()
    print(f"{len(texts):,} texts ({len(set(texts)):,} distinct): free_text {t1 - t0:6.2f} CPU s")
    try:
        from svcsheet.deid.text_names import mask_text_names
    except ImportError:
        return
    t0 = time.process_time()
    changed = sum(mask_text_names(text)[1] for text in dict.fromkeys(texts))
    t1 = time.process_time()
    print(f"mask_text_names alone over the distinct texts: {t1 - t0:6.2f} CPU s, {changed:,} texts changed")


def show(source: Path) -> None:
    from svcsheet.deid.text_names import mask_text_names

    if source.suffix.lower() == ".csv":
        with source.open(encoding="utf-8") as fh:
            texts = [r["text"] for r in csv.DictReader(fh)]
    else:
        texts = free_texts(source)
    distinct = list(dict.fromkeys(texts))
    changed = 0
    for text in distinct:
        out, found = mask_text_names(text)
        if found:
            changed += 1
            print(f"{text}\n  → {out}")
    print(f"{changed} of {len(distinct)} distinct texts changed")


def recall(path: Path = CASES) -> tuple[int, int, int]:
    """(masked as expected, masked otherwise, cases) over the committed sentences."""
    from svcsheet.deid.text_names import mask_text_names

    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    right = wrong = 0
    for r in rows:
        out = mask_text_names(r["text"])[0]
        if out == r["expected"]:
            right += 1
        elif out != r["text"]:
            wrong += 1
    return right, wrong, len(rows)


def main() -> None:
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    if args[0] == "time":
        cache = Path(args[args.index("--cache") + 1]) if "--cache" in args else None
        time_texts(free_texts(Path(args[1]), cache))
    elif args[0] == "show":
        show(Path(args[1]))
    elif args[0] == "recall":
        right, wrong, n = recall(Path(args[1]) if len(args) > 1 else CASES)
        print(f"recall {right}/{n} = {right / n:.1%}; masked wrongly {wrong}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
