"""Signing in to the dashboard and out of it, and the list of open dashboard sessions.

Login is by a single-use link the bot sends to a DIC officer (``quản trị`` in chat or
``baocao admin-link``); the link's page posts the token, which is used up, and a
signed session cookie (HttpOnly, SameSite=Strict) follows.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.dashboard_auth import COOKIE, SESSION_SECONDS, SESSION_TTL, Session, same_origin
from bot.dashboard_core import Pages, path_id
from dialogs.domain import Officer
from storage.login_tokens import consume_login_token

log = logging.getLogger("bot.dashboard")


class LoginPages(Pages):
    # -- login --------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        return self.d.page("admin_login.html", token=token, session=None)

    async def login(self, request: Request) -> Response:
        if not same_origin(request.headers, scheme=request.url.scheme,
                           host=request.headers.get("host"), public_url=self.settings.public_url):
            log.warning("dashboard login refused: posted from another site (%r)",
                        request.headers.get("origin"))
            return self.d.refused(403, "Yêu cầu đăng nhập không đến từ trang quản trị. Anh/Chị "
                                     "mở lại liên kết đăng nhập mà bot đã gửi.")
        body = await request.body()  # at most 4 kB: bot.body_limit
        token = (parse_qs(body.decode("utf-8", "replace")).get("token") or [""])[0]
        now = self.boot.clock.now()
        cookie = ""
        async with self.boot.uow_factory() as uow:
            officer_id = await consume_login_token(uow, token, now=now)
            officer = await uow.officers.get(officer_id) if officer_id is not None else None
            if officer is not None:
                await uow.audit.add("dashboard.login", "officer", officer.id,
                                actor_officer_id=officer.id, now=now,
                                detail={"allowed": officer.role == "dic"})
                if officer.role == "dic":
                    cookie = await uow.dashboard_sessions.start(
                        officer.id, now=now, ttl=SESSION_TTL,
                        user_agent=request.headers.get("user-agent"))
            await uow.commit()
        if officer is None:
            log.warning("dashboard login refused: unknown, expired or used link")
            return self.d.refused(403, "Liên kết đăng nhập không hợp lệ, đã hết hạn hoặc đã được "
                                     "sử dụng. Anh/Chị gõ \"quản trị\" trong khung trò chuyện "
                                     "với bot để nhận liên kết mới.")
        if officer.role != "dic":
            log.warning("dashboard login refused: officer %s is not dic", officer.id)
            return self.d.refused(403, "Trang quản trị chỉ dành cho cán bộ của cơ quan tổng hợp.")
        response = RedirectResponse("/admin", status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=SESSION_SECONDS, path="/admin",
                            httponly=True, samesite="strict", secure=self.d.secure)
        return response

    async def logout(self, request: Request, officer: Officer, session: Session,
                     form: dict[str, str]) -> Response:
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            await uow.dashboard_sessions.revoke(session.id, now=now)
            await uow.audit.add("dashboard.logout", "officer", officer.id,
                            actor_officer_id=officer.id, now=now)
            await uow.commit()
        response = self.d.page("admin_message.html", title="Đã đăng xuất",
                             message="Anh/Chị đã đăng xuất khỏi trang quản trị.", session=None)
        response.delete_cookie(COOKIE, path="/admin")
        return response

    async def sessions_page(self, request: Request, officer: Officer,
                            session: Session) -> Response:
        async with self.boot.uow_factory() as uow:
            active = await uow.dashboard_sessions.list_active(now=self.boot.clock.now())
        rows = [{"s": s, "created": self.d.local(s.created_at),
                 "expires": self.d.local(s.expires_at), "mine": s.id == session.id}
                for s in active]
        return self.d.page("admin_sessions.html", officer=officer, session=session, rows=rows,
                         notice=request.query_params.get("notice"))

    async def revoke_action(self, request: Request, officer: Officer, session: Session,
                            form: dict[str, str]) -> Response:
        session_id = path_id(request.path_params["session_id"])
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            ended = await uow.dashboard_sessions.revoke(session_id, now=now)
            if ended:
                await uow.audit.add("dashboard.revoke", "dashboard_session", session_id,
                                actor_officer_id=officer.id, now=now)
            await uow.commit()
        return self.d.back("/admin/sessions", "Đã kết thúc phiên đăng nhập." if ended else
                         "Phiên này đã kết thúc trước đó.")

    def routes(self) -> list[Route]:
        g = self.d.guarded
        return [
            Route("/admin/login", self.login_page, methods=["GET"]),
            Route("/admin/login", self.login, methods=["POST"]),
            Route("/admin/logout", g(self.logout), methods=["POST"]),
            Route("/admin/sessions", g(self.sessions_page), methods=["GET"]),
            Route("/admin/sessions/{session_id}/revoke", g(self.revoke_action),
                  methods=["POST"]),
        ]
