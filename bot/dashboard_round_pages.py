"""The dashboard's rounds: the index (every round, channel health, the form that opens
a round), one round's page (per-agency state, filtered and paged; reminder policy; the
round's log), the roll-up downloads, nudging overdue agencies and moving the deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard_auth import Session
from bot.dashboard_core import (
    DOCX,
    STATE_LABELS,
    XLSX,
    Form,
    Pages,
    Refused,
    active_agencies,
    db_id,
    file_response,
    path_id,
)
from dialogs.domain import Officer
from dialogs.pinned import round_template


class RoundPages(Pages):
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
            agencies = [a for a in await active_agencies(uow) if not a.is_collector]
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
        today = self.boot.clock.now().astimezone(self.d.tz).date()
        from bot.channel_health import channel_health

        health = await channel_health(self.boot)
        return self.d.page(
            "admin_index.html", status=status, officer=officer, session=session, rows=rows,
            channels=health, local=self.d.local,
            templates=templates, agencies=agencies, periods=PERIOD_CHOICES,
            form=form or blank_round_form(templates, agencies, today),
            problems=problems or {}, notice=notice,
        )

    async def round_page(self, request: Request, officer: Officer, session: Session) -> Response:
        from collections import Counter

        from bot.dashboard_rounds import policy_text, round_log
        from bot.reminders import ReminderError, load_policy, round_status
        from bot.round_page import RoundView, read_page
        from bot.signed_reports import signature_status
        from storage import reminders as store

        round_id = path_id(request.path_params["round_id"])
        deps = self.d.deps()
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            round_ = await uow.rounds.get(round_id)
            if round_ is None:
                raise Refused(404, f"Không có đợt báo cáo số {round_id}.")
            policy = await load_policy(uow, round_id)
            audit = await uow.audit.entries(entity="round")
            names: dict[int | None, str] = {None: "hệ thống"}
            for entry in audit:
                if entry.actor_officer_id not in names:
                    actor = await uow.officers.get(entry.actor_officer_id)
                    names[entry.actor_officer_id] = (
                        actor.full_name if actor else f"cán bộ #{entry.actor_officer_id}")
            # thousands of agencies: counted, filtered and paged in SQL (bot/round_page.py);
            # the page's rows only in full
            view = RoundView.from_query(request.query_params, list(STATE_LABELS))
            shown = await read_page(uow, round_, view, calendar=deps.calendar, now=now)
            try:
                _, shown.items = await round_status(
                    uow, round_id, templates=self.boot.templates, calendar=deps.calendar,
                    now=now, assignment_ids=shown.items)
            except ReminderError as exc:
                raise Refused(404, str(exc)) from exc
            reminded = Counter(r.assignment_id for r in await store.list_reminders(
                uow, assignment_ids=[p.assignment_id for p in shown.items],
                statuses=[store.SENT]))
            officers = await uow.officers.names_by_agency([p.agency_id for p in shown.items])
            signed = await uow.signatures.latest_among(round_id,
                                                       [p.assignment_id for p in shown.items])
            rows = []
            for p in shown.items:
                rows.append({
                    "p": p, "state": STATE_LABELS.get(p.state, p.state),
                    "officers": ", ".join(officers[p.agency_id]) or "—",
                    "submitted_at": self.d.local(p.submitted_at),
                    "reminders": reminded[p.assignment_id],
                    "signature": signature_status(signed.get(p.agency_id),
                                                  self.boot.settings.timezone),
                })
        template = await round_template(self.boot.templates, round_)
        return self.d.page("admin_round.html", officer=officer, session=session, round=round_,
                         name=template.name if template else round_.template_id, rows=rows,
                         done=shown.done, shown=shown, view=view, states=STATE_LABELS,
                         deadline=round_.deadline.isoformat(),
                         deadline_text=round_.deadline.strftime("%d/%m/%Y"),
                         policy=policy_text(policy),
                         log=round_log(audit, round_id, names, self.d.tz),
                         notice=request.query_params.get("notice"))

    async def rollup_file(self, request: Request, officer: Officer, session: Session) -> Response:
        from bot.reminders import Calendar
        from bot.rollup_service import ServiceError, make_rollup

        round_id = path_id(request.path_params["round_id"])
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
            return file_response(files.xlsx, XLSX, files.xlsx_filename)
        return file_response(files.docx, DOCX, files.filename)

    async def nudge_action(self, request: Request, officer: Officer, session: Session,
                           form: dict[str, str]) -> Response:
        from bot.reminders import ReminderError, nudge

        round_id = path_id(request.path_params["round_id"])
        agency = form.get("agency_id") or ""
        try:
            result = await nudge(self.d.deps(), round_id,
                                 agency_id=db_id(agency),
                                 now=self.boot.clock.now())
        except ReminderError as exc:
            return self.d.back(f"/admin/rounds/{round_id}", str(exc))
        url = f"/admin/rounds/{round_id}"
        if not result.agencies:
            return self.d.back(url, "Không có cơ quan nào quá hạn chưa nộp.")
        if result.sent is None:
            return self.d.back(url, f"Đã lên lịch nhắc {len(result.agencies)} cơ quan; ngoài giờ "
                                  f"làm việc nên sẽ gửi lúc {self.d.local(result.due_at)}.")
        notice = f"Đã gửi lời nhắc tới {len(result.agencies)} cơ quan."
        if result.sent.unreachable:
            notice += f" Không liên lạc được {len(result.sent.unreachable)} cơ quan."
        return self.d.back(url, notice)

    async def deadline_action(self, request: Request, officer: Officer, session: Session,
                              form: dict[str, str]) -> Response:
        from bot.round_service import RoundError, move_deadline

        round_id = path_id(request.path_params["round_id"])
        url = f"/admin/rounds/{round_id}"
        try:
            due = dt.date.fromisoformat(form.get("deadline", "").strip())
        except ValueError:
            return self.d.back(url, "Hạn nộp không hợp lệ.")
        async with self.boot.uow_factory() as uow:
            try:
                await move_deadline(uow, self.d.deps(), round_id, due, now=self.boot.clock.now(),
                                    actor_officer_id=officer.id)
            except RoundError as exc:
                return self.d.back(url, str(exc))
            await uow.commit()
        return self.d.back(url, f"Đã đổi hạn nộp sang {due:%d/%m/%Y}; lịch nhắc đã được lập lại.")

    async def open_round_action(self, request: Request, officer: Officer, session: Session,
                                form: Form) -> Response:
        from bot.dashboard_rounds import read_round_form
        from bot.round_service import RoundError, open_round, resolve_round

        read = read_round_form(form, form.getlist("agency"))
        problems = dict(read.problems)
        async with self.boot.uow_factory() as uow:
            try:
                resolve_round(read.request, templates=self.boot.templates,
                              agencies=await active_agencies(uow))
            except RoundError as exc:  # the form's own findings come first
                problems = {**exc.problems, **problems}
            if not problems:
                try:
                    opened = await open_round(
                        uow, self.d.deps(), read.request, province=self.settings.province,
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
        return self.d.back(f"/admin/rounds/{opened.round.id}", notice)

    def routes(self) -> list[Route]:
        g = self.d.guarded
        return [
            Route("/admin", g(self.index), methods=["GET"]),
            Route("/admin/rounds", g(self.open_round_action), methods=["POST"]),
            Route("/admin/rounds/{round_id}", g(self.round_page), methods=["GET"]),
            Route("/admin/rounds/{round_id}/deadline", g(self.deadline_action), methods=["POST"]),
            Route("/admin/rounds/{round_id}/nudge", g(self.nudge_action), methods=["POST"]),
            Route("/admin/rounds/{round_id}/rollup.{kind:str}", g(self.rollup_file),
                  methods=["GET"]),
        ]
