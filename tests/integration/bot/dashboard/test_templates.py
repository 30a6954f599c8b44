"""The dashboard's "Mẫu báo cáo" pages over HTTP with the real storage: a bad file
lists its problems and stores nothing; a good one is previewed (questions with
progress labels, conditions and rules in words; sample DOCX), tried in the
throw-away chat (nothing reaches the real database), then published as a version
with who and when; retiring it; "Xuất bản" needs a preview first."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from docx import Document

from bot import template_service as ts
from bot.webapp import create_web_app
from dialogs.loader import load_template
from tests.integration.bot.dashboard.support import MINI, _setup
from tests.integration.bot.dashboard.test_agencies import _login

NEW = MINI.read_text(encoding="utf-8").replace("id: mini\n", "id: khao_sat\n", 1).replace(
    "name: Báo cáo thử nghiệm\n", "name: Khảo sát chuyển đổi số\n", 1)


@pytest.fixture
async def site(uow_factory, engine, tmp_path: Path):
    world, boot, dic_code = await _setup(uow_factory, engine, load_template(MINI), tmp_path)
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        csrf = await _login(world, boot, dic_code, http)
        yield world, http, csrf


async def _stored(uow_factory) -> list[str]:
    return [s.template_id for s in await ts.list_templates(uow_factory)]


async def test_upload_preview_try_publish_and_retire(site, uow_factory) -> None:
    _, http, csrf = site
    bad = await http.post("/admin/templates/upload", data={"csrf": csrf},
                          files={"file": ("sai.yaml", b"id: [\n", "application/yaml")})
    assert bad.status_code == 400 and 'id="upload-errors"' in bad.text
    assert "Chưa nhận được mẫu sai.yaml" in bad.text
    empty = await http.post("/admin/templates/upload", data={"csrf": csrf},
                            files={"file": ("", b"", "application/octet-stream")})
    assert empty.status_code == 400 and "Chưa chọn tệp mẫu" in empty.text
    huge = await http.post("/admin/templates/upload", data={"csrf": csrf},
                           files={"file": ("to.xlsx", b"0" * (6 * 1024 * 1024), "x/y")})
    assert huge.status_code == 413 and "Tệp lớn quá 5 MB" in huge.text
    forged = await http.post("/admin/templates/upload", data={"csrf": "x"},
                             files={"file": ("mau.yaml", NEW.encode(), "application/yaml")})
    assert forged.status_code == 403
    assert await _stored(uow_factory) == []

    uploaded = await http.post("/admin/templates/upload", data={"csrf": csrf},
                               files={"file": ("mau.yaml", NEW.encode(), "application/yaml")})
    assert uploaded.status_code == 303
    draft = uploaded.headers["location"]
    early = await http.post(f"{draft}/publish", data={"csrf": csrf})
    notice = httpx.URL(early.headers["location"]).params.get("notice", "")
    assert notice == "Anh/Chị xem trước mẫu rồi mới xuất bản."
    assert await _stored(uow_factory) == []

    preview = await http.get(draft)
    assert preview.status_code == 200 and "Chưa được xuất bản" in preview.text
    assert "Câu 1/" in preview.text and "I. Thông tin chung" in preview.text
    assert "câu trả lời ≤ câu 1 (Số CBCC)" in preview.text  # a rule in words
    assert "chỉ hỏi khi" in preview.text  # a conditional question says on what
    sample = await http.get(f"{draft}/sample.docx")
    assert sample.status_code == 200
    texts = [p.text for p in Document(io.BytesIO(sample.content)).paragraphs]
    assert any("Sở Mẫu" in t for t in texts) and any("56" in t for t in texts)

    started = await http.post("/admin/templates/trial", data={"csrf": csrf,
                                                              "draft": draft.rsplit("/", 1)[1]})
    trial = started.json()["trial"]
    first = "\n".join(m["text"] for m in started.json()["messages"])
    assert "Câu 1/" in first and "Tổng số cán bộ" in first
    reply = await http.post(f"/admin/templates/trial/{trial}", data={"csrf": csrf, "text": "56"})
    assert "Câu 2/" in "\n".join(m["text"] for m in reply.json()["messages"])
    too_many = await http.post(f"/admin/templates/trial/{trial}",
                               data={"csrf": csrf, "text": "80"})
    assert "không được lớn hơn" in "\n".join(m["text"] for m in too_many.json()["messages"])
    closed = await http.post(f"/admin/templates/trial/{trial}/close", data={"csrf": csrf})
    assert closed.json() == {"closed": True}
    gone = await http.post(f"/admin/templates/trial/{trial}", data={"csrf": csrf, "text": "1"})
    assert gone.status_code == 404 and "Phiên thử đã kết thúc" in gone.json()["error"]
    async with uow_factory() as uow:  # the trial wrote nothing to the real database
        assert [r.template_id for r in await uow.rounds.list()] == ["mini"]

    published = await http.post(f"{draft}/publish", data={"csrf": csrf}, follow_redirects=True)
    assert "Đã xuất bản Khảo sát chuyển đổi số, phiên bản 1." in published.text
    versions = re.search(r'<table class="grid" id="versions">.*?</table>', published.text, re.S)
    assert re.search(r"<td>1</td><td>Khảo sát chuyển đổi số</td><td>YAML</td>"
                     r"<td>Cán bộ SKHCN</td><td>\d\d:\d\d \d\d/\d\d/\d{4}</td>",
                     versions.group(0)), versions.group(0)
    assert await _stored(uow_factory) == ["khao_sat"]
    again = await http.get(draft)
    assert again.status_code == 404 and "tải tệp mẫu lên lại" in again.text

    retired = await http.post("/admin/templates/khao_sat/retire", data={"csrf": csrf},
                              follow_redirects=True)
    assert "Đã ngừng dùng mẫu Khảo sát chuyển đổi số" in retired.text
    assert "đã ngừng dùng" in retired.text
    listed = await http.get("/admin/templates")
    assert "Ngừng dùng" in re.search(r'<tr data-template="khao_sat">.*?</tr>', listed.text,
                                     re.S).group(0)
