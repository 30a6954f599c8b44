"""The ``baocao`` administration commands against a real database (both backends)."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document

from bot.demo import DEMO_AGENCIES
from tests.support.cli import Invoke, ok


def test_init_demo_is_idempotent(run_cli: Invoke) -> None:
    first = ok(run_cli("init", "--demo"))
    assert "Đã thêm cơ quan: SKHCN, SCT" in first
    assert "Đã mở đợt báo cáo #1: annual_it năm 2026, hạn 18/12/2026" in first

    again = ok(run_cli("init", "--demo"))
    assert "Các cơ quan mẫu đã có sẵn." in again
    assert "Đã có đợt báo cáo #1" in again

    listing = ok(run_cli("agencies", "list"))
    for agency in DEMO_AGENCIES:
        assert agency.abbreviation in listing
    assert "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC: Nguyễn Trí Phương" in listing
    assert "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" in listing

    assert ok(run_cli("round", "list")).count("annual_it") == 1
    status = ok(run_cli("round", "status", "1"))
    assert "SKHCN" not in status  # the collecting department does not report to itself
    assert len(re.findall(r"chưa bắt đầu", status, re.IGNORECASE)) == len(DEMO_AGENCIES) - 1


def test_agencies_add_import_and_invite(run_cli: Invoke, tmp_path: Path) -> None:
    ok(run_cli("init"))
    added = ok(run_cli(
        "agencies", "add", "--name", "Sở Xây dựng", "--abbr", "SXD",
        "--signer-name", "Lý Văn Bình", "--signer-authority", "KT. GIÁM ĐỐC",
        "--signer-position", "PHÓ GIÁM ĐỐC",
    ))
    assert "SXD — Sở Xây dựng" in added

    csv_file = tmp_path / "agencies.csv"
    csv_file.write_text(
        "name,abbreviation,governing_body,place,signer_name,level\n"
        "Ủy ban nhân dân phường Trấn Biên,UBNDPTB,UBND TỈNH ĐỒNG NAI,Trấn Biên,"
        "Phan Thị Mai,commune\n",
        encoding="utf-8",
    )
    assert "Đã nhập 1 cơ quan" in ok(run_cli("agencies", "import", str(csv_file)))
    listing = ok(run_cli("agencies", "list"))
    assert "SXD" in listing and "UBNDPTB" in listing and "xã/phường" in listing

    code = ok(run_cli("invite", "SXD", "--role", "dic")).strip()
    assert re.fullmatch(r"[A-Z0-9-]{8,}", code)
    other = ok(run_cli("invite", "SXD")).strip()
    assert other != code


def test_errors_are_one_line_and_exit_1(run_cli: Invoke, tmp_path: Path) -> None:
    ok(run_cli("init"))
    for args, message in [
        (("invite", "KHONGCO"), "Lỗi: Không có cơ quan viết tắt KHONGCO."),
        (("render", "42", "-o", str(tmp_path / "x.docx")), "Lỗi: Không có phiếu số 42."),
    ]:
        result = run_cli(*args)
        assert result.exit_code == 1
        assert message in result.output
        assert "Traceback" not in result.output

    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("name\nSở A\n", encoding="utf-8")
    result = run_cli("agencies", "import", str(bad_csv))
    assert result.exit_code == 1
    assert result.output.startswith("Lỗi: ")


def test_render_writes_a_draft_docx(run_cli: Invoke, tmp_path: Path) -> None:
    ok(run_cli("init", "--demo"))
    target = tmp_path / "out" / "draft.docx"
    assert "Đã ghi bản nháp" in ok(run_cli("render", "1", "-o", str(target)))
    document = Document(str(target))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    text = "\n".join([*(p.text for p in document.paragraphs), *cells])
    assert "BÁO CÁO" in text
    assert "/BC-SCT" in text  # a draft: "Số:      /BC-SCT"
