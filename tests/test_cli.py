"""The command line as a user meets it: help for every command, the schema shape, exit codes."""

from __future__ import annotations

import json
import re

import pytest
from builders import good_response_log_row, list_workbook
from click.testing import CliRunner

from svcsheet.cli import cli
from svcsheet.forms import load_forms

SPEC_STAGES = {
    "response_log": ["first_response"],
    "service_card": [
        "register",
        "classify",
        "dispatch",
        "first_response",
        "arrival",
        "completion",
        "confirm",
        "survey",
        "archive",
    ],
    "issue_feedback": ["check", "analysis", "notice", "revisit"],
    "service_feedback": ["invite", "classify", "closure"],
    "complaint_followup": ["verify", "submit", "review", "progress", "followup"],
}


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert cli.commands[command].help, f"{command} has no docstring"
    assert "Usage:" in result.output


def test_schema_json_has_the_documented_shape_and_every_spec_stage():
    result = CliRunner().invoke(cli, ["schema", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [f["key"] for f in data["forms"]] == [
        "service_feedback",
        "issue_feedback",
        "complaint_followup",
        "service_card",
        "response_log",
    ]
    for form in data["forms"]:
        assert set(form) == {"key", "name", "id_field", "fields", "stages"}
        for field in form["fields"]:
            assert set(field) == {"key", "label", "required", "type", "choices"}
        assert [s["key"] for s in form["stages"]] == SPEC_STAGES[form["key"]]
        assert form["id_field"] in [f["key"] for f in form["fields"]]


def test_an_unknown_form_is_a_usage_error():
    result = CliRunner().invoke(cli, ["schema", "no_such_form"])
    assert result.exit_code == 2
    assert "no_such_form" in result.output


def test_run_exits_0_with_rejected_rows_and_3_when_a_file_is_unreadable(tmp_path):
    list_workbook(
        tmp_path / "a.xlsx",
        "response_log",
        [good_response_log_row(1), good_response_log_row(2, customer=None)],
    )
    ok = CliRunner().invoke(
        cli, ["run", str(tmp_path / "a.xlsx"), "--out", str(tmp_path / "o1"), "--as-of", "2026-11-23 09:00"]
    )
    assert ok.exit_code == 0, ok.output
    assert "合计" in ok.output
    (tmp_path / "bad.xls").write_bytes(b"\x00\x01 not excel")
    bad = CliRunner().invoke(
        cli, ["run", str(tmp_path), "--out", str(tmp_path / "o2"), "--as-of", "2026-11-23 09:00"]
    )
    assert bad.exit_code == 3, bad.output
    assert (tmp_path / "o2" / "clean.xlsx").exists()


def test_a_bad_as_of_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--as-of", "yesterday"]
    )
    assert result.exit_code == 2


def test_policy_show_init_and_a_mistake_named_by_its_key(tmp_path):
    shown = CliRunner().invoke(cli, ["policy", "--show"])
    assert shown.exit_code == 0 and "first_response" in shown.output
    target = tmp_path / "team.yaml"
    assert CliRunner().invoke(cli, ["policy", "--init", str(target)]).exit_code == 0
    assert "#" in target.read_text(encoding="utf-8")  # a commented copy to edit
    assert CliRunner().invoke(cli, ["policy", "--init", str(target)]).exit_code == 2  # never overwritten
    target.write_text("business_hours:\n  start: '25:00'\n", encoding="utf-8")
    bad = CliRunner().invoke(cli, ["policy", "--show", "--policy", str(target)])
    assert bad.exit_code == 2
    assert "business_hours.start" in bad.output


def test_template_all_writes_one_workbook_per_form(tmp_path):
    result = CliRunner().invoke(cli, ["template", "--all", "-o", str(tmp_path / "blank")])
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in (tmp_path / "blank").glob("*.xlsx")) == sorted(
        f.name for f in load_forms().values()
    )
    assert sorted(load_forms()) == sorted(SPEC_STAGES)


def test_template_by_part_of_the_chinese_name_and_a_chinese_refusal(tmp_path):
    ok = CliRunner().invoke(cli, ["template", "投诉处理表", "-o", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "售后服务投诉处理表责任人反馈表.xlsx").exists()
    bad = CliRunner().invoke(cli, ["template", "报修单", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and "「报修单」没有这种表单" in bad.output
    assert not re.search(r"[A-Za-z]{4,}", bad.output.split("可用的表单")[0])  # one language on the line


def test_every_command_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in cli.commands:
        assert f"`svcsheet {command}" in readme, command


def test_validate_lists_each_finding_by_sheet_and_cell(tmp_path):
    from builders import cell_of

    list_workbook(tmp_path / "a.xlsx", "response_log", [good_response_log_row(1, solution="已处理")])
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "a.xlsx"), "--strict"])
    assert result.exit_code == 1
    cell = cell_of("response_log", "solution", 3)
    line = next(x for x in result.output.splitlines() if f"!{cell}" in x)
    assert line.strip().startswith("错误") and "请写明具体措施" in line


def test_run_prints_the_counts_run_json_records_and_validate_the_same(tmp_path):
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    as_of = ["--as-of", "2026-11-23 09:00"]
    ran = CliRunner().invoke(cli, ["run", str(samples), "--out", str(tmp_path / "out"), "--history", "off", *as_of])
    checked = CliRunner().invoke(cli, ["validate", str(samples), *as_of])
    assert ran.exit_code == checked.exit_code == 0, ran.output + checked.output

    def table(output: str) -> list[str]:
        lines = output[output.index("处理结果") :].splitlines()
        return [line for line in lines if "│" in line]

    assert table(ran.output) == table(checked.output)
    totals = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["totals"]
    last = [cell.strip() for cell in table(ran.output)[-1].split("│")]
    assert last[1:6] == ["合计", str(totals["rows_read"]), str(totals["rows_clean"]), str(totals["rows_rejected"]),
                         str(totals["findings"]["warning"])]
