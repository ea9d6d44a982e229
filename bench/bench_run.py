"""Batch benchmark: N response-log rows spread over files, read + validate alone, then the full run with outputs.

    python bench/bench_run.py [ROWS] [FILES]

Prints seconds for: building the inputs (not svcsheet), validate (read, parse, validate, de-identify, SLA, common
issues, figures) and run (the same plus every output). The difference is the cost of writing outputs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from svcsheet.forms import get_form
from svcsheet.pipeline import RunOptions, run

PROBLEMS = [
    "设备无法启动，按电源键没反应",
    "空调不制冷，吹出来是热风",
    "洗衣机漏水",
    "APP 登录不上",
    "快递三天还没到",
]


def build(folder: Path, rows: int, files: int) -> None:
    form = get_form("response_log")
    labels = [f.label for f in form.fields]
    start = datetime(2026, 11, 16, 9, 0)
    per_file = rows // files
    n = 0
    for i in range(files):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(form.name)
        ws.append([form.name])
        ws.append(labels)
        for _ in range(per_file):
            n += 1
            received = start + timedelta(minutes=7 * n % 10000)
            values = {
                "issue_no": f"20261116{n:05d}",
                "customer": "*先生",
                "phone": f"139{n:08d}",
                "description": PROBLEMS[n % len(PROBLEMS)] + f"，第{n}台",
                "category": "技术故障",
                "urgency": ("紧急", "一般", "建议")[n % 3],
                "received_time": received,
                "first_response_time": received + timedelta(minutes=5 + n % 200),
                "solution": "远程指导重启并更换电源适配器",
                "handler": f"*工号{n % 40:03d}",
                "result": "已解决",
                "satisfaction": "满意",
            }
            ws.append([values.get(f.key) for f in form.fields])
        wb.save(folder / f"log{i:02d}.xlsx")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    os.environ.setdefault("SVCSHEET_KEY", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        t0 = time.perf_counter()
        build(folder, rows, files)
        t1 = time.perf_counter()
        run(RunOptions(inputs=[folder], as_of=datetime(2026, 11, 23, 9, 0)))
        t2 = time.perf_counter()
        result = run(RunOptions(inputs=[folder], out=Path(tmp) / "out", as_of=datetime(2026, 11, 23, 9, 0)))
        t3 = time.perf_counter()
    print(f"rows={len(result.rows)} files={files}")
    print(f"build inputs  {t1 - t0:7.1f} s")
    print(f"validate      {t2 - t1:7.1f} s  ({len(result.rows) / (t2 - t1):,.0f} rows/s)")
    print(f"run + outputs {t3 - t2:7.1f} s  (writing outputs ~{(t3 - t2) - (t2 - t1):.1f} s)")


if __name__ == "__main__":
    main()
