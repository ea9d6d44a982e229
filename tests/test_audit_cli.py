"""The auditor's commands end to end: archive, verify, prune, a run recorded in the ledger, trace."""

from __future__ import annotations

import json
import os
import stat

from builders import good_response_log_row, list_workbook
from click.testing import CliRunner

from svcsheet.cli import cli

AS_OF = ["--as-of", "2026-11-23 09:00"]


def _books(tmp_path):
    folder = tmp_path / "week"
    folder.mkdir()
    list_workbook(
        folder / "a.xlsx", "response_log", [good_response_log_row(1), good_response_log_row(2, customer=None)]
    )
    list_workbook(folder / "b.xlsx", "response_log", [good_response_log_row(3)])
    return folder


def test_archiving_twice_stores_each_file_once_and_says_so(tmp_path):
    folder, store = _books(tmp_path), tmp_path / "store"
    first = CliRunner().invoke(cli, ["archive", str(folder), "--store", str(store)])
    assert first.exit_code == 0, first.output
    assert first.output.count("已归档") == 2
    again = CliRunner().invoke(cli, ["archive", str(folder), "--store", str(store)])
    assert again.output.count("已存在") == 2
    assert len([p for p in (store / "objects").rglob("*") if p.is_file()]) == 2


def test_verify_reports_a_tampered_archive_and_exits_non_zero(tmp_path):
    folder, store = _books(tmp_path), tmp_path / "store"
    CliRunner().invoke(cli, ["archive", str(folder), "--store", str(store)])
    assert CliRunner().invoke(cli, ["verify", "--store", str(store)]).exit_code == 0
    victim = sorted(p for p in (store / "objects").rglob("*") if p.is_file())[0]
    os.chmod(victim, stat.S_IWUSR | stat.S_IRUSR)
    victim.write_bytes(victim.read_bytes() + b"x")
    result = CliRunner().invoke(cli, ["verify", "--store", str(store)])
    assert result.exit_code == 1
    assert "被改动" in result.output


def test_prune_keeps_young_files(tmp_path):
    folder, store = _books(tmp_path), tmp_path / "store"
    CliRunner().invoke(cli, ["archive", str(folder), "--store", str(store)])
    result = CliRunner().invoke(cli, ["archive", "--prune", "--yes", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "已删除" not in result.output
    assert len([p for p in (store / "objects").rglob("*") if p.is_file()]) == 2


def test_a_run_with_a_store_is_traceable_by_ticket_id(tmp_path):
    folder, store, out = _books(tmp_path), tmp_path / "store", tmp_path / "out"
    run = CliRunner().invoke(cli, ["run", str(folder), "--out", str(out), "--store", str(store), *AS_OF])
    assert run.exit_code == 0, run.output
    for where in (["--store", str(store)], ["--out", str(out)]):
        hit = CliRunner().invoke(cli, ["trace", "20261117002", *where, "--json"])
        assert hit.exit_code == 0, hit.output
        data = json.loads(hit.output)
        assert data[0]["file"] == "week/a.xlsx" and data[0]["sheet"] and data[0]["row"] == 4
        assert data[0]["status"] == "rejected"
        assert any(f["code"] == "required_missing" for f in data[0]["findings"])
    clean = json.loads(CliRunner().invoke(cli, ["trace", "20261117001", "--out", str(out), "--json"]).output)
    assert clean[0]["sla"]["first_response"].startswith("达标")
    missing = CliRunner().invoke(cli, ["trace", "NOPE", "--out", str(out)])
    assert missing.exit_code == 1
