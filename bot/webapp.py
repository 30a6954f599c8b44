"""The HTTP application: web chat page and API, signed downloads, health check."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import text as sql_text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import log_redaction
from bot.body_limit import BodyLimit, Limit
from bot.channels.webchat import ChatRequestError, handle_chat, take_inbox
from bot.dashboard import dashboard_routes
from bot.downloads import (
    LinkCheck,
    check_link,
    content_disposition,
    download_path,
)
from bot.metrics import metrics_route
from bot.readiness import check_ready
from bot.signed_reports import pdf_to_sign_path
from bot.signed_routes import signed_routes
from dialogs.messages import DocumentRef

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped
    from bot.settings import Settings

log = logging.getLogger(__name__)

LOGIN_BODY_BYTES = 4 * 1024  # a login form carries one token
TELEGRAM_BODY_BYTES = 1024 * 1024  # Telegram updates can carry long texts and captions
FORM_ROOM = 64 * 1024  # a multipart form's fields and boundaries around an uploaded file
LINK_EXPIRED = ("Liên kết tải về đã hết hạn. Anh/Chị gõ \"tải lại\" trong khung trò chuyện "
                "với bot để nhận liên kết mới.")
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


def create_web_app(boot: Bootstrapped) -> Starlette:
    """Build the Starlette app over a wired application."""
    log_redaction.install()  # no token or signature in any log line from here on
    secret_key = boot.settings.secret_key

    def links(ref: DocumentRef) -> str:
        return download_path(secret_key, ref, days=boot.settings.download_link_days,
                             now=boot.clock.now().timestamp())

    def pdf_links(submission_id: int) -> str:
        return pdf_to_sign_path(secret_key, submission_id, days=boot.settings.download_link_days,
                                now=boot.clock.now().timestamp())

    async def index(request: Request) -> Response:
        return RedirectResponse("/chat", status_code=307)

    async def chat_page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "chat.html", media_type="text/html", headers=PAGE_HEADERS)

    async def chat_api(request: Request) -> Response:
        try:
            body = await request.body()  # at most 64 kB: bot.body_limit
            payload = await handle_chat(boot.engine.handle, body, links,
                                        request.client.host if request.client else None,
                                        pdf_links=pdf_links)
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
            body = await request.body()  # at most 64 kB: bot.body_limit
            payload = await take_inbox(boot.uow_factory, boot.clock, body, links,
                                       pdf_links=pdf_links)
        except ChatRequestError as exc:
            return _error(exc.status, exc.message)
        except ClientDisconnect:
            return Response(status_code=400)
        return JSONResponse(payload, headers={"Cache-Control": "no-store"})

    async def download(request: Request) -> Response:
        raw_id = request.path_params["submission_id"]
        if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 10:
            return _error(404, "Không tìm thấy tài liệu.")
        submission_id = int(raw_id)
        checked = check_link(secret_key, submission_id, request.query_params.get("sig"),
                             request.query_params.get("exp"),
                             now=boot.clock.now().timestamp())
        if checked is LinkCheck.EXPIRED:
            log.info("download of submission %s refused: link expired", submission_id)
            return _error(410, LINK_EXPIRED)
        if checked is not LinkCheck.VALID:
            log.warning("download of submission %s refused: bad signature", submission_id)
            return _error(403, "Liên kết tải về không hợp lệ.")
        async with boot.uow_factory() as uow:
            found = await uow.submissions.docx(submission_id)
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

    async def readyz(request: Request) -> Response:
        """Ready to serve: the database takes a write and is at this code's migration head."""
        report = await check_ready(boot.db, boot.clock.now())
        if report["status"] != "ok":
            log.error("readiness check failed: %s", report["checks"])
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503,
                            headers={"Cache-Control": "no-store"})

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
        Route("/readyz", readyz, methods=["GET"]),
        metrics_route(boot),  # Prometheus; keep it off the public proxy (see Caddyfile)
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        *signed_routes(boot),  # signed reports: PDF to sign, signed upload, DIC's page
        *dashboard_routes(boot),  # the DIC's dashboard under /admin
        *boot.routes,  # channel webhooks (Zalo OA, Zalo Bot …)
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: method_not_allowed},
        middleware=[Middleware(BodyLimit, limits=body_limits(boot.settings))],
    )


def body_limits(settings: Settings) -> dict[str, Limit]:
    """The largest body each route reads (path prefix → bytes); others get 64 kB."""
    from bot.dashboard_agencies import CSV_TOO_BIG, MAX_CSV_BYTES
    from bot.dashboard_templates import TEMPLATE_TOO_BIG
    from bot.signatures import MAX_PDF_BYTES
    from bot.signed_reports import TOO_LARGE as PDF_TOO_LARGE
    from bot.template_service import MAX_UPLOAD_BYTES

    limits: dict[str, Limit] = {
        "/admin/login": LOGIN_BODY_BYTES, "/telegram": TELEGRAM_BODY_BYTES,
        # uploads: the file's own limit plus room for the multipart envelope
        "/admin/agencies/import": (MAX_CSV_BYTES + FORM_ROOM, CSV_TOO_BIG),
        "/admin/templates/upload": (MAX_UPLOAD_BYTES + FORM_ROOM, TEMPLATE_TOO_BIG),
        "/api/chat/signed-pdf": (MAX_PDF_BYTES, PDF_TOO_LARGE),
        "/admin/rounds/*/rollup-signed": (MAX_PDF_BYTES + FORM_ROOM, PDF_TOO_LARGE),
    }
    if settings.telegram_webhook_url:
        limits[urlsplit(settings.telegram_webhook_url).path or "/"] = TELEGRAM_BODY_BYTES
    return limits
