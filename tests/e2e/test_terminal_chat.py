"""``baocao chat`` driven through a pipe, as a script would."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from docx import Document

from tests.e2e.support import BAOCAO, baocao, cli_env

FIRST_PROMPT = "Câu 1/"


def test_piped_terminal_chat_binds_asks_and_stores_answers(
    database_url: str, tmp_path: Path
) -> None:
    env = cli_env(database_url, tmp_path)
    baocao("init", "--demo", env=env, cwd=tmp_path)
    summary = "Đơn vị đã ban hành Kế hoạch chuyển đổi số năm 2026 (thử qua terminal)."

    first = baocao("chat", "--agency", "SCT", env=env, cwd=tmp_path, stdin=summary + "\n")
    out = first.stdout
    assert FIRST_PROMPT in out
    assert "I. Môi trường pháp lý" in out
    assert re.search(r"^\[\d+\] ◀ Quay lại", out, re.MULTILINE)  # buttons as numbered lines
    assert "Câu 2/" in out  # the answer was accepted and the next question asked
    assert "Traceback" not in first.stderr

    # A second session of the same terminal identity continues at question 2 …
    second = baocao("chat", "--agency", "sct", env=env, cwd=tmp_path, stdin="")
    assert "Câu 2/" in second.stdout
    assert FIRST_PROMPT not in second.stdout

    # … and the answer is stored: it is in the draft rendered from the database.
    target = tmp_path / "draft.docx"
    baocao("render", "1", "-o", str(target), env=env, cwd=tmp_path)
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert summary in text


def test_typing_a_button_number_taps_it(database_url: str, tmp_path: Path) -> None:
    env = cli_env(database_url, tmp_path)
    baocao("init", "--demo", env=env, cwd=tmp_path)
    # Question 1 shows "[1] ◀ Quay lại  [2] Bỏ qua  [3] Xem lại": "[2]" skips it.
    result = baocao("chat", "--agency", "STC", env=env, cwd=tmp_path, stdin="[2]\n")
    assert "Câu 2/" in result.stdout


def test_unknown_agency_is_a_clear_error(database_url: str, tmp_path: Path) -> None:
    env = cli_env(database_url, tmp_path)
    baocao("init", env=env, cwd=tmp_path)
    result = subprocess.run(
        [str(BAOCAO), "chat", "--agency", "XYZ"],
        env=env, cwd=tmp_path, input="", capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Không có cơ quan viết tắt XYZ" in result.stderr
    assert "Traceback" not in result.stderr
