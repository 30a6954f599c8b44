"""The dashboard's "Mẫu báo cáo" pages, on :mod:`bot.template_service`.

- the list of templates; uploading a YAML or XLSForm file: every problem listed
  (sheet, row, column), or the file becomes a *draft* (stored in the database,
  :mod:`storage.repositories.template_drafts`) and its preview opens;
- the preview: the questions as officers meet them, the "thử trả lời" chat on the
  real engine with a throw-away answer set (:mod:`bot.template_trial`), the
  sample DOCX and its page-1 picture; "Xuất bản" publishes the previewed draft as
  a new version (asking whether open rounds move to it);
- a template's page: its versions with who published them and when, its
  preview, retiring it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import template_service as ts
from bot.dashboard_auth import Session
from bot.dashboard_core import DOCX, Pages, Refused, file_response
from dialogs.domain import Officer
from dialogs.schema import Template

if TYPE_CHECKING:
    from bot.dashboard_core import Dashboard, Form

log = logging.getLogger(__name__)

FORMATS = {"yaml": "YAML", "xlsform": "XLSForm (Excel)", "bundled": "mẫu có sẵn"}
MAX_TRIAL_TEXT = 4000

TEMPLATE_TOO_BIG = (f"Tệp lớn quá {ts.MAX_UPLOAD_BYTES // (1024 * 1024)} MB nên không được "
                    "đọc. Anh/Chị bớt nội dung hoặc tách thành nhiều mẫu.")


class TemplatePages(Pages):
    def __init__(self, dashboard: Dashboard) -> None:
        from bot.template_trial import TrialRegistry

        super().__init__(dashboard)
        self.trials = TrialRegistry(clock=self.boot.clock, collector=self.settings.collector,
                                    province=self.settings.province)

    async def _refresh(self) -> None:
        refresh = getattr(self.boot.templates, "refresh", None)
        if refresh is not None:
            await refresh(force=True)

    def _today(self) -> dt.date:
        return self.boot.clock.now().astimezone(self.d.tz).date()

    # -- list and upload ------------------------------------------------------------------------

    async def list_page(self, request: Request, officer: Officer, session: Session) -> Response:
        return await self._list(officer, session, notice=request.query_params.get("notice"))

    async def _list(self, officer: Officer, session: Session, *, status: int = 200,
                    problems: list[ts.Problem] | None = None, filename: str = "",
                    notice: str | None = None) -> Response:
        summaries = await ts.list_templates(self.boot.uow_factory)
        rows = [{"s": s, "at": self.d.local(s.published_at),
                 "who": s.published_by or "hệ thống"} for s in summaries]
        return self.d.page("admin_templates.html", status=status, officer=officer,
                           session=session, rows=rows, problems=problems or [],
                           filename=filename, notice=notice,
                           limit_mb=ts.MAX_UPLOAD_BYTES // (1024 * 1024))

    async def upload_action(self, request: Request) -> Response:
        from bot.dashboard_uploads import read_upload
        from dialogs.loader import template_to_yaml

        try:
            officer, session = await self.d._officer(request)
            upload = await read_upload(
                request, session, field="file", limit=ts.MAX_UPLOAD_BYTES,
                too_big=TEMPLATE_TOO_BIG)
        except Refused as exc:
            return self.d.refused(exc.status, exc.message)
        if not upload.data:
            return await self._list(officer, session, status=400, problems=[
                ts.Problem("Chưa chọn tệp mẫu báo cáo (.xlsx hoặc .yaml).")])
        try:
            result = await asyncio.to_thread(ts.validate_upload, upload.data, upload.filename)
        except NotImplementedError:
            return await self._list(officer, session, status=503, problems=[
                ts.Problem("Chức năng kiểm tra tệp mẫu chưa sẵn sàng trên máy chủ này.")])
        if result.problems or result.template is None:
            log.info("template upload %r refused: %d problems", upload.filename,
                     len(result.problems))
            return await self._list(officer, session, status=400, problems=result.problems,
                                    filename=upload.filename)
        async with self.boot.uow_factory() as uow:
            token = await uow.template_drafts.save({
                "source": template_to_yaml(result.template), "format": result.format or "yaml",
                "filename": upload.filename[:200], "officer_id": officer.id,
            }, now=self.boot.clock.now())
            await uow.commit()
        return self.d.back(f"/admin/templates/drafts/{token}")

    # -- drafts: preview, sample, publish ---------------------------------------------------------

    async def _draft(self, token: str) -> tuple[dict[str, Any], Template]:
        from dialogs.loader import load_template_text
        from dialogs.template_errors import TemplateError

        async with self.boot.uow_factory() as uow:
            draft = await uow.template_drafts.get(token, now=self.boot.clock.now())
        if draft is None:
            raise Refused(404, "Bản tải lên này không còn (đã xuất bản, đã huỷ hoặc quá một "
                               "ngày). Anh/Chị tải tệp mẫu lên lại.")
        try:
            template = load_template_text(draft["source"], "draft.yaml")
        except TemplateError as exc:  # a draft stored by an older release
            raise Refused(409, f"Không đọc lại được bản tải lên: {exc}") from exc
        return draft, template

    async def draft_page(self, request: Request, officer: Officer, session: Session) -> Response:
        from bot.template_preview import outline_rows

        token = request.path_params["token"]
        draft, template = await self._draft(token)
        async with self.boot.uow_factory() as uow:
            await uow.template_drafts.mark_previewed(token, now=self.boot.clock.now())
            await uow.commit()
        latest = await ts.list_versions(self.boot.uow_factory, template.id)
        open_rounds = [r for r in await self._open_rounds() if r.template_id == template.id]
        return self.d.page(
            "admin_template_preview.html", officer=officer, session=session, template=template,
            draft=draft, token=token, rows=outline_rows(template),
            next_version=(latest[0].version + 1) if latest else 1, replaces=bool(latest),
            open_rounds=open_rounds, format=FORMATS.get(draft.get("format", ""), ""),
            base=f"/admin/templates/drafts/{token}", versions=[], has_png=_has_png(),
            notice=request.query_params.get("notice"),
        )

    async def _open_rounds(self) -> list[Any]:
        async with self.boot.uow_factory() as uow:
            return [r for r in await uow.rounds.list() if r.status == "open"]

    async def draft_sample(self, request: Request, officer: Officer, session: Session) -> Response:
        _, template = await self._draft(request.path_params["token"])
        return await self._sample(template, request.path_params["kind"])

    async def _sample(self, template: Template, kind: str) -> Response:
        from bot.template_preview import page_png, sample_docx

        docx = sample_docx(template, province=self.settings.province,
                           collector=self.settings.collector, today=self._today())
        if kind == "docx":
            return file_response(docx, DOCX, f"Mau-{template.id}.docx")
        if kind != "png":
            raise Refused(404, "Không tìm thấy trang.")
        png = await asyncio.to_thread(page_png, docx)
        if png is None:
            raise Refused(404, "Máy chủ chưa cài LibreOffice nên không có hình trang đầu.")
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "private, no-store"})

    async def publish_action(self, request: Request, officer: Officer, session: Session,
                             form: Form) -> Response:

        token = request.path_params["token"]
        draft, template = await self._draft(token)
        if not draft.get("previewed"):
            return self.d.back(f"/admin/templates/drafts/{token}",
                               "Anh/Chị xem trước mẫu rồi mới xuất bản.")
        published = await ts.publish(
            self.boot.uow_factory, template, published_by=officer.full_name,
            move_open_rounds=form.get("move_rounds") == "1", now=self.boot.clock.now(),
            source_format=draft.get("format", "yaml"))
        async with self.boot.uow_factory() as uow:
            await uow.template_drafts.delete(token)
            await uow.audit.add("template.publish", "template", template.id,
                            actor_officer_id=officer.id, now=self.boot.clock.now(),
                            detail={"version": published.version,
                                    "moved_rounds": published.moved_rounds})
            await uow.commit()
        await self._refresh()
        notice = f"Đã xuất bản {template.name}, phiên bản {published.version}."
        if published.moved_rounds:
            notice += f" {len(published.moved_rounds)} đợt đang mở đã chuyển sang phiên bản này."
        elif published.open_rounds:
            notice += (f" {len(published.open_rounds)} đợt đang mở vẫn dùng phiên bản cũ.")
        return self.d.back(f"/admin/templates/{template.id}", notice)

    async def discard_action(self, request: Request, officer: Officer, session: Session,
                             form: Form) -> Response:

        async with self.boot.uow_factory() as uow:
            await uow.template_drafts.delete(request.path_params["token"])
            await uow.commit()
        return self.d.back("/admin/templates", "Đã huỷ bản tải lên; chưa có gì được xuất bản.")

    # -- published templates ------------------------------------------------------------------

    async def _published(self, template_id: str) -> Template:
        template = await ts.get_template(self.boot.uow_factory, template_id[:100])
        if template is None:
            raise Refused(404, "Không có mẫu báo cáo này.")
        return template

    async def template_page(self, request: Request, officer: Officer,
                            session: Session) -> Response:
        from bot.template_preview import outline_rows

        template = await self._published(request.path_params["template_id"])
        versions = await ts.list_versions(self.boot.uow_factory, template.id)
        return self.d.page(
            "admin_template_preview.html", officer=officer, session=session, template=template,
            draft=None, token="", rows=outline_rows(template), next_version=None,
            open_rounds=[], format="", base=f"/admin/templates/{template.id}",
            versions=[{"v": v, "at": self.d.local(v.published_at),
                       "who": v.published_by or "hệ thống",
                       "format": FORMATS.get(v.source_format, v.source_format),
                       "retired": self.d.local(v.retired_at)} for v in versions],
            retired=any(v.retired_at for v in versions), has_png=_has_png(),
            notice=request.query_params.get("notice"),
        )

    async def template_sample(self, request: Request, officer: Officer,
                              session: Session) -> Response:
        template = await self._published(request.path_params["template_id"])
        return await self._sample(template, request.path_params["kind"])

    async def retire_action(self, request: Request, officer: Officer, session: Session,
                            form: Form) -> Response:
        template = await self._published(request.path_params["template_id"])
        now = self.boot.clock.now()
        if not await ts.retire(self.boot.uow_factory, template.id, now=now):
            raise Refused(404, "Không có mẫu báo cáo này.")
        async with self.boot.uow_factory() as uow:
            await uow.audit.add("template.retire", "template", template.id,
                            actor_officer_id=officer.id, now=now)
            await uow.commit()
        await self._refresh()
        return self.d.back(f"/admin/templates/{template.id}",
                           f"Đã ngừng dùng mẫu {template.name}: không mở được đợt mới với mẫu "
                           "này; các đợt đang mở vẫn dùng phiên bản của mình.")

    # -- the "thử trả lời" chat -------------------------------------------------------------

    async def trial_start(self, request: Request, officer: Officer, session: Session,
                          form: Form) -> Response:
        if form.get("draft"):
            _, template = await self._draft(form["draft"])
        else:
            template = await self._published(form.get("template", ""))
        trial, replies = await self.trials.start(template, officer_id=officer.id)
        return JSONResponse({"trial": trial.token, "messages": _messages(replies)},
                            headers={"Cache-Control": "no-store"})

    async def trial_say(self, request: Request, officer: Officer, session: Session,
                        form: Form) -> Response:
        trial = self.trials.get(request.path_params["trial"], officer.id)
        if trial is None:
            return JSONResponse({"error": "Phiên thử đã kết thúc. Anh/Chị bấm \"Thử trả lời\" "
                                          "để bắt đầu lại."}, status_code=404)
        text = form.get("text", "")[:MAX_TRIAL_TEXT] or None
        callback = form.get("callback", "")[:200] or None
        replies = await self.trials.say(trial, text=text, callback=callback)
        return JSONResponse({"messages": _messages(replies)},
                            headers={"Cache-Control": "no-store"})

    async def trial_close(self, request: Request, officer: Officer, session: Session,
                          form: Form) -> Response:
        trial = self.trials.get(request.path_params["trial"], officer.id)
        closed = trial is not None and await self.trials.close(trial.token)
        return JSONResponse({"closed": closed})

    # -- routes -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        g = self.d.guarded
        return [
            Route("/admin/templates", g(self.list_page), methods=["GET"]),
            Route("/admin/templates/upload", self.upload_action, methods=["POST"]),
            Route("/admin/templates/trial", g(self.trial_start), methods=["POST"]),
            Route("/admin/templates/trial/{trial}", g(self.trial_say), methods=["POST"]),
            Route("/admin/templates/trial/{trial}/close", g(self.trial_close), methods=["POST"]),
            Route("/admin/templates/drafts/{token}", g(self.draft_page), methods=["GET"]),
            Route("/admin/templates/drafts/{token}/sample.{kind:str}", g(self.draft_sample),
                  methods=["GET"]),
            Route("/admin/templates/drafts/{token}/publish", g(self.publish_action),
                  methods=["POST"]),
            Route("/admin/templates/drafts/{token}/discard", g(self.discard_action),
                  methods=["POST"]),
            Route("/admin/templates/{template_id}", g(self.template_page), methods=["GET"]),
            Route("/admin/templates/{template_id}/sample.{kind:str}", g(self.template_sample),
                  methods=["GET"]),
            Route("/admin/templates/{template_id}/retire", g(self.retire_action),
                  methods=["POST"]),
        ]


def _has_png() -> bool:
    import shutil

    from renderers.pdf import find_soffice

    return find_soffice() is not None and shutil.which("pdftoppm") is not None


def _messages(replies: list[Any]) -> list[dict[str, Any]]:
    return [{"text": out.text,
             "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in out.buttons]}
            for out in replies]
