"""De-identification against hostile and awkward input: long cells, PII glued to letters, digits and underscores,
direction controls, file names; what a user would see in the outputs and the archive."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.audit.archive import archive_files, list_store, restore, verify_store
from svcsheet.audit.auditor import archive_inputs, trace
from svcsheet.common_issues.textnorm import model_numbers, normalise_text
from svcsheet.deid.deidentifier import Deidentifier
from svcsheet.deid.leakscan import scan_folder, scan_text
from svcsheet.deid.pii import find_pii
from svcsheet.deid.redact import mask_file_name, safe_file_name
from svcsheet.pipeline import RunOptions, run
from tests.builders import good_response_log_row, list_workbook

KEY = b"test-key"
MOBILE = "13812345678"
EMAIL = "zhang.wei@example.com"
CARD = "6222021001001234"  # Luhn-valid UnionPay number
ID = "11010519491231002X"


def _luhn_ok() -> bool:
    from svcsheet.deid.pii import luhn_ok

    return luhn_ok(CARD)


def test_card_fixture_is_a_card() -> None:
    assert _luhn_ok()


# --- linear time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "设备无法启动按电源键没反应" * 80_000,  # a long description without punctuation
        "a" * 1_000_000,  # one long latin run (the masked e-mail and model-number patterns backtracked on it)
        "1" * 1_000_000,
        ("北京市朝阳区中山路" * 120_000)[:1_000_000],
    ],
    ids=["cjk", "latin", "digits", "addresses"],
)
def test_a_1mb_cell_is_masked_and_normalised_without_stalling(cell: str) -> None:
    started = time.monotonic()
    masked, _ = Deidentifier(KEY).free_text(cell)
    normalise_text(masked)
    model_numbers(masked)
    assert time.monotonic() - started < 60  # a hang guard, not a benchmark (quadratic took hours)
    assert len(masked) >= len(cell) // 2


# --- boundaries -----------------------------------------------------------------------------------

GLUED = [
    (f"{MOBILE}_zhang@example.com", "email"),
    (f"zhang_{MOBILE}@qq.com", "email"),
    (f"故障码E3{MOBILE}", "mobile"),
    (f"故障码F12{MOBILE}，请回电", "mobile"),
    (f"电话{MOBILE} 2台都坏了", "mobile"),
    (f"user_{MOBILE}_x", "mobile"),
    (f"卡号{CARD} 8张", "bank_card"),
    (f"卡号{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]} 3", "bank_card"),
    (f"身份证{ID}号", "id_number"),
    (f"证件{ID[:-1]}0X", None),  # not valid: nothing to mask, nothing found
]


@pytest.mark.parametrize(("text", "kind"), GLUED)
def test_pii_glued_to_letters_digits_and_underscores_is_masked(text: str, kind: str | None) -> None:
    masked, kinds = Deidentifier(KEY).free_text(text)
    assert scan_text(masked) == []
    if kind:
        assert kind in kinds and masked != text


@pytest.mark.parametrize(
    "text",
    [
        "FW202405200001",
        "FB202310010001",
        "20231001001",
        "202310010001",
        "20231001 0930",
        "GX-a1b2c3",
        "批次B2311，型号KFR-35GW，故障码E3",
        "2026-11-17 09:30 来电，问题编号20261117001",
        "abcdefgh234567ab",  # a customer key (base32)
        "员工-ab2c",
    ],
)
def test_ticket_ids_dates_and_keys_are_left_alone(text: str) -> None:
    assert Deidentifier(KEY).free_text(text) == (text, [])
    assert scan_text(text) == []


def test_masked_values_are_not_leaks() -> None:
    masked, _ = Deidentifier(KEY).free_text(f"{MOBILE}_zhang@example.com，故障码E3{MOBILE}，卡{CARD} 8")
    assert "@example.com" in masked and "E3138****5678" in masked
    assert scan_text(masked) == [] and find_pii(masked) == []


# --- direction controls and file names ------------------------------------------------------------

RLO = "\u202e"


def test_direction_controls_are_removed_from_every_masked_value() -> None:
    d = Deidentifier(KEY)
    assert d.free_text(f"客户{RLO}说{RLO}不制冷\u2066a\u2069\u200f")[0] == "客户说不制冷a"
    assert RLO not in d.person(f"张伟{RLO}") and RLO not in d.staff(f"王芳{RLO}") and RLO not in d.phone(f"{MOBILE}{RLO}")
    assert scan_text(f"x{RLO}y") == [("bidi", "U+202E")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张**_138****5678.xlsx", "张＊＊_138＊＊＊＊5678.xlsx"),
        ('a?b:c<d>e|f"g\\h/i.xlsx', "a_b_c_d_e_f_g_h_i.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("lpt1", "_lpt1"),
        ("报表. . ", "报表"),
        (f"{RLO}xslx.exe", "xslx.exe"),
        ("", "_"),
    ],
)
def test_safe_file_name_is_storable_on_windows(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_safe_file_name_keeps_the_extension_of_a_long_name() -> None:
    out = safe_file_name("长" * 400 + ".xlsx")
    assert out.endswith(".xlsx") and len(out) <= 150


def test_file_names_are_masked_like_outputs_mask_them() -> None:
    assert mask_file_name(f"客户张伟{MOBILE}_zhang@example.com{RLO}.xlsx", ["张伟"]) == "客户张**1***@example.com.xlsx"


# --- property -------------------------------------------------------------------------------------

CJK = st.text(alphabet=st.sampled_from(list("的一是在不了有和人这中大为上个我")), max_size=4)
LETTERS = st.text(alphabet=st.sampled_from(list("abcXYZ_")), max_size=4)
DIGITS = st.text(alphabet=st.sampled_from(list("0123456789")), min_size=1, max_size=3)


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(before, pii, after, kind): neighbours that cannot be read as part of the value itself."""
    kind = draw(st.sampled_from(["mobile", "card", "id", "email"]))
    if kind == "email":
        pii = draw(st.sampled_from(["", f"{MOBILE}_", "a1_"])) + "zhang.wei@example.com"
        before = draw(st.one_of(CJK, st.just(" ")))
        after = draw(st.one_of(CJK, st.just("_"), DIGITS.map(lambda d: "_" + d)))
        return before, pii, after, "email"
    pii = {"mobile": MOBILE, "card": CARD, "id": ID}[kind]
    before = draw(st.one_of(CJK, LETTERS, st.sampled_from(["E3", "故障码F12"]) if kind == "mobile" else CJK))
    after = draw(st.one_of(CJK, LETTERS.filter(lambda s: not s.lower().startswith("x")), DIGITS.map(lambda d: " " + d)))
    return before, pii, after, kind


