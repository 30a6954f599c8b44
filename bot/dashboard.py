"""The DIC's web dashboard (``/admin``): rounds, per-agency status, answers and
versions, returning a submission for correction, nudges, roll-up downloads,
opening a round and moving a deadline.

Server-rendered HTML (Jinja2, autoescaped), Vietnamese UI. Login is by a
single-use link the bot sends to a DIC officer (``quản trị`` in chat or
``baocao admin-link``); the link's page posts the token, which is used up, and a
signed session cookie (HttpOnly, SameSite=Strict) follows. Every POST form
carries the session's CSRF token. Only officers with role ``dic`` get in; the role
is checked on every request.

The pages live in one module each: :mod:`bot.dashboard_login` (login, logout, sessions),
:mod:`bot.dashboard_round_pages`, :mod:`bot.dashboard_assignments`,
:mod:`bot.dashboard_agencies`, :mod:`bot.dashboard_templates`; what they share (the
signed-in officer, forms, page rendering) is :mod:`bot.dashboard_core`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from bot.dashboard_agencies import AgencyPages
from bot.dashboard_assignments import AssignmentPages
from bot.dashboard_core import Dashboard
from bot.dashboard_login import LoginPages
from bot.dashboard_round_pages import RoundPages
from bot.dashboard_templates import TemplatePages

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped

__all__ = ["dashboard_routes"]


def dashboard_routes(boot: Bootstrapped) -> list[Route]:
    """The ``/admin`` routes, for :func:`bot.webapp.create_web_app`."""
    dashboard = Dashboard(boot)
    return [
        *LoginPages(dashboard).routes(),
        *RoundPages(dashboard).routes(),
        *AssignmentPages(dashboard).routes(),
        *AgencyPages(dashboard).routes(),
        *TemplatePages(dashboard).routes(),
    ]
