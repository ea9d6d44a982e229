"""Mutated XML inside the sample workbooks: reading, parsing and checking a file may refuse it, never crash.

A handful of examples per format (no deadline: a slow example is not a failure, a hang is caught by the
budget); every mutation ends either in rows or in the per-file unreadable path with a plain Chinese reason.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import hostile
from builders import good_response_log_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.forms import get_form, load_forms
from svcsheet.pipeline import _read_file
from svcsheet.policy import load_policy
from svcsheet.reading.discover import InputFile

SAMPLE = Path(__file__).resolve().parent.parent / "sample_workbooks" / "service_feedback_2026-11.xlsx"
TOKENS = [
    b"<", b">", b"/>", b"'", b'"', b"&", b"&#0;", b"NaN", b"INF", b"-1", b"1e999", b"99999999999999",
    b"<c>", b"</row>", b"<x-s:c r='A1'>", b' r="XFD1048576"', b" ref='A1:XFD1048576'", b"\x00", b"\xff\xfe",
    b"]]>", b"<!--", b"<![CDATA[", b' t="n"', b' t="e"', b"<f>1/0</f>", b"<v></v>",
    b' table:number-columns-repeated="99999"', b' table:number-rows-spanned="70000"', b' office:value="NaN"',
    b' office:value-type="float"', b"<text:span>", b"<text:s text:c='99999999'/>",
]
MUTATIONS = st.lists(
    st.tuples(st.floats(0, 1), st.sampled_from(["insert", "delete", "replace"]), st.sampled_from(TOKENS)),
    min_size=1,
    max_size=6,
)


def _ods_sample(path: Path) -> Path:
    form = get_form("response_log")
    rows = [[f.label for f in form.fields]] + [
        [good_response_log_row(n).get(f.key) for f in form.fields] for n in range(1, 6)
    ]
    return hostile.ods_package(path, hostile.ods_table("响应记录", rows))


def _mutate(data: bytes, mutations: list[tuple[float, str, bytes]]) -> bytes:
    for where, op, token in mutations:
        pos = int(where * len(data))
        if op == "insert":
            data = data[:pos] + token + data[pos:]
        elif op == "delete":
            data = data[:pos] + data[pos + len(token) * 4 :]
        else:
            data = data[:pos] + token + data[pos + len(token) :]
    return data


def _rewrite(src: Path, dst: Path, part_index: int, mutations) -> None:
    with zipfile.ZipFile(src) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    xml = [i for i, (info, _) in enumerate(parts) if info.filename.endswith(".xml")]
    target = xml[part_index % len(xml)]
    with zipfile.ZipFile(dst, "w") as zf:
        for i, (info, data) in enumerate(parts):
            zf.writestr(info, _mutate(data, mutations) if i == target else data)


def _assert_isolated(path: Path) -> None:
    result = _read_file(InputFile(path, path.name), load_forms(), load_policy(None), datetime(2026, 11, 23, 9))
    if result.error:
        rest = re.sub(r"「[^」]*」", "", result.error)
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"Excel|WPS|XML|\.xlsx", "", rest)), result.error
        assert "/" not in rest and "Traceback" not in result.error


_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@_SETTINGS
@given(st.integers(0, 50), MUTATIONS)
def test_mutated_xlsx_xml_never_escapes_the_file(part, mutations):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.xlsx"
        _rewrite(SAMPLE, path, part, mutations)
        _assert_isolated(path)


@_SETTINGS
@given(st.integers(0, 50), MUTATIONS)
def test_mutated_ods_xml_never_escapes_the_file(part, mutations):
    with tempfile.TemporaryDirectory() as tmp:
        sample = _ods_sample(Path(tmp) / "sample.ods")
        path = Path(tmp) / "mutated.ods"
        _rewrite(sample, path, part, mutations)
        _assert_isolated(path)
