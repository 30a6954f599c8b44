"""The HTTP application: web chat page and API, signed downloads, health check."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text as sql_text
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.webchat import MAX_BODY_BYTES, ChatRequestError, handle_chat, take_inbox
from bot.dashboard import dashboard_routes
from bot.downloads import content_disposition, verify_submission
from bot.metrics import metrics_route

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ChatRequestError(413, "Tin nhắn quá dài (tối đa 64 kB).")
        except ValueError:
            raise ChatRequestError(400, "Yêu cầu không hợp lệ.") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ChatRequestError(413, "Tin nhắn quá dài (tối đa 64 kB).")
        chunks.append(chunk)
    return b"".join(chunks)


def create_web_app(boot: Bootstrapped) -> Starlette:
    """Build the Starlette app over a wired application."""
    secret_key = boot.settings.secret_key

    async def index(request: Request) -> Response:
        return RedirectResponse("/chat", status_code=307)

    async def chat_page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "chat.html", media_type="text/html", headers=PAGE_HEADERS)

    async def chat_api(request: Request) -> Response:
        try:
            body = await _read_limited(request, MAX_BODY_BYTES)
            payload = await handle_chat(boot.engine.handle, body, secret_key)
        except ChatRequestError as exc:
            return _error(exc.status, exc.message)
        except ClientDisconnect:
            return Response(status_code=400)
        except Exception:
            log.exception("web chat: engine failed")
            return _error(500, "Hệ thống đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút.")
        return JSONResponse(payload, headers={"Cache-Control": "no-store"})

    async def inbox_api(request: Request) -> Response:
        """Messages queued for this web session (reminders, notices), delivered once."""
        try:
            body = await _read_limited(request, MAX_BODY_BYTES)
            payload = await take_inbox(boot.uow_factory, boot.clock, body, secret_key)
        except ChatRequestError as exc:
            return _error(exc.status, exc.message)
        except ClientDisconnect:
            return Response(status_code=400)
        return JSONResponse(payload, headers={"Cache-Control": "no-store"})

    async def download(request: Request) -> Response:
        raw_id = request.path_params["submission_id"]
        try:
            submission_id = int(raw_id)
        except ValueError:
            return _error(404, "Không tìm thấy tài liệu.")
        if not verify_submission(secret_key, submission_id, request.query_params.get("sig")):
            log.warning("download of submission %s refused: bad signature", submission_id)
            return _error(403, "Liên kết tải về không hợp lệ.")
        async with boot.uow_factory() as uow:
            found = await uow.submission_docx(submission_id)
        if found is None:
            return _error(404, "Không tìm thấy tài liệu.")
        filename, data = found
        return Response(
            data,
            media_type=DOCX_MEDIA_TYPE,
            headers={
                "Content-Disposition": content_disposition(filename),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def healthz(request: Request) -> Response:
        try:
            async with boot.db.connect() as conn:
                await conn.execute(sql_text("SELECT 1"))
        except Exception:
            log.exception("health check failed")
            return JSONResponse({"status": "error"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return _error(405, "Phương thức không được hỗ trợ.")

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(404, "Không tìm thấy trang.")

    routes = [
        Route("/", index),
        Route("/chat", chat_page),
        Route("/api/chat", chat_api, methods=["POST"]),
        Route("/api/chat/inbox", inbox_api, methods=["POST"]),
        Route("/download/{submission_id}/{filename}", download),
        Route("/healthz", healthz),
        metrics_route(boot),  # Prometheus; keep it off the public proxy (see Caddyfile)
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        *dashboard_routes(boot),  # the DIC's dashboard under /admin
        *boot.routes,  # channel webhooks (Zalo OA, Zalo Bot …)
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
