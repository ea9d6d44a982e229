"""The benchmark that decides (issue 12): svcsheet against the floor and a naive peer, on the same files.

    python bench/bench_run.py [SIZE ...] [--rows-per-file 500] [--repeat 1] [--jobs N] [--keep DIR]

For each SIZE (rows; default 20000 50000 100000) it generates SIZE/500 workbooks: all five forms in list layout
and the two card forms as card workbooks (one ticket per sheet), rows resampled from the sample workbooks with fresh
ticket ids, about 10% of them defective (rows svcsheet rejects). Then, each leg in a fresh subprocess:

- floor: python-calamine reads every cell of every sheet; xlsxwriter (constant_memory) writes all of them to one
  workbook. No tool can read and write these cells faster than this.
- peer: the plain job in pandas + openpyxl: read every sheet, mask phones, one SLA stage, a summary, to_excel.
- svcsheet: ``svcsheet run IN --out OUT`` through the CLI.

Prints seconds (median of --repeat runs, the legs taking turns), rows/s, the peak memory of the leg's process tree
(PSS of the process and its children, sampled every 20 ms in one more run of each leg: sampling slows what it
samples, so timed runs are not sampled) and the ratios svcsheet/floor and svcsheet/peer; last, issue 12's targets,
each met or not.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AS_OF = "2026-11-23 09:00"
DEFECT_SHARE = 0.10
CARDS_PER_FILE = 25

# ---------------------------------------------------------------------------------------------- generate


def _pools() -> dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Per form: (clean rows, defective rows) as typed, read from the sample workbooks with svcsheet itself."""
    from svcsheet.checking.parse import parse_row
    from svcsheet.checking.validate import check_row
    from svcsheet.forms import load_forms
    from svcsheet.reading.reader import read_workbook
    from svcsheet.records import Cell, RawRow

    forms = load_forms()
    as_of = datetime.fromisoformat(AS_OF)
    pools: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {k: ([], []) for k in forms}
    for path in sorted((ROOT / "sample_workbooks").glob("*.xlsx")):
        for raw in read_workbook(path).rows:
            form = forms[raw.form]
            values = {k: c.raw for k, c in raw.cells.items()}
            values[form.id_field] = _ticket(form, 1)
            probe = RawRow(raw.form, raw.prov, {k: Cell(c.ref, values[k]) for k, c in raw.cells.items()})
            row = parse_row(probe, form)
            check_row(row, form, as_of)
            pools[raw.form][1 if row.rejected else 0].append(values)
    return pools


def _ticket(form: Any, n: int) -> str:
    """A fresh id in the form's format: prefix + a November 2026 date + a 4-digit serial."""
    prefix = "".join(ch for ch in (form.id_example or "") if ch.isalpha())
    day = date(2026, 11, 1 + (n // 9000) % 28)
    return f"{prefix}{day:%Y%m%d}{1 + n % 9000:04d}"


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国斌宇浩凯鑫晨波宁琳雪婷飞俊峰亮坤"


def _person(rng: random.Random) -> str:
    """A made-up Chinese name: a common surname and one or two given-name characters."""
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))


