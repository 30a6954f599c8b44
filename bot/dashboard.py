"""The DIC's web dashboard (``/admin``): rounds, per-agency status, answers and
versions, returning a submission for correction, nudges, roll-up downloads,
opening a round and moving a deadline.

Server-rendered HTML (Jinja2, autoescaped), Vietnamese UI. Login is by a
single-use link the bot sends to a DIC officer (``quản trị`` in chat or
``baocao admin-link``); the link's page posts the token, which is used up, and a
signed session cookie (HttpOnly, SameSite=Strict) follows. Every POST form
carries the session's CSRF token. Only officers with role ``dic`` get in; the role
is checked on every request.
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
from starlette.routing import Route

from bot.dashboard_auth import COOKIE, SESSION_SECONDS, SESSION_TTL, Session, same_origin
from bot.downloads import content_disposition
from dialogs.domain import Officer
from dialogs.pinned import round_template
from dialogs.schema import QuestionType

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped

log = logging.getLogger(__name__)

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

    # -- login --------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        return self.page("admin_login.html", token=token, session=None)

    async def login(self, request: Request) -> Response:
        from storage.login_tokens import consume_login_token

        if not same_origin(request.headers, scheme=request.url.scheme,
                           host=request.headers.get("host"), public_url=self.settings.public_url):
            log.warning("dashboard login refused: posted from another site (%r)",
                        request.headers.get("origin"))
            return self.refused(403, "Yêu cầu đăng nhập không đến từ trang quản trị. Anh/Chị "
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
            return self.refused(403, "Liên kết đăng nhập không hợp lệ, đã hết hạn hoặc đã được "
                                     "sử dụng. Anh/Chị gõ \"quản trị\" trong khung trò chuyện "
                                     "với bot để nhận liên kết mới.")
        if officer.role != "dic":
            log.warning("dashboard login refused: officer %s is not dic", officer.id)
            return self.refused(403, "Trang quản trị chỉ dành cho cán bộ của cơ quan tổng hợp.")
        response = RedirectResponse("/admin", status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=SESSION_SECONDS, path="/admin",
                            httponly=True, samesite="strict", secure=self.secure)
        return response

    async def logout(self, request: Request, officer: Officer, session: Session,
                     form: dict[str, str]) -> Response:
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            await uow.dashboard_sessions.revoke(session.id, now=now)
            await uow.audit.add("dashboard.logout", "officer", officer.id,
                            actor_officer_id=officer.id, now=now)
            await uow.commit()
        response = self.page("admin_message.html", title="Đã đăng xuất",
                             message="Anh/Chị đã đăng xuất khỏi trang quản trị.", session=None)
        response.delete_cookie(COOKIE, path="/admin")
        return response

    async def sessions_page(self, request: Request, officer: Officer,
                            session: Session) -> Response:
        async with self.boot.uow_factory() as uow:
            active = await uow.dashboard_sessions.list_active(now=self.boot.clock.now())
        rows = [{"s": s, "created": self.local(s.created_at), "expires": self.local(s.expires_at),
                 "mine": s.id == session.id} for s in active]
        return self.page("admin_sessions.html", officer=officer, session=session, rows=rows,
                         notice=request.query_params.get("notice"))

    async def revoke_action(self, request: Request, officer: Officer, session: Session,
                            form: dict[str, str]) -> Response:
        session_id = _int(request.path_params["session_id"])
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            ended = await uow.dashboard_sessions.revoke(session_id, now=now)
            if ended:
                await uow.audit.add("dashboard.revoke", "dashboard_session", session_id,
                                actor_officer_id=officer.id, now=now)
            await uow.commit()
        return self.back("/admin/sessions", "Đã kết thúc phiên đăng nhập." if ended else
                         "Phiên này đã kết thúc trước đó.")

    # -- pages --------------------------------------------------------------------------

    async def index(self, request: Request, officer: Officer, session: Session) -> Response:
        return await self._index_page(officer, session,
                                      notice=request.query_params.get("notice"))

    async def _index_page(
        self, officer: Officer, session: Session, *, form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
    ) -> Response:
        from bot.dashboard_rounds import PERIOD_CHOICES, blank_round_form

        async with self.boot.uow_factory() as uow:
            rounds = await uow.rounds.list()
            counts = {}
            for r in rounds:
                assignments = await uow.assignments.list(r.id)
                counts[r.id] = (sum(1 for a in assignments if a.status == "submitted"),
                                len(assignments))
            agencies = [a for a in await _active_agencies(uow) if not a.is_collector]
        refresh = getattr(self.boot.templates, "refresh", None)  # published elsewhere
        if refresh is not None:
            await refresh()
        templates = sorted(self.boot.templates.values(), key=lambda t: t.name)
        rows = [{
            "round": r, "name": (self.boot.templates[r.template_id].name
                                 if r.template_id in self.boot.templates else r.template_id),
            "deadline": r.deadline.strftime("%d/%m/%Y"), "submitted": counts[r.id][0],
            "total": counts[r.id][1],
        } for r in rounds]
        today = self.boot.clock.now().astimezone(self.tz).date()
        from bot.channel_health import channel_health

        health = await channel_health(self.boot)
        return self.page(
            "admin_index.html", status=status, officer=officer, session=session, rows=rows,
            channels=health, local=self.local,
            templates=templates, agencies=agencies, periods=PERIOD_CHOICES,
            form=form or blank_round_form(templates, agencies, today),
            problems=problems or {}, notice=notice,
        )

    async def round_page(self, request: Request, officer: Officer, session: Session) -> Response:
        from collections import Counter

        from bot.dashboard_rounds import policy_text, round_log
        from bot.reminders import ReminderError, load_policy, round_status
        from bot.round_page import RoundView, light_rows
        from bot.round_page import select as select_page
        from bot.signed_reports import signature_status
        from storage import reminders as store

        round_id = _int(request.path_params["round_id"])
        deps = self.deps()
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            round_ = await uow.rounds.get(round_id)
            if round_ is None:
                raise Refused(404, f"Không có đợt báo cáo số {round_id}.")
            # the state of every agency from one light query; the page's rows only in full
            lights = light_rows(await uow.assignments.overview(round_id), round_.deadline,
                                deps.calendar.local_date(now), deps.calendar)
            policy = await load_policy(uow, round_id)
            signed = await uow.signatures.latest_by_agency(round_id)
            audit = await uow.audit.entries(entity="round")
            names: dict[int | None, str] = {None: "hệ thống"}
            for entry in audit:
                if entry.actor_officer_id not in names:
                    actor = await uow.officers.get(entry.actor_officer_id)
                    names[entry.actor_officer_id] = (
                        actor.full_name if actor else f"cán bộ #{entry.actor_officer_id}")
            # thousands of agencies: filtered and paged (bot/round_page.py)
            view = RoundView.from_query(request.query_params, list(STATE_LABELS))
            shown = select_page(lights, view)
            try:
                _, shown.items = await round_status(
                    uow, round_id, templates=self.boot.templates, calendar=deps.calendar,
                    now=now, assignment_ids=[p.assignment_id for p in shown.items])
            except ReminderError as exc:
                raise Refused(404, str(exc)) from exc
            reminded = Counter(r.assignment_id for r in await store.list_reminders(
                uow, assignment_ids=[p.assignment_id for p in shown.items],
                statuses=[store.SENT]))
            officers = await uow.officers.names_by_agency([p.agency_id for p in shown.items])
            rows = []
            for p in shown.items:
                rows.append({
                    "p": p, "state": STATE_LABELS.get(p.state, p.state),
                    "officers": ", ".join(officers[p.agency_id]) or "—",
                    "submitted_at": self.local(p.submitted_at),
                    "reminders": reminded[p.assignment_id],
                    "signature": signature_status(signed.get(p.agency_id),
                                                  self.boot.settings.timezone),
                })
        template = await round_template(self.boot.templates, round_)
        done = sum(1 for p in lights if p.state in ("submitted_on_time", "submitted_late"))
        return self.page("admin_round.html", officer=officer, session=session, round=round_,
                         name=template.name if template else round_.template_id, rows=rows,
                         done=done, shown=shown, view=view, states=STATE_LABELS,
                         deadline=round_.deadline.isoformat(),
                         deadline_text=round_.deadline.strftime("%d/%m/%Y"),
                         policy=policy_text(policy),
                         log=round_log(audit, round_id, names, self.tz),
                         notice=request.query_params.get("notice"))

    async def assignment_page(self, request: Request, officer: Officer,
                              session: Session) -> Response:
        from bot.rollup_service import return_comments
        from renderers.report import computed_answers, format_value

        assignment_id = _int(request.path_params["assignment_id"])
        async with self.boot.uow_factory() as uow:
            assignment = await uow.assignments.get(assignment_id)
            if assignment is None:
                raise Refused(404, "Không có phiếu báo cáo này.")
            round_ = await uow.rounds.get(assignment.round_id)
            agency = await uow.agencies.get(assignment.agency_id)
            answers = await uow.answers.get(assignment_id)
            versions = await uow.submissions.list(assignment_id)
            returns = await return_comments(uow, assignment_id)
        assert round_ is not None and agency is not None
        template = await round_template(self.boot.templates, round_)
        items = []
        if template is not None:
            values = computed_answers(template, answers)
            for number, q in enumerate(template.iter_questions(), start=1):
                if q.type is QuestionType.NOTE:
                    continue
                value = values.get(q.id)
                items.append({"n": number, "label": q.short_label,
                              "value": _show(q, value, format_value)})
        return self.page(
            "admin_assignment.html", officer=officer, session=session, agency=agency,
            round=round_, assignment=assignment, items=items,
            state=STATE_LABELS.get(str(assignment.status), str(assignment.status)),
            versions=[{"v": v, "at": self.local(v.submitted_at)} for v in versions],
            returns=[{"at": self.local(at), "version": v, "comment": c} for at, v, c in returns],
            can_return=str(assignment.status) == "submitted" and round_.status == "open",
            notice=request.query_params.get("notice"),
        )

    async def submission_docx(self, request: Request, officer: Officer,
                              session: Session) -> Response:
        submission_id = _int(request.path_params["submission_id"])
        async with self.boot.uow_factory() as uow:
            found = await uow.submissions.docx(submission_id)
        if found is None:
            raise Refused(404, "Không tìm thấy tài liệu.")
        filename, data = found
        return _file(data, DOCX, filename)

    async def rollup_file(self, request: Request, officer: Officer, session: Session) -> Response:
        from bot.reminders import Calendar
        from bot.rollup_service import ServiceError, make_rollup

        round_id = _int(request.path_params["round_id"])
        kind = request.path_params["kind"]
        try:
            files = await make_rollup(
                self.boot.uow_factory, round_id, templates=self.boot.templates,
                calendar=Calendar.from_settings(self.settings), now=self.boot.clock.now(),
                timezone=self.settings.timezone, with_xlsx=kind == "xlsx",
            )
        except ServiceError as exc:
            raise Refused(404, str(exc)) from exc
        if kind == "xlsx":
            return _file(files.xlsx, XLSX, files.xlsx_filename)
        return _file(files.docx, DOCX, files.filename)

    # -- actions ------------------------------------------------------------------------

    async def return_action(self, request: Request, officer: Officer, session: Session,
                            form: dict[str, str]) -> Response:
        from bot.rollup_service import ServiceError, return_submission

        assignment_id = _int(request.path_params["assignment_id"])
        url = f"/admin/assignments/{assignment_id}"
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            try:
                reach = await return_submission(
                    uow, assignment_id, comment=form.get("comment", ""), actor=officer,
                    channels=self.boot.channels, templates=self.boot.templates, now=now,
                    collector=self.settings.collector,
                )
            except ServiceError as exc:
                return self.back(url, str(exc))
            await uow.commit()
        told = len(reach.queued) + reach.duplicates
        notice = (f"Đã trả lại báo cáo; đã báo cho {told} cán bộ." if told else
                  "Đã trả lại báo cáo, nhưng cơ quan chưa có cán bộ nào liên lạc được.")
        return self.back(url, notice)

    async def nudge_action(self, request: Request, officer: Officer, session: Session,
                           form: dict[str, str]) -> Response:
        from bot.reminders import ReminderError, nudge

        round_id = _int(request.path_params["round_id"])
        agency = form.get("agency_id") or ""
        try:
            result = await nudge(self.deps(), round_id,
                                 agency_id=_db_id(agency),
                                 now=self.boot.clock.now())
        except ReminderError as exc:
            return self.back(f"/admin/rounds/{round_id}", str(exc))
        url = f"/admin/rounds/{round_id}"
        if not result.agencies:
            return self.back(url, "Không có cơ quan nào quá hạn chưa nộp.")
        if result.sent is None:
            return self.back(url, f"Đã lên lịch nhắc {len(result.agencies)} cơ quan; ngoài giờ "
                                  f"làm việc nên sẽ gửi lúc {self.local(result.due_at)}.")
        notice = f"Đã gửi lời nhắc tới {len(result.agencies)} cơ quan."
        if result.sent.unreachable:
            notice += f" Không liên lạc được {len(result.sent.unreachable)} cơ quan."
        return self.back(url, notice)

    async def deadline_action(self, request: Request, officer: Officer, session: Session,
                              form: dict[str, str]) -> Response:
        from bot.round_service import RoundError, move_deadline

        round_id = _int(request.path_params["round_id"])
        url = f"/admin/rounds/{round_id}"
        try:
            due = dt.date.fromisoformat(form.get("deadline", "").strip())
        except ValueError:
            return self.back(url, "Hạn nộp không hợp lệ.")
        async with self.boot.uow_factory() as uow:
            try:
                await move_deadline(uow, self.deps(), round_id, due, now=self.boot.clock.now(),
                                    actor_officer_id=officer.id)
            except RoundError as exc:
                return self.back(url, str(exc))
            await uow.commit()
        return self.back(url, f"Đã đổi hạn nộp sang {due:%d/%m/%Y}; lịch nhắc đã được lập lại.")

    async def open_round_action(self, request: Request, officer: Officer, session: Session,
                                form: Form) -> Response:
        from bot.dashboard_rounds import read_round_form
        from bot.round_service import RoundError, open_round, resolve_round

        read = read_round_form(form, form.getlist("agency"))
        problems = dict(read.problems)
        async with self.boot.uow_factory() as uow:
            try:
                resolve_round(read.request, templates=self.boot.templates,
                              agencies=await _active_agencies(uow))
            except RoundError as exc:  # the form's own findings come first
                problems = {**exc.problems, **problems}
            if not problems:
                try:
                    opened = await open_round(
                        uow, self.deps(), read.request, province=self.settings.province,
                        collector=self.settings.collector, now=self.boot.clock.now(),
                        actor_officer_id=officer.id)
                except RoundError as exc:
                    problems = exc.problems
                else:
                    await uow.commit()
        if problems:
            return await self._index_page(officer, session, form=read.values,
                                          problems=problems, status=400)
        notice = (f"Đã mở đợt báo cáo {opened.round.period_label} cho "
                  f"{len(opened.agencies)} cơ quan; đã báo cho {opened.officers_told} cán bộ.")
        if opened.unreachable:
            notice += f" Chưa liên lạc được: {', '.join(opened.unreachable)}."
        return self.back(f"/admin/rounds/{opened.round.id}", notice)

    # -- routes -------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        g = self.guarded
        return [
            Route("/admin/login", self.login_page, methods=["GET"]),
            Route("/admin/login", self.login, methods=["POST"]),
            Route("/admin/logout", g(self.logout), methods=["POST"]),
            Route("/admin", g(self.index), methods=["GET"]),
            Route("/admin/sessions", g(self.sessions_page), methods=["GET"]),
            Route("/admin/sessions/{session_id}/revoke", g(self.revoke_action),
                  methods=["POST"]),
            Route("/admin/rounds", g(self.open_round_action), methods=["POST"]),
            Route("/admin/rounds/{round_id}", g(self.round_page), methods=["GET"]),
            Route("/admin/rounds/{round_id}/deadline", g(self.deadline_action), methods=["POST"]),
            Route("/admin/rounds/{round_id}/nudge", g(self.nudge_action), methods=["POST"]),
            Route("/admin/rounds/{round_id}/rollup.{kind:str}", g(self.rollup_file),
                  methods=["GET"]),
            Route("/admin/assignments/{assignment_id}", g(self.assignment_page),
                  methods=["GET"]),
            Route("/admin/assignments/{assignment_id}/return", g(self.return_action),
                  methods=["POST"]),
            Route("/admin/submissions/{submission_id}/docx", g(self.submission_docx),
                  methods=["GET"]),
            *_more_routes(self),
        ]


async def _active_agencies(uow: Any) -> list[Any]:

    inactive = await uow.agencies.inactive_ids()
    return [a for a in await uow.agencies.list() if a.id not in inactive]


def _more_routes(dashboard: Dashboard) -> list[Route]:
    """The pages of other modules: agencies, officers and invitations; templates."""
    from bot.dashboard_agencies import AgencyPages
    from bot.dashboard_templates import TemplatePages

    return [*AgencyPages(dashboard).routes(), *TemplatePages(dashboard).routes()]


MAX_DB_ID = 2**31 - 1  # ids are 32-bit integer columns on every backend


def _db_id(raw: str) -> int | None:
    """A row id from a URL or form: plain ASCII digits within the column's range."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_DB_ID:
        return None
    return int(raw)


