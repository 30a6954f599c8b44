"""The dashboard's "Mẫu báo cáo" page (placeholder until the template service lands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard_auth import Session
from dialogs.domain import Officer

if TYPE_CHECKING:
    from bot.dashboard import Dashboard


class TemplatePages:
    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    async def list_page(self, request: Request, officer: Officer, session: Session) -> Response:
        templates = sorted(self.d.boot.templates.values(), key=lambda t: t.name)
        return self.d.page("admin_message.html", officer=officer, session=session,
                           title="Mẫu báo cáo",
                           message="; ".join(f"{t.name} (phiên bản {t.version})"
                                             for t in templates))

    def routes(self) -> list[Route]:
        return [Route("/admin/templates", self.d.guarded(self.list_page), methods=["GET"])]
