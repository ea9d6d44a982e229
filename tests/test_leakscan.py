"""The leak scanner finds planted personal data in every kind of output file and stays quiet on masked data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment

from svcsheet.deid.leakscan import Leak, scan_folder

MOBILE = "13812345678"


def _luhn_complete(body: str) -> str:
    for d in "0123456789":
        s = body + d
        total = sum(
            (v - 9 if v > 9 else v) for v in (int(c) * (2 if i % 2 else 1) for i, c in enumerate(s[::-1]))
        )
        if total % 10 == 0:
            return s
    raise AssertionError("unreachable")


CARD = _luhn_complete("621700123456789012")


def _masked_workbook(path: Path) -> None:
    """What a correct output looks like: masked values only, with comments and properties set."""
    wb = Workbook()
    ws = wb.active
    ws.title = "服务单"
    ws.append(["服务单号", "客户姓名", "联系方式", "问题描述", "处理人"])
    ws.append(["FW202405200001", "张**", "138****5678", "客户来电反映无法开机，身份证[已删除]", "员工-3fa2"])
    ws.append(
        ["FW202405200002", "A公司/*先生", "400-123-4567", f"退款卡{CARD[:4]}****{CARD[-4:]}", "*工号001"]
    )
    ws.append(
        ["FW202405200003", "李女士", "010-****5678", "邮箱z***@example.com，2024-05-20 09:30 上门", "王经理"]
    )
    ws["D2"].comment = Comment("已回访，客户 138****5678 表示满意", "员工-3fa2")
    wb.properties.creator = "svcsheet"
    wb.save(path)


def test_phone_in_a_comment_is_found(tmp_path: Path) -> None:
    _masked_workbook(tmp_path / "summary.xlsx")
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "无异常"
    ws["A1"].comment = Comment(f"客户手机{MOBILE}，请回电", "审核")
    wb.save(tmp_path / "planted.xlsx")

    leaks = scan_folder(tmp_path)
    assert [(leak.path, leak.kind, leak.sample) for leak in leaks] == [
        ("planted.xlsx", "mobile", "138****5678")
    ]
    assert "comments" in leaks[0].where and "A1" in leaks[0].where
    assert MOBILE not in repr(leaks)


def test_masked_only_workbook_is_clean(tmp_path: Path) -> None:
    _masked_workbook(tmp_path / "summary.xlsx")
    assert scan_folder(tmp_path, names=["张伟", "李娜"]) == []


def test_everything_an_xlsx_can_hide(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = MOBILE  # a sheet name
    ws["A1"] = "客户 zhang.wei@example.com"
    ws["B2"] = f"卡号{CARD}"
    wb.properties.creator = "张伟"  # a document property
    wb.save(tmp_path / "out.xlsx")

    kinds = {(leak.kind, leak.sample) for leak in scan_folder(tmp_path, names=["张伟"])}
    assert kinds == {
        ("mobile", "138****5678"),
        ("email", "z***@example.com"),
        ("bank_card", f"{CARD[:4]}****{CARD[-4:]}"),
        ("name", "张**"),
    }


def test_text_json_csv_and_sqlite(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("<p>客户&#49;3812345678</p><p>400-123-4567</p>", encoding="utf-8")
    (tmp_path / "run.json").write_text(json.dumps({"rows": [{"客户": "欧阳娜娜"}]}, ensure_ascii=True))
    (tmp_path / "list.csv").write_text("编号,身份证\n1,11010519491231002X\n", encoding="utf-8")
    con = sqlite3.connect(tmp_path / "history.sqlite")
    con.execute("CREATE TABLE tickets (id TEXT, phone INTEGER, note TEXT)")
    con.execute("INSERT INTO tickets VALUES ('FW1', 13912345678, '138****5678')")
    con.commit()
    con.close()

    found = {(leak.path, leak.kind) for leak in scan_folder(tmp_path, names=["欧阳娜娜"])}
    assert found == {
        ("report.html", "mobile"),
        ("run.json", "name"),
        ("list.csv", "id_number"),
        ("history.sqlite", "mobile"),
    }


def test_returns_folder_is_skipped_and_others_are_not(tmp_path: Path) -> None:
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "back_to_team.txt").write_text(f"原表电话 {MOBILE}", encoding="utf-8")
    assert scan_folder(tmp_path) == []
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "week.md").write_text(f"回电 {MOBILE}", encoding="utf-8")
    assert scan_folder(tmp_path) == [Leak("reports/week.md", "第1行", "mobile", "138****5678")]
    assert len(scan_folder(tmp_path, skip=())) == 2


@pytest.mark.parametrize("name", ["张伟", "欧阳娜娜"])
def test_masked_names_are_not_full_names(tmp_path: Path, name: str) -> None:
    (tmp_path / "a.txt").write_text("张** 欧阳** 张先生", encoding="utf-8")
    assert scan_folder(tmp_path, names=[name]) == []