@settings(max_examples=200, deadline=None)
@given(planted(), CJK, CJK)
def test_property_planted_pii_never_survives_and_its_neighbours_do(p: tuple, head: str, tail: str) -> None:
    before, pii, after, _ = p
    text = head + before + pii + after + tail
    masked, kinds = Deidentifier(KEY).free_text(text)
    assert kinds
    assert pii not in masked and scan_text(masked) == []
    assert masked.startswith(head + before) and masked.endswith(after + tail)


# --- through a run: what the supervisor and the auditor see ---------------------------------------


def _hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [good_response_log_row(i) for i in range(1, 4)]
    rows[0]["description"] = f"客户{MOBILE}_zhang@example.com反映故障码E3{MOBILE}{RLO}，卡号{CARD} 8"
    list_workbook(folder / f"客户{MOBILE}_zhang@example.com{RLO}.xlsx", "response_log", rows, sheet=f"张伟E3{MOBILE}{RLO}")
    return folder


def test_run_outputs_hold_no_glued_pii_and_the_agent_is_told(tmp_path: Path) -> None:
    folder = _hostile_folder(tmp_path)
    out = tmp_path / "out"
    run(RunOptions(inputs=[folder], out=out, as_of=datetime(2026, 11, 23, 9, 0)))
    assert scan_folder(out) == []
    assert list(tmp_path.glob("*.sqlite"))  # the history database beside the outputs ...
    assert scan_folder(tmp_path, skip=("in",)) == []  # ... holds no leak either
    manifest = (out / "run.json").read_text(encoding="utf-8")
    assert "zhang@" not in manifest and MOBILE not in manifest and "1***@example.com" in manifest
    assert "E3138****5678" in manifest or "E3138****5678" in (out / "trace.json").read_text(encoding="utf-8")
    traced = json.loads((out / "trace.json").read_text(encoding="utf-8"))
    assert all("zhang" not in json.dumps(t, ensure_ascii=False) for t in traced["tickets"])
    first = next(t for t in traced["tickets"] if t["ticket_id"] == "20261117001")
    assert any(f["code"] == "pii_masked" and "手机号" in f["message"] for f in first["findings"])


