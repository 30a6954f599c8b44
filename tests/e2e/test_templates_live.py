"""Templates published while ``baocao run`` is running are used without a restart:
a new template added with ``baocao templates add`` (XLSForm) in another process is
asked by the running server, and a new version published with
``--move-open-rounds`` is asked from the next question on."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.support import (
    baocao,
    cli_env,
    current_prompt,
    free_port,
    http_sender,
    new_session,
    start_server,
)
from tests.support.xlsform import workbook

pytestmark = pytest.mark.slow

SETTINGS = {"form_title": "Khảo sát thiết bị", "form_id": "khao_sat_thiet_bi",
            "baocao::subject": "Kết quả khảo sát thiết bị {period}"}


def form(second_label: str) -> bytes:
    return workbook([
        {"type": "begin_group", "name": "phan_1", "label": "I. THIẾT BỊ"},
        {"type": "integer", "name": "may_tinh_bang", "label": "Số máy tính bảng?",
         "required": "yes"},
        {"type": "integer", "name": "may_in", "label": second_label, "required": "yes"},
        {"type": "end_group"},
    ], settings=SETTINGS)


def test_a_running_server_uses_templates_published_by_another_process(
    database_url: str, tmp_path: Path
) -> None:
    env = cli_env(database_url, tmp_path, port=free_port())
    baocao("init", env=env, cwd=tmp_path)
    baocao("agencies", "add", "--name", "Sở Công Thương", "--abbr", "SCT",
           "--signer-name", "Nguyễn Văn A", env=env, cwd=tmp_path)
    first, second = tmp_path / "khao_sat_v1.xlsx", tmp_path / "khao_sat_v2.xlsx"
    first.write_bytes(form("Số máy in?"))
    second.write_bytes(form("Số máy in đang dùng (kể cả máy in mạng)?"))

    server = start_server(env, tmp_path, int(env["BAOCAO_PORT"]))
    try:
        added = baocao("templates", "add", str(first), env=env, cwd=tmp_path).stdout
        assert "Đã xuất bản mẫu khao_sat_thiet_bi phiên bản 1" in added
        baocao("round", "open", "--template", "khao_sat_thiet_bi", "--period", "đợt 1",
               "--from", "2026-12-01", "--to", "2026-12-07", "--deadline", "2026-12-31",
               env=env, cwd=tmp_path)
        code = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip().split()[-1]
        with httpx.Client(timeout=60) as http:
            send = http_sender(http, server.base_url, new_session())
            prompt = current_prompt(send(text=code))
            assert prompt is not None
            assert "Số máy tính bảng?" in prompt["text"]

            moved = baocao("templates", "add", str(second), "--move-open-rounds",
                           env=env, cwd=tmp_path).stdout
            assert "phiên bản 2" in moved
            assert "Đã chuyển các đợt đang mở sang phiên bản mới: #1" in moved

            prompt = current_prompt(send(text="12"))
            assert prompt is not None
            assert "Số máy in đang dùng (kể cả máy in mạng)?" in prompt["text"]
    finally:
        server.stop()
