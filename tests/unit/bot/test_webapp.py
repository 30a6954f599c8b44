"""The web app's HTTP contract, against a fake engine and a fake unit of work."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import Bootstrapped
from bot.clock import FixedClock
from bot.downloads import make_download_url, sign_submission
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.messages import Button, DocumentRef, Inbound, Outbound

SESSION = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
DOCX = b"PK\x03\x04fake-docx"
FILENAME = "Báo cáo CNTT năm 2026 - SCT.docx"


class FakeEngine:
    def __init__(self) -> None:
        self.received: list[Inbound] = []

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        self.received.append(inbound)
        if inbound.text == "nộp":
            return [
                Outbound(
                    text="Đã nộp báo cáo.",
                    document=DocumentRef(submission_id=7, filename=FILENAME, caption="Bản 1"),
                )
            ]
        if inbound.text == "lỗi":
            raise RuntimeError("boom")
        return [
            Outbound(text="Câu 1/3 · I. Chung\nSố máy tính?"),
            Outbound(
                text="Chọn:",
                buttons=[[Button("Có", "ans:q1:yes"), Button("Không", "ans:q1:no")],
                         [Button("Quay lại", "cmd:back")]],
            ),
        ]


class FakeSubmissions:
    async def docx(self, submission_id: int) -> tuple[str, bytes] | None:
        return (FILENAME, DOCX) if submission_id == 7 else None


class FakeUow:
    def __init__(self) -> None:
        self.submissions = FakeSubmissions()

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        secret_key="unit-test-secret",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3",
        public_url="https://baocao.example.vn/",
    )


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def client(settings: Settings, fake_engine: FakeEngine) -> AsyncIterator[httpx.AsyncClient]:
    db = create_async_engine(settings.database_url)
    boot = Bootstrapped(
        settings=settings,
        db=db,
        uow_factory=FakeUow,
        templates={},
        engine=fake_engine,  # type: ignore[arg-type]
        clock=FixedClock(),
    )
    app = create_web_app(boot)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await db.dispose()


async def post_chat(client: httpx.AsyncClient, payload: Any) -> httpx.Response:
    return await client.post("/api/chat", json=payload)


async def test_root_redirects_to_chat(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/chat"


async def test_chat_page_is_vietnamese_html_without_cdn(client: httpx.AsyncClient) -> None:
    response = await client.get("/chat")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="vi"' in response.text
    assert "https://" not in response.text and "http://" not in response.text
    script = await client.get("/static/chat.js")
    assert script.status_code == 200
    assert "innerHTML" not in script.text
    assert "getRandomValues" in script.text


async def test_text_message_goes_to_engine_and_replies_as_json(
    client: httpx.AsyncClient, fake_engine: FakeEngine
) -> None:
    response = await post_chat(client, {"session": SESSION, "text": "xin chào", "message_id": "m1"})
    assert response.status_code == 200
    assert fake_engine.received == [
        Inbound(channel="web", user_id=SESSION, text="xin chào", message_id=f"{SESSION}:m1",
                anonymous_until_bound=True, replay_replies=True, origin="127.0.0.1")
    ]
    messages = response.json()["messages"]
    assert messages[0] == {
        "text": "Câu 1/3 · I. Chung\nSố máy tính?",
        "buttons": [],
        "document": None,
    }
    assert messages[1]["buttons"] == [
        [{"label": "Có", "data": "ans:q1:yes"}, {"label": "Không", "data": "ans:q1:no"}],
        [{"label": "Quay lại", "data": "cmd:back"}],
    ]


async def test_callback_is_passed_as_callback(
    client: httpx.AsyncClient, fake_engine: FakeEngine
) -> None:
    response = await post_chat(client, {"session": SESSION, "callback": "cmd:continue"})
    assert response.status_code == 200
    assert fake_engine.received[-1].callback == "cmd:continue"
    assert fake_engine.received[-1].text is None


async def test_document_reply_carries_a_signed_relative_link(client: httpx.AsyncClient) -> None:
    response = await post_chat(client, {"session": SESSION, "text": "nộp"})
    document = response.json()["messages"][0]["document"]
    assert document["filename"] == FILENAME
    assert document["url"].startswith("/download/7/")
    expires = int(FixedClock().now().timestamp()) + 7 * 86400
    assert document["url"].endswith(
        f"?exp={expires}&sig=" + sign_submission("unit-test-secret", 7, expires))

    download = await client.get(document["url"])
    assert download.status_code == 200
    assert download.content == DOCX
    assert download.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Bao_cao_CNTT_nam_2026_-_SCT.docx"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == FILENAME


def test_absolute_download_url_uses_public_url(settings: Settings) -> None:
    url = make_download_url(settings, DocumentRef(submission_id=7, filename="a b.docx"))
    assert url.startswith("https://baocao.example.vn/download/7/a%20b.docx?exp=")


@pytest.mark.parametrize(
    "query",
    ["", "?sig=", "?sig=deadbeef", "?exp=1&sig=deadbeef",
     "?exp=4102444800&sig=" + sign_submission("unit-test-secret", 8, 4102444800),
     "?exp=4102444800&sig=" + sign_submission("unit-test-secret", 7, 4102444801)],
)
async def test_download_refuses_a_bad_signature(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get("/download/7/x.docx" + query)
    assert response.status_code == 403
    assert response.json()["error"] == "Liên kết tải về không hợp lệ."


async def test_download_of_missing_submission_is_404(client: httpx.AsyncClient) -> None:
    sig = sign_submission("unit-test-secret", 99, 4102444800)
    response = await client.get(f"/download/99/x.docx?exp=4102444800&sig={sig}")
    assert response.status_code == 404


async def test_download_with_non_numeric_id_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/download/abc/x.docx?sig=00")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "hi"},
        {"session": "short", "text": "hi"},
        {"session": "x" * 65, "text": "hi"},
        {"session": "bad session with spaces!", "text": "hi"},
        {"session": 12345678901234567890, "text": "hi"},
        {"session": "<script>alert(1)</script>", "text": "hi"},
    ],
)
async def test_bad_session_is_400_in_vietnamese(
    client: httpx.AsyncClient, fake_engine: FakeEngine, payload: dict[str, Any]
) -> None:
    response = await post_chat(client, payload)
    assert response.status_code == 400
    assert response.json()["error"] == "Phiên trò chuyện không hợp lệ. Vui lòng tải lại trang."
    assert fake_engine.received == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe\x00", b"", b"[1, 2]", b'"text"', b"null"],
)
async def test_malformed_json_is_400_in_vietnamese(
    client: httpx.AsyncClient, fake_engine: FakeEngine, body: bytes
) -> None:
    response = await client.post(
        "/api/chat", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Yêu cầu không hợp lệ")
    assert fake_engine.received == []


@pytest.mark.parametrize(
    "payload",
    [
        {"session": SESSION},
        {"session": SESSION, "text": 5},
        {"session": SESSION, "callback": ["cmd:back"]},
        {"session": SESSION, "text": "ok", "message_id": "has spaces"},
    ],
)
async def test_wrong_field_types_are_400(
    client: httpx.AsyncClient, fake_engine: FakeEngine, payload: dict[str, Any]
) -> None:
    response = await post_chat(client, payload)
    assert response.status_code == 400
    assert response.json()["error"]
    assert fake_engine.received == []


async def test_oversized_body_is_413_in_vietnamese(
    client: httpx.AsyncClient, fake_engine: FakeEngine
) -> None:
    body = json.dumps({"session": SESSION, "text": "a" * (65 * 1024)}).encode()
    response = await client.post(
        "/api/chat", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "quá lớn (tối đa 64 kB)" in response.json()["error"]
    assert fake_engine.received == []


async def test_oversized_body_without_content_length_is_413(
    client: httpx.AsyncClient, fake_engine: FakeEngine
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"session": "' + SESSION.encode() + b'", "text": "'
        for _ in range(70):
            yield b"a" * 1024
        yield b'"}'

    response = await client.post("/api/chat", content=chunks())
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert fake_engine.received == []


async def test_engine_failure_is_a_vietnamese_json_error(client: httpx.AsyncClient) -> None:
    response = await post_chat(client, {"session": SESSION, "text": "lỗi"})
    assert response.status_code == 500
    assert "thử lại" in response.json()["error"]


async def test_get_on_chat_api_is_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/chat")
    assert response.status_code == 405


async def test_healthz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_reports_a_broken_database(settings: Settings, tmp_path: Path) -> None:
    db = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/missing-dir/db.sqlite3")
    boot = Bootstrapped(
        settings=settings,
        db=db,
        uow_factory=FakeUow,
        templates={},
        engine=FakeEngine(),  # type: ignore[arg-type]
    )
    transport = httpx.ASGITransport(app=create_web_app(boot))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/healthz")
    await db.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
