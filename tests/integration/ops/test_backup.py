"""``baocao backup`` mid-round, ``baocao restore`` into an empty database: the officer's
draft renders to the same DOCX bytes and the round status is the same (both backends)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from tests.conftest import _drop_pg_database, _new_pg_database
from tests.support.cli import ok

SUMMARY = "Đơn vị đã ban hành Kế hoạch chuyển đổi số năm 2026 (trước khi sao lưu)."


@pytest.fixture
def baocao(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``baocao(url, *args, input=…)`` in-process, no stray settings or tokens."""
    monkeypatch.chdir(tmp_path)
    for name in ("BAOCAO_DATABASE_URL", "BAOCAO_SECRET_KEY", "TELEGRAM_BOT_TOKEN",
                 "ZALO_OA_ACCESS_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BAOCAO_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()

    def invoke(url: str, *args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, [*args, "--database-url", url], input=input)

    return invoke


@pytest.fixture
def target_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path
               ) -> Iterator[str]:
    """A database of the same backend as ``database_url`` with no tables at all."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'baocao.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("pg_admin_url")
    url = _new_pg_database(admin_url)
    try:
        yield url
    finally:
        _drop_pg_database(admin_url, url)


def snapshot(baocao, url: str, docx: Path) -> tuple[dict, dict[str, bytes]]:
    """The round status and the draft DOCX of assignment 1: every part's name and
    bytes (the render time in the file properties aside, nothing may differ)."""
    status = json.loads(ok(baocao(url, "round", "status", "1", "--json")))
    ok(baocao(url, "render", "1", "-o", str(docx)))
    with zipfile.ZipFile(docx) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["docProps/core.xml"] = re.sub(  # created/modified: when it was rendered
        rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1", parts["docProps/core.xml"])
    return status, parts


def test_backup_mid_round_restores_the_same_drafts_and_status(
    baocao, database_url: str, target_url: str, tmp_path: Path
) -> None:
    ok(baocao(database_url, "init", "--demo"))
    ok(baocao(database_url, "chat", "--agency", "SCT", input=SUMMARY + "\n"))
    before_status, before_docx = snapshot(baocao, database_url, tmp_path / "before.docx")
    states = {a["abbreviation"]: a["state"] for a in before_status["agencies"]}
    assert states["SCT"] == "in_progress"  # really mid-round

    dump = tmp_path / "backups" / "baocao.backup"
    out = ok(baocao(database_url, "backup", str(dump)))
    assert "Đã sao lưu" in out and dump.stat().st_size > 0

    out = ok(baocao(target_url, "restore", str(dump)))
    assert "Đã khôi phục" in out
    after_status, after_docx = snapshot(baocao, target_url, tmp_path / "after.docx")
    assert after_status == before_status
    assert after_docx == before_docx
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "after.docx")).paragraphs)
    assert SUMMARY in text

    # the officer carries on where they were, in the restored database
    carry_on = ok(baocao(target_url, "chat", "--agency", "SCT", input=""))
    assert "Câu 2/" in carry_on


def test_restore_refuses_a_database_with_data_and_keeps_it(
    baocao, database_url: str, tmp_path: Path
) -> None:
    ok(baocao(database_url, "init", "--demo"))
    dump = tmp_path / "baocao.backup"
    ok(baocao(database_url, "backup", str(dump)))
    ok(baocao(database_url, "chat", "--agency", "SCT", input=SUMMARY + "\n"))

    refused = baocao(database_url, "restore", str(dump))
    assert refused.exit_code == 1
    assert "đã có dữ liệu" in refused.output and "--replace" in refused.output
    assert "Câu 2/" in ok(baocao(database_url, "chat", "--agency", "SCT", input=""))

    # --replace: back to the moment of the backup (no answer yet)
    ok(baocao(database_url, "restore", "--replace", str(dump)))
    assert "Câu 1/" in ok(baocao(database_url, "chat", "--agency", "SCT", input=""))


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_backend(
    baocao, database_url: str, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("không phải bản sao lưu", encoding="utf-8")
    refused = baocao(database_url, "restore", str(junk))
    assert refused.exit_code == 1
    assert "không phải bản sao lưu của Báo cáo bot" in refused.output
    assert "Traceback" not in refused.output
