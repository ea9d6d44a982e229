"""The batch as a supervisor sees it: nothing lost, nothing leaked, each finding at its cell, re-runs identical."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from builders import cell_of, good_response_log_row, list_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from svcsheet.deid.leakscan import scan_folder
from svcsheet.forms import get_form
from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)


def _run(inputs, out: Path | None):
    return run(RunOptions(inputs=inputs, out=out, as_of=AS_OF))


def _ids_in(path: Path, label: str) -> Counter:
    """Count ticket ids in every sheet of an output workbook that has a column headed ``label``."""
    found: Counter = Counter()
    wb = load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header or label not in header:
            continue
        col = header.index(label)
        for values in rows:
            if values[col] is not None:
                found[str(values[col])] += 1
    return found


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- conservation ------------------------------------------------------------------------------------------------

MUTATIONS = st.sampled_from(
    [
        {},
        {"category": "不知道"},  # not a choice
        {"customer": None},  # required missing
        {"received_time": "昨天上午"},  # not a time
        {"first_response_time": "2026-11-17 08:00"},  # before the request
        {"solution": "已处理"},  # not a solution
        {"description": '=HYPERLINK("http://x","点我")'},  # formula-looking text
        {"urgency": "加急"},  # synonym, accepted
        {"received_time": "２０２６－１１－１７　０９：３０"},  # full width, accepted
        {"remark": "客户电话13812345678请回电"},  # personal data in free text, accepted and masked
    ]
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(
        st.lists(st.tuples(st.integers(min_value=1, max_value=6), MUTATIONS), min_size=1, max_size=6),
        min_size=1,
        max_size=3,
    )
)
def test_every_row_read_ends_in_clean_or_rejects(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("in")
    typed: Counter = Counter()
    for i, rows in enumerate(files):
        data = [good_response_log_row(n, **mutation) for n, mutation in rows]
        typed.update(r["issue_no"] for r in data)
        list_workbook(folder / f"team{i}.xlsx", "response_log", data)
    out = tmp_path_factory.mktemp("out") / "out"
    result = _run([folder], out)

    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for entry, rows in zip(manifest["inputs"], files, strict=True):
        assert entry["error"] is None
        assert entry["rows_read"] == len(rows)
        assert entry["rows_read"] == entry["rows_clean"] + entry["rows_rejected"]
    label = get_form("response_log").id_label
    written = _ids_in(out / "clean.xlsx", label) + _ids_in(out / "rejects.xlsx", label)
    assert written == typed
    assert result.exit_code == 0


# --- findings point at cells -------------------------------------------------------------------------------------


def test_a_missing_required_field_is_reported_at_its_cell_in_chinese(tmp_path):
    list_workbook(
        tmp_path / "a.xlsx",
        "response_log",
        [good_response_log_row(1), good_response_log_row(2, customer=None)],
    )
    result = _run([tmp_path / "a.xlsx"], None)
    errors = [f for f in result.findings if f.severity == "error"]
    assert [(f.code, f.cell, f.row) for f in errors] == [
        ("required_missing", cell_of("response_log", "customer", 4), 4)
    ]
    assert "客户名称/联系人" in errors[0].message and "请" in errors[0].message


def test_duplicate_ids_across_files_are_both_rejected_and_kept(tmp_path):
    list_workbook(tmp_path / "a.xlsx", "response_log", [good_response_log_row(7)])
    list_workbook(tmp_path / "b.xlsx", "response_log", [good_response_log_row(7), good_response_log_row(8)])
    out = tmp_path / "out"
    result = _run([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], out)
    dup = [f for f in result.findings if f.code == "id_duplicate"]
    assert sorted(f.file for f in dup) == ["a.xlsx", "b.xlsx"]
    rejected = _ids_in(out / "rejects.xlsx", get_form("response_log").id_label)
    assert rejected["20261117007"] == 2


def test_a_response_before_the_request_and_a_vague_solution_are_rejected(tmp_path):
    rows = [
        good_response_log_row(1, first_response_time="2026-11-17 08:00"),
        good_response_log_row(2, solution="已处理"),
    ]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    result = _run([tmp_path / "a.xlsx"], None)
    codes = {(f.code, f.cell) for f in result.findings if f.severity == "error"}
    assert ("time_order", cell_of("response_log", "first_response_time", 3)) in codes
    assert ("vague_solution", cell_of("response_log", "solution", 4)) in codes


# --- nothing leaks -----------------------------------------------------------------------------------------------

NAMES = ["张伟", "欧阳娜娜", "李秀英"]
MOBILE = "13812345678"
ID_NUMBER = "11010519491231002X"
CARD = "6222020200112233446"  # 19 digits, Luhn-valid
EMAIL = "zhangwei@example.com"
SHORT_MOBILE = "1381234567"
WECHAT = "微信zhangwei88"


def _every_text(folder: Path) -> str:
    """All text of every output except returns/ (workbooks unzipped), to search for what was typed."""
    import zipfile

    parts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "returns" in path.relative_to(folder).parts:
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                parts += [z.read(n).decode("utf-8", "ignore") for n in z.namelist()]
        else:
            parts.append(path.read_bytes().decode("utf-8", "ignore"))
    return "\n".join(parts)


def test_planted_personal_data_never_reaches_an_output_except_returns(tmp_path):
    planted = (
        f"张伟说电话{MOBILE}，身份证{ID_NUMBER}，卡号{CARD}，邮箱{EMAIL}，住北京市朝阳区建国路88号3单元501"
    )
    rows = []
    for n, name in enumerate(NAMES, start=1):
        rows.append(
            good_response_log_row(
                n,
                customer=name,
                phone=MOBILE,
                description=planted,
                solution=f"更换主板；{planted}",
                customer_feedback=planted,
                remark=planted,
                overdue_reason=planted,
                handler="王建国",
            )
        )
    rows.append(good_response_log_row(9, customer="李秀英", phone=EMAIL))  # an e-mail typed as the contact
    rows.append(good_response_log_row(10, customer="李秀英", phone=SHORT_MOBILE))  # a digit missing
    rows.append(good_response_log_row(11, customer="李秀英", phone=WECHAT))  # not a phone at all
    list_workbook(tmp_path / f"log王建国{MOBILE}.xlsx", "response_log", rows, sheet=f"王建国{MOBILE}")
    fb = {
        "feedback_no": "FB202611170001",
        "customer_name": "欧阳娜娜",
        "phone": MOBILE,
        "customer_id": "VIP20230001",
        "feedback_time": "2026-11-17 09:00",
        "issue_type": "产品质量",
        "description": planted,
        "customer_request": f"其他({planted})",
        "priority": "高",
        "channel": "电话",
        "handler": "王建国",
        "status": "处理中",
        "plan": planted,
        "remark": planted,
        "root_cause": planted,
        "occurred_time": f"约9月底，{planted}",  # a vague date is kept as text: masked like free text
    }
    list_workbook(tmp_path / "fb.xlsx", "issue_feedback", [fb])
    out = tmp_path / "out"
    _run([tmp_path], out)
    leaks = scan_folder(out, names=[*NAMES, "王建国"])
    assert leaks == []
    typed = [MOBILE, SHORT_MOBILE, WECHAT, ID_NUMBER, CARD, EMAIL, *NAMES, "王建国"]
    assert [
        t for t in typed if t in _every_text(out)
    ] == []  # nothing typed survives, whatever the detector knows
    # the history database beside the output folder holds no personal data either
    history = tmp_path / "history-only"
    history.mkdir()
    (history / "h.sqlite").write_bytes((tmp_path / "svcsheet-history.sqlite").read_bytes())
    assert scan_folder(history, names=[*NAMES, "王建国"]) == []
    assert any((out / "returns").rglob("*.xlsx")), "the agent's annotated copy is written"


# --- workbooks written safely ------------------------------------------------------------------------------------


def test_text_is_never_written_as_a_formula_and_times_are_real_dates(tmp_path):
    rows = [
        good_response_log_row(1, description="=1+1", customer_feedback="+86 反馈", remark="@所有人 -注意")
    ]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    out = tmp_path / "out"
    _run([tmp_path / "a.xlsx"], out)
    ws = load_workbook(out / "clean.xlsx")[get_form("response_log").name]
    header = [c.value for c in ws[1]]
    row = ws[2]
    desc = row[header.index("问题描述")]
    assert desc.data_type == "s" and desc.value == "=1+1"
    received = row[header.index("接收时间")]
    assert received.is_date and received.value == datetime(2026, 11, 17, 9, 30)
    assert "yy" in received.number_format


def test_an_unreadable_file_is_reported_and_the_others_still_processed(tmp_path):
    list_workbook(tmp_path / "good.xlsx", "response_log", [good_response_log_row(1)])
    (tmp_path / "broken.xlsx").write_text("this is not a workbook", encoding="utf-8")
    out = tmp_path / "out"
    result = _run([tmp_path], out)
    assert result.exit_code == 3
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    by_name = {i["path"]: i for i in manifest["inputs"]}
    assert by_name[f"{tmp_path.name}/broken.xlsx"]["error"]
    assert by_name[f"{tmp_path.name}/good.xlsx"]["rows_clean"] == 1


def test_originals_are_never_modified(tmp_path):
    path = list_workbook(tmp_path / "a.xlsx", "response_log", [good_response_log_row(1, customer=None)])
    before = (_sha(path), path.stat().st_mtime_ns)
    _run([path], tmp_path / "out")
    assert (_sha(path), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize("name", ["clean.xlsx", "rejects.xlsx", "summary.xlsx", "run.json", "report.html"])
def test_the_same_inputs_give_byte_identical_outputs(tmp_path, name):
    rows = [good_response_log_row(n) for n in range(1, 5)] + [good_response_log_row(9, customer=None)]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    _run([tmp_path / "a.xlsx"], tmp_path / "one")
    _run([tmp_path / "a.xlsx"], tmp_path / "two")
    assert _sha(tmp_path / "one" / name) == _sha(tmp_path / "two" / name)


def test_the_agents_copy_marks_each_bad_cell_with_a_comment(tmp_path):
    list_workbook(
        tmp_path / "a.xlsx",
        "response_log",
        [good_response_log_row(1), good_response_log_row(2, customer=None)],
    )
    out = tmp_path / "out"
    _run([tmp_path / "a.xlsx"], out)
    copy = load_workbook(out / "returns" / "a.退回.xlsx")
    ws = copy[get_form("response_log").name]
    cell = ws[cell_of("response_log", "customer", 4)]
    assert cell.comment is not None and "必填" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("F8CBAD")
    assert "svcsheet问题清单" in copy.sheetnames


def test_an_output_folder_that_holds_inputs_or_other_files_is_refused(tmp_path):
    from svcsheet.errors import UsageError

    data = tmp_path / "data"
    data.mkdir()
    book = list_workbook(data / "a.xlsx", "response_log", [good_response_log_row(1)])
    with pytest.raises(UsageError):
        _run([data], data)
    with pytest.raises(UsageError):
        _run([book], tmp_path)  # tmp_path holds data/: not an earlier output
    assert book.exists()
    _run([book], tmp_path / "out")
    _run([book], tmp_path / "out")  # an earlier output is replaced
    assert (tmp_path / "out" / "run.json").exists()


def test_impossible_years_are_rejected_and_times_after_the_run_are_flagged(tmp_path):
    rows = [
        good_response_log_row(1, received_time="1800-01-01 09:00", first_response_time=None),
        good_response_log_row(2, resolved_time="2027-12-30 10:00"),  # a year typo: after the run's as-of
    ]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    result = _run([tmp_path / "a.xlsx"], None)
    codes = {(f.code, f.severity, f.cell) for f in result.findings}
    assert ("bad_datetime", "error", cell_of("response_log", "received_time", 3)) in codes
    assert ("future_time", "warning", cell_of("response_log", "resolved_time", 4)) in codes


def test_a_year_the_calendar_does_not_cover_is_named_never_guessed(tmp_path):
    rows = [
        good_response_log_row(
            1,
            urgency="建议",
            received_time="2027-01-05 17:00",
            first_response_time=None,
            resolved_time="2027-01-06 15:00",
        )
    ]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    result = run(RunOptions(inputs=[tmp_path / "a.xlsx"], as_of=datetime(2027, 1, 8, 9, 0)))
    verdict = result.rows[0].sla["first_response"]
    assert verdict.outcome == "无法判定" and "2027" in verdict.reason
    gap = [f for f in result.findings if f.code == "calendar_gap"]
    assert gap and "2027" in gap[0].message and "calendar.years.2027" in gap[0].message


def test_a_common_issue_counts_customers_within_the_window_ending_with_the_period(tmp_path):
    rows = [
        good_response_log_row(
            n,
            phone=f"1391234{n:04d}",  # three different customers
            description="净化器按电源键没反应，开不了机",
            received_time=when,
            first_response_time=None,
        )
        for n, when in ((1, "2026-11-03 10:00"), (2, "2026-11-10 10:00"), (3, "2026-11-17 10:00"))
    ]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    weekly = run(RunOptions(inputs=[tmp_path / "a.xlsx"], as_of=AS_OF, period="2026-W47"))
    monthly = run(RunOptions(inputs=[tmp_path / "a.xlsx"], as_of=AS_OF, period="2026-11"))
    # the default window is the 90 days ending with the report period: a week's report sees the earlier weeks
    assert [c.customers for c in weekly.clustering.common] == [3]
    assert [c.customers for c in monthly.clustering.common] == [3]
    early = run(RunOptions(inputs=[tmp_path / "a.xlsx"], as_of=AS_OF, period="2026-W45"))
    assert early.clustering.common == []  # later weeks are outside a window that ends with W45


def test_two_workbooks_with_one_name_keep_apart_in_every_output(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = list_workbook(
        tmp_path / "a" / "w.xlsx", "response_log", [good_response_log_row(1, customer=None)]
    )
    second = list_workbook(
        tmp_path / "b" / "w.xlsx", "response_log", [good_response_log_row(2, customer=None)]
    )
    out = tmp_path / "out"
    result = _run([first, second], out)
    assert sorted(f.name for f in result.files) == ["a/w.xlsx", "b/w.xlsx"]
    assert len(list((out / "returns").rglob("*.xlsx"))) == 2  # one annotated copy per agent's workbook
