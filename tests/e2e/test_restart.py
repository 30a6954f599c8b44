"""A killed server loses nothing: after a restart the officer continues where they were."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from docx import Document

from tests.e2e.support import (
    Filler,
    baocao,
    cli_env,
    current_prompt,
    free_port,
    http_sender,
    load_template_description,
    new_session,
    question_number,
    start_server,
)

pytestmark = pytest.mark.slow


def draft_text(env: dict[str, str], cwd: Path, assignment_id: int) -> str:
    target = cwd / f"draft-{assignment_id}.docx"
    baocao("render", str(assignment_id), "-o", str(target), env=env, cwd=cwd)
    document = Document(str(target))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_sigkill_mid_questionnaire_then_resume(database_url: str, tmp_path: Path) -> None:
    env = cli_env(database_url, tmp_path, port=free_port())
    baocao("init", "--demo", env=env, cwd=tmp_path)
    status = baocao("round", "status", "1", env=env, cwd=tmp_path).stdout
    assert re.search(r"^SCT\s+1\s", status, re.MULTILINE)  # assignment 1 is Sở Công Thương's
    code = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip()
    template = load_template_description(env, tmp_path, "annual_it")
    session = new_session()

    server = start_server(env, tmp_path, int(env["BAOCAO_PORT"]), name="first")
    try:
        with httpx.Client(timeout=60) as http:
            send = http_sender(http, server.base_url, session)
            messages = send(text=code)
            assert any("Sở Công Thương" in m["text"] for m in messages)
            filler = Filler(template, send)
            messages = filler.answer(messages, 6)
    finally:
        server.kill()
    assert server.process.returncode == -9
    shown_before_kill = current_prompt(messages)
    assert shown_before_kill is not None
    summary = filler.answered[1]  # question 1: the free-text summary, acknowledged before
    assert summary in draft_text(env, tmp_path, 1)

    env["BAOCAO_PORT"] = str(free_port())
    server = start_server(env, tmp_path, int(env["BAOCAO_PORT"]), name="second")
    try:
        with httpx.Client(timeout=60) as http:
            send = http_sender(http, server.base_url, session)
            resumed = send(callback="cmd:continue")
            prompt = current_prompt(resumed)
            assert prompt is not None
            assert prompt["text"] == shown_before_kill["text"]

            filler = Filler(template, send)
            after = filler.answer(resumed, 3)
            moved_to = current_prompt(after)
            assert moved_to is not None
            assert moved_to["text"] != prompt["text"]
            assert question_number(moved_to) >= question_number(prompt)
    finally:
        server.stop()
    assert summary in draft_text(env, tmp_path, 1)