def test_archive_ledger_keeps_masked_names_and_stores_privately(tmp_path: Path) -> None:
    folder = _hostile_folder(tmp_path)
    (folder / "notes.txt").write_text("not a workbook")
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes((next(folder.glob("*.xlsx"))).read_bytes())
    os.symlink(secret, folder / "link.xlsx")
    store = tmp_path / "store"
    entries = archive_files(sorted(folder.iterdir()), store, roots=[folder])
    refused = {e.original_name: e.refused for e in entries if e.refused}
    assert set(refused) == {"notes.txt", "link.xlsx"}
    (stored,) = list_store(store)
    assert stored.original_names == ("客户1***@example.com.xlsx",)
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert stat.S_IMODE((store / "objects").stat().st_mode) == 0o700
    assert stat.S_IMODE((store / stored.stored_path).stat().st_mode) == 0o400
    assert stat.S_IMODE((store / "ledger.sqlite").stat().st_mode) == 0o600
    assert scan_folder(store, skip=("objects",)) == []  # the ledger; the objects are the originals


def test_key_file_is_never_archived(tmp_path: Path) -> None:
    from svcsheet.deid.keys import default_key_file

    key = default_key_file()
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 looks like a workbook")
    (entry,) = archive_files([key], tmp_path / "store")
    assert entry.refused and "密钥" in entry.refused


def test_verify_names_damaged_files_and_restore_gives_them_back(tmp_path: Path) -> None:
    folder = _hostile_folder(tmp_path)
    store = tmp_path / "store"
    (entry,) = archive_inputs([folder], store)
    back = restore(store, entry.sha256[:10], tmp_path / "back")
    assert [p.name for p in back] == ["客户1＊＊＊@example.com.xlsx"]
    assert back[0].read_bytes() == next(folder.glob("*.xlsx")).read_bytes()
    assert stat.S_IMODE(back[0].stat().st_mode) == 0o600
    assert restore(store, entry.original_name, tmp_path / "by_name")  # by the recorded name too
    (store / entry.stored_path).unlink()
    report = verify_store(store)
    assert report.missing == [entry.stored_path]
    assert report.names[entry.stored_path] == ("客户1***@example.com.xlsx",)
    from click.testing import CliRunner

    from svcsheet.cli import cli

    shown = CliRunner().invoke(cli, ["verify", "--store", str(store)])
    assert shown.exit_code == 1 and "缺失：客户1***@example.com.xlsx" in shown.output


def test_restore_of_a_name_shared_by_two_contents_writes_both(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "周报.xlsx", tmp_path / "b" / "周报.xlsx"
    list_workbook(a.parent.mkdir() or a, "response_log", [good_response_log_row(1)])
    list_workbook(b.parent.mkdir() or b, "response_log", [good_response_log_row(2)])
    store = tmp_path / "store"
    archive_files([a, b], store)
    back = restore(store, "周报.xlsx", tmp_path / "back")
    assert len(back) == 2 and len({p.read_bytes() for p in back}) == 2


def test_trace_after_a_plain_archive_says_no_run_is_recorded(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from svcsheet.cli import cli

    folder = _hostile_folder(tmp_path)
    store = tmp_path / "store"
    archive_inputs([folder], store)
    assert trace("20261117002", store=store)[0]["run_id"] is None
    result = CliRunner().invoke(cli, ["trace", "20261117002", "--store", str(store)])
    assert result.exit_code == 0
    assert "没有登记过运行" in result.output and "None" not in result.output
    listed = CliRunner().invoke(cli, ["archive", "--store", str(store), "--list"])
    assert "客户1***@example.com.xlsx" in listed.output


def test_an_older_ledger_with_original_names_is_masked_when_archiving_again(tmp_path: Path) -> None:
    import sqlite3

    folder = _hostile_folder(tmp_path)
    store = tmp_path / "store"
    (entry,) = archive_inputs([folder], store)
    with sqlite3.connect(store / "ledger.sqlite") as con:  # as an older svcsheet wrote it
        con.execute("UPDATE file_names SET original_name = ?", (f"客户{MOBILE}_zhang@example.com.xlsx",))
    assert scan_folder(store, skip=("objects",))
    archive_inputs([folder], store)
    assert list_store(store)[0].original_names == ("客户1***@example.com.xlsx",)
    assert scan_folder(store, skip=("objects",)) == []
