"""The dashboard's plumbing, shared by its pages: who is signed in (a dashboard session
whose officer has role ``dic``, checked on every request), posted forms checked against
the session's CSRF token, pages rendered with Jinja2 (autoescaped) and strict security
headers, row ids read from URLs, and file downloads.

The pages themselves: :mod:`bot.dashboard_login`, :mod:`bot.dashboard_round_pages`,
:mod:`bot.dashboard_assignments`, :mod:`bot.dashboard_agencies`,
:mod:`bot.dashboard_templates`, :mod:`bot.signed_routes`; :mod:`bot.dashboard` puts
their routes together.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.dashboard_auth import COOKIE, Session
from bot.downloads import content_disposition
from dialogs.domain import Officer

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped

log = logging.getLogger("bot.dashboard")

TEMPLATES_DIR = Path(__file__).parent / "static" / "admin"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATE_LABELS = {
    "not_started": "Chưa bắt đầu",
    "in_progress": "Đang làm",
    "submitted_on_time": "Đã nộp đúng hạn",
    "submitted_late": "Nộp trễ hạn",
    "returned": "Trả lại để sửa",
}

Handler = Callable[[Request], Awaitable[Response]]


class Form(dict[str, str]):
    """A posted form: the first value of each field; :meth:`getlist` gives them all
    (checkbox lists)."""

    def __init__(self, lists: dict[str, list[str]]) -> None:
        super().__init__({name: values[0] for name, values in lists.items()})
        self.lists = lists

    def getlist(self, name: str) -> list[str]:
        return list(self.lists.get(name, []))


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(["html"], default=True))
    return env


class Dashboard:
    def __init__(self, boot: Bootstrapped) -> None:
        self.boot = boot
        self.settings = boot.settings
        self.env = _environment()
        self.tz = ZoneInfo(self.settings.timezone)
        self.secure = self.settings.public_url.startswith("https://")

    # -- plumbing -----------------------------------------------------------------------

    def page(self, template_name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template_name).render(**context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def refused(self, status: int, message: str) -> HTMLResponse:
        return self.page("admin_message.html", status=status, title="Không thể truy cập",
                         message=message, session=None)

    def local(self, instant: dt.datetime | None) -> str:
        if instant is None:
            return ""
        return instant.astimezone(self.tz).strftime("%H:%M %d/%m/%Y")

    async def _officer(self, request: Request) -> tuple[Officer, Session]:
        cookie = request.cookies.get(COOKIE)
        async with self.boot.uow_factory() as uow:
            found = await uow.dashboard_sessions.find(cookie, now=self.boot.clock.now())
            officer = await uow.officers.get(found.officer_id) if found else None
        if found is None:
            log.warning("dashboard: %s %r refused (%s session cookie)", request.method,
                        request.url.path, "invalid" if cookie else "no")
            raise Refused(401, "Phiên đăng nhập không còn hiệu lực. Anh/Chị gõ \"quản trị\" "
                               "trong khung trò chuyện với bot để nhận liên kết đăng nhập mới.")
        session = Session(found.id, found.officer_id, found.csrf, found.expires_at)
        if officer is None or officer.role != "dic":
            log.warning("dashboard: %s %r refused (officer %s is not dic)", request.method,
                        request.url.path, session.officer_id)
            raise Refused(403, "Trang quản trị chỉ dành cho cán bộ của cơ quan tổng hợp.")
        return officer, session

    async def _form(self, request: Request, session: Session) -> Form:
        body = await request.body()  # at most 64 kB: bot.body_limit
        fields = Form(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
        if not hmac.compare_digest(fields.get("csrf", ""), session.csrf):
            log.warning("dashboard: %r refused (no valid CSRF token)", request.url.path)
            raise Refused(403, "Biểu mẫu đã hết hạn. Anh/Chị tải lại trang rồi thử lại.")
        return fields

    def guarded(self, handler: Callable[..., Awaitable[Response]]) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                officer, session = await self._officer(request)
                if request.method == "POST":
                    form = await self._form(request, session)
                    return await handler(request, officer, session, form)
                return await handler(request, officer, session)
            except Refused as exc:
                return self.refused(exc.status, exc.message)
        return wrapped

    def back(self, url: str, notice: str | None = None) -> RedirectResponse:
        from urllib.parse import quote
        target = url + (f"?notice={quote(notice)}" if notice else "")
        return RedirectResponse(target, status_code=303)

    def deps(self) -> Any:
        from bot.scheduler import reminder_deps
        return reminder_deps(self.boot)


class Pages:
    """A group of dashboard pages (one module each) over the shared :class:`Dashboard`."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard
        self.boot = dashboard.boot
        self.settings = dashboard.settings


async def active_agencies(uow: Any) -> list[Any]:
    inactive = await uow.agencies.inactive_ids()
    return [a for a in await uow.agencies.list() if a.id not in inactive]




MAX_DB_ID = 2**31 - 1  # ids are 32-bit integer columns on every backend


def db_id(raw: str) -> int | None:
    """A row id from a URL or form: plain ASCII digits within the column's range."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_DB_ID:
        return None
    return int(raw)


def path_id(raw: str) -> int:
    """A row id from the URL's path; a 404 page for anything else."""
    found = db_id(raw)
    if found is None:
        raise Refused(404, "Không tìm thấy trang.")
    return found


def file_response(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
    })