def generate(
    folder: Path, rows: int, rows_per_file: int, seed: int = 12, people: str = "samples", times: str = "samples"
) -> int:
    """Write the workbooks for ``rows`` rows into ``folder``; returns the number of files. ``people``:
    "samples" keeps the sample rows' customers (a few dozen names and phones in all); "distinct" gives each row
    a made-up customer name and mobile number, as a month of real tickets has (tens of thousands of names).
    ``times``: "samples" keeps the sample rows' dates and times (a few dozen, so every memo keyed by them hits);
    "distinct" moves each row's dates and times back by one random number of minutes (up to 14 days; the
    intervals within a row kept), as a month of real tickets has a time of its own on nearly every row."""
    import xlsxwriter

    from svcsheet.forms import load_forms

    forms = load_forms()
    pools = _pools()
    rng = random.Random(seed)
    serial = dict.fromkeys(forms, 0)
    lists = ["service_feedback", "issue_feedback", "response_log", "service_card"]  # complaint: cards only
    cards = ["complaint_followup", "service_card"]
    left, i = rows, 0

    def pick(key: str) -> dict[str, Any]:
        clean, bad = pools[key]
        values = dict(rng.choice(bad if bad and rng.random() < DEFECT_SHARE else clean))
        serial[key] += 1
        values[forms[key].id_field] = _ticket(forms[key], serial[key])
        if people == "distinct":
            for f in forms[key].fields:
                if f.type == "person" and isinstance(values.get(f.key), str):
                    values[f.key] = _person(rng)
                elif f.type == "phone" and isinstance(values.get(f.key), str) and values[f.key].startswith("1"):
                    values[f.key] = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if times == "distinct":
            back = timedelta(minutes=rng.randrange(14 * 24 * 60))
            for k, v in list(values.items()):
                if isinstance(v, datetime):
                    values[k] = v - back
                elif isinstance(v, date):
                    values[k] = (datetime.combine(v, datetime.min.time()) - back).date()
        return values

    while left > 0:
        card = i % 10 == 9
        key = cards[(i // 10) % 2] if card else lists[i % len(lists)]
        form = forms[key]
        wb = xlsxwriter.Workbook(str(folder / f"{key}_{i:04d}.xlsx"), {"constant_memory": not card})
        fmts = {
            datetime: wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            date: wb.add_format({"num_format": "yyyy-mm-dd"}),
            dtime: wb.add_format({"num_format": "hh:mm"}),
        }
        if card:
            n = min(CARDS_PER_FILE, left)
            for k in range(n):
                ws = wb.add_worksheet(f"{form.name[:20]}{k + 1}")
                ws.write_string(0, 0, form.name)
                values = pick(key)
                for r, f in enumerate(form.fields, start=1):
                    ws.write_string(r, 0, f.label)
                    _put(ws, r, 1, values.get(f.key), fmts)
        else:
            n = min(rows_per_file, left)
            ws = wb.add_worksheet(form.name[:31])
            ws.write_string(0, 0, form.name)
            for c, f in enumerate(form.fields):
                ws.write_string(1, c, f.label)
            for r in range(n):
                values = pick(key)
                for c, f in enumerate(form.fields):
                    _put(ws, r + 2, c, values.get(f.key), fmts)
        wb.close()
        left -= n
        i += 1
    return i


def _put(ws: Any, r: int, c: int, value: Any, fmts: dict[type, Any]) -> None:
    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(r, c, value)  # typed text stays text, never a formula
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    elif isinstance(value, datetime | date | dtime):
        ws.write_datetime(r, c, value, fmts[type(value)])
    else:
        ws.write_string(r, c, str(value))


# ---------------------------------------------------------------------------------------------- legs


def leg_floor(src: Path, out: Path) -> int:
    """python-calamine reads every cell; xlsxwriter constant_memory writes them all to one sheet."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    wb = xlsxwriter.Workbook(
        str(out / "floor.xlsx"), {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm"}
    )
    ws = wb.add_worksheet("all")
    r = 0
    for path in sorted(src.glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for values in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
                for c, v in enumerate(values):
                    if v != "":
                        ws.write(r, c, v)
                r += 1
    wb.close()
    return r


def leg_peer(src: Path, out: Path) -> int:
    """What a user writes in an afternoon: pandas + openpyxl, mask phones, one SLA stage, a summary, to_excel.

    Lists: title in row 1, header in row 2. Cards (label | value sheets): one record per sheet."""
    from collections import defaultdict

    import pandas as pd

    frames: dict[str, list] = defaultdict(list)
    for path in sorted(src.glob("*.xlsx")):
        for sheet, raw in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").items():
            if raw.empty:
                continue
            title = str(raw.iat[0, 0])
            if raw.shape[1] <= 3:
                df = pd.DataFrame([dict(zip(raw[0].astype(str), raw[1], strict=False))])
            else:
                df = raw.iloc[2:].copy()
                df.columns = [str(c) for c in raw.iloc[1]]
            for col in df.columns:
                if any(w in col for w in ("电话", "联系方式", "手机")):
                    df[col] = (
                        df[col].astype(str).str.replace(r"(1\d{2})\d{4}(\d{4})", r"\1****\2", regex=True)
                    )
            start = next(
                (c for c in df.columns if any(w in c for w in ("接收时间", "受理时间", "反馈时间"))), None
            )
            end = next((c for c in df.columns if "响应时间" in c), None)
            if start and end:
                t0 = pd.to_datetime(df[start], errors="coerce")
                t1 = pd.to_datetime(df[end], errors="coerce")
                df["响应用时(分钟)"] = (t1 - t0).dt.total_seconds() / 60
                df["响应超时"] = df["响应用时(分钟)"] > 120
            df.insert(0, "来源", f"{path.name}/{sheet}")
            frames[title].append(df)
    rows = 0
    summary = []
    with pd.ExcelWriter(out / "peer.xlsx", engine="openpyxl") as xw:
        for title, parts in frames.items():
            data = pd.concat(parts, ignore_index=True)
            rows += len(data)
            late = int(data["响应超时"].sum()) if "响应超时" in data else 0
            summary.append({"表单": title, "行数": len(data), "响应超时": late})
            data.to_excel(xw, sheet_name=title[:31], index=False)
        pd.DataFrame(summary).to_excel(xw, sheet_name="汇总", index=False)
    return rows


def leg_svcsheet(src: Path, out: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "svcsheet.cli", "run", str(src), "--out", str(out / "svc"), "--as-of", AS_OF]
    return cmd + (["--jobs", str(jobs)] if jobs else [])


def _tree_memory(ps) -> int:
    """Memory of a process and its children: PSS where the system has it (forked workers share their parent's
    pages; RSS would count them once per process), else RSS."""
    import psutil

    total = 0
    for p in [ps, *ps.children(recursive=True)]:
        try:
            info = p.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except (psutil.AccessDenied, psutil.ZombieProcess):
            total += p.memory_info().rss
    return total


def measure(cmd: list[str], sample: bool = True) -> tuple[float, float]:
    """(seconds, peak MB of the process tree) of one command, memory sampled every 20 ms; ``sample`` False:
    (seconds, 0.0), nothing sampled. The sampler reads every process's /proc smaps_rollup, which walks its page
    tables under the lock its page faults take: it slowed a 20,000-row svcsheet run (three processes
    allocating) from 5.36 to 6.05 s, median of 4 each, and a one-process leg far less. Timed runs are not sampled."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT), "SVCSHEET_KEY": "bench"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    ps = psutil.Process(proc.pid)
    while sample and proc.poll() is None:
        try:
            peak = max(peak, _tree_memory(ps))
        except psutil.Error:
            pass
        time.sleep(0.02)
    err_bytes = proc.communicate()[1]
    seconds = time.perf_counter() - t0
    err = err_bytes.decode() if err_bytes else ""
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[20000, 50000, 100000])
    ap.add_argument("--rows-per-file", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=1, help="runs per leg; the median is printed")
    ap.add_argument("--jobs", type=int, default=None, help="passed to svcsheet run --jobs")
    ap.add_argument("--legs", default="floor,peer,svcsheet")
    ap.add_argument("--keep", type=Path, default=None, help="generate into (and keep) this folder")
    ap.add_argument(
        "--people",
        choices=("samples", "distinct"),
        default="samples",
        help="customers of the generated rows: the samples' few dozen, or a made-up name and mobile per row",
    )
    ap.add_argument(
        "--times",
        choices=("samples", "distinct"),
        default="samples",
        help="dates and times of the generated rows: the samples' few dozen, or each row's moved back at random",
    )
    ap.add_argument("--leg", nargs=2, metavar=("NAME", "SRC"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.leg:  # inside a measured subprocess
        name, src = args.leg[0], Path(args.leg[1])
        out = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        {"floor": leg_floor, "peer": leg_peer}[name](src, out)
        return

    legs = args.legs.split(",")
    measured: dict[int, dict[str, tuple[float, float]]] = {}  # size -> leg -> (seconds, peak MB)
    print(f"{'rows':>7} {'files':>5}  {'leg':<9} {'seconds':>8} {'rows/s':>8} {'peak MB':>8}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            src = args.keep / f"in{size}" if args.keep else Path(tmp) / "in"
            src.mkdir(parents=True, exist_ok=True)
            files = (
                generate(src, size, args.rows_per_file, people=args.people, times=args.times)
                if not any(src.iterdir())
                else len(list(src.iterdir()))
            )
            got: dict[str, tuple[float, float]] = {}

            def command(leg: str, k: int, src: Path = src, tmp: str = tmp) -> list[str]:
                if leg == "svcsheet":
                    return leg_svcsheet(src, Path(tmp) / f"o{k}", args.jobs)
                return [sys.executable, __file__, "--leg", leg, str(src)]

            # the legs in turn, --repeat rounds: a machine that speeds up or slows down during the bench moves
            # every leg alike (one leg's runs after another's differed by up to 27% on this shared machine)
            timed: dict[str, list[float]] = {leg: [] for leg in legs}
            for k in range(args.repeat):
                for leg in legs:
                    timed[leg].append(measure(command(leg, k), sample=False)[0])
            for leg in legs:
                peak = measure(command(leg, args.repeat))[1]  # one more run, sampled, for the memory only
                seconds = statistics.median(timed[leg])
                got[leg] = (seconds, peak)
                print(
                    f"{size:>7} {files:>5}  {leg:<9} {seconds:>8.2f} {size / seconds:>8.0f} {peak:>8.0f}",
                    flush=True,
                )
            if "svcsheet" in got:
                s = got["svcsheet"][0]
                ratios = [f"svcsheet/{leg} {s / got[leg][0]:.2f}x" for leg in ("floor", "peer") if leg in got]
                print(f"{size:>7} {files:>5}  ratios    {'  '.join(ratios)}", flush=True)
            measured[size] = got
    for line in targets(measured):
        print(line)


def targets(measured: dict[int, dict[str, tuple[float, float]]]) -> list[str]:
    """Issue 12's targets against what was measured (size -> leg -> (seconds, peak MB)), a line each: at most
    2.0x the floor and 0.4x the peer at every size, under 500 MB at the largest size, rows/s within 20% across
    the sizes."""
    sizes = [n for n in sorted(measured) if "svcsheet" in measured[n]]
    if not sizes:
        return []
    lines = []
    for leg, limit in (("floor", 2.0), ("peer", 0.4)):
        ratios = [(n, measured[n]["svcsheet"][0] / measured[n][leg][0]) for n in sizes if leg in measured[n]]
        if ratios:
            each = ", ".join(f"{n}: {r:.2f}x" for n, r in ratios)
            verdict = "met" if all(r <= limit for _n, r in ratios) else "NOT met"
            lines.append(f"target svcsheet/{leg} <= {limit}x: {verdict} ({each})")
    largest = sizes[-1]
    peak = measured[largest]["svcsheet"][1]
    lines.append(f"target peak < 500 MB at {largest} rows: {'met' if peak < 500 else 'NOT met'} ({peak:.0f} MB)")
    if len(sizes) > 1:
        rates = [n / measured[n]["svcsheet"][0] for n in sizes]
        spread = max(rates) / min(rates) - 1
        verdict = "met" if spread <= 0.2 else "NOT met"
        span = f"{min(rates):.0f}-{max(rates):.0f}, {spread:.0%}"
        lines.append(f"target rows/s within 20% across sizes: {verdict} ({span})")
    return lines


if __name__ == "__main__":
    main()