def _int(raw: str) -> int:
    found = _db_id(raw)
    if found is None:
        raise Refused(404, "Không tìm thấy trang.")
    return found


def _file(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
    })


def _show(q: Any, value: Any, format_value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(chưa trả lời)"
    if q.type is QuestionType.TABLE:
        parts = []
        for row in q.rows:
            cells = (value or {}).get(row.id) or {}
            shown = [
                f"{c.label}: "
                + format_value(cells.get(c.id), c.type, choices=c.choices, unit=c.unit)
                for c in q.columns if cells.get(c.id) is not None
            ]
            parts.append(f"{row.label} — " + "; ".join(shown))
        return "\n".join(parts)
    if q.type is QuestionType.REPEAT:
        lines = []
        for i, item in enumerate(value or [], start=1):
            shown = [format_value(item.get(f.id), f.type, choices=f.choices, unit=f.unit)
                     for f in q.fields]
            lines.append(f"{i}. " + "; ".join(s for s in shown if s))
        return "\n".join(lines) or "(không có mục nào)"
    text = format_value(value, q.type, choices=q.choices, unit=q.unit)
    if q.unit and q.unit != "%" and q.type is not QuestionType.TEXT and text:
        text += f" {q.unit}"
    return text


def dashboard_routes(boot: Bootstrapped) -> list[Route]:
    """The ``/admin`` routes, for :func:`bot.webapp.create_web_app`."""
    return Dashboard(boot).routes()
