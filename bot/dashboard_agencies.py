"""The dashboard's agencies, officers and invitations (``/admin/agencies``…).

- the agency list, adding one, editing one (name, abbreviation, governing body
  line, place name, signer), deactivating and reactivating;
- importing the CSV of ``baocao agencies import`` (same checks, every bad row
  listed, nothing imported unless every row is right);
- an agency's officers (channel, last message, role) with "Thu hồi";
- invitations: a new code per selected agency (earlier unused codes stop
  working), shown once with its links and QR code, printable as "Phiếu mời tham
  gia báo cáo" (DOCX, and PDF through LibreOffice).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard_auth import Session
from bot.dashboard_core import DOCX, Pages, Refused, file_response, path_id
from dialogs.domain import Agency, Officer

if TYPE_CHECKING:
    from bot.dashboard_core import Form

log = logging.getLogger(__name__)

PDF = "application/pdf"
MAX_CSV_BYTES = 1024 * 1024
CSV_TOO_BIG = "Tệp CSV lớn quá 1 MB; Anh/Chị chia thành nhiều tệp nhỏ hơn."
INVITE_DAYS = 30
CHANNEL_LABELS = {"web": "Trò chuyện trên web", "telegram": "Telegram", "zalo_oa": "Zalo OA",
                  "zalo_bot": "Zalo Bot", "terminal": "Dòng lệnh"}
ROLE_LABELS = {"officer": "Cán bộ báo cáo", "dic": "Cán bộ cơ quan tổng hợp"}
#: (field, label, required) of the agency form, in order.
AGENCY_FORM = (
    ("name", "Tên cơ quan", True),
    ("abbreviation", "Tên viết tắt", True),
    ("governing_body", "Cơ quan chủ quản (dòng trên cùng của tiêu đề)", True),
    ("place", "Địa danh", True),
    ("signer_position", "Chức vụ người ký", True),
    ("signer_authority", "Thẩm quyền ký (KT., TL., TM. … nếu có)", False),
    ("signer_name", "Họ và tên người ký", True),
    ("drafting_unit", "Đơn vị soạn thảo (dòng \"Lưu\")", True),
)
LEVELS = {"province": "Cấp tỉnh (sở, ban, ngành)", "commune": "Cấp xã"}
_LIMITS = {"name": 300, "abbreviation": 50, "governing_body": 300, "place": 100,
           "signer_name": 200, "signer_position": 200, "signer_authority": 200,
           "drafting_unit": 50}


def read_agency_form(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The agency's values and the problems (field → Vietnamese message)."""
    values: dict[str, Any] = {name: form.get(name, "").strip() for name, _, _ in AGENCY_FORM}
    problems: dict[str, str] = {}
    for name, label, required in AGENCY_FORM:
        if required and not values[name]:
            problems[name] = f"Chưa nhập {label[0].lower()}{label[1:].split(' (')[0]}."
        elif len(values[name]) > _LIMITS[name]:
            problems[name] = f"{label.split(' (')[0]} dài quá {_LIMITS[name]} ký tự."
    if values["abbreviation"] and any(ch.isspace() for ch in values["abbreviation"]):
        problems["abbreviation"] = "Tên viết tắt không được có khoảng trắng."
    level = form.get("level", "province")
    if level not in LEVELS:
        problems["level"] = "Cấp cơ quan không hợp lệ."
    values["level"] = level if level in LEVELS else "province"
    values["signer_authority"] = values["signer_authority"] or None
    return values, problems


def _blank_agency() -> dict[str, Any]:
    return {"name": "", "abbreviation": "", "governing_body": "", "place": "",
            "signer_position": "GIÁM ĐỐC", "signer_authority": "", "signer_name": "",
            "drafting_unit": "VP", "level": "province"}


class AgencyPages(Pages):
    # -- the list, adding, importing ----------------------------------------------------------

    async def list_page(self, request: Request, officer: Officer, session: Session) -> Response:
        return await self._list(officer, session, notice=request.query_params.get("notice"))

    async def _list(self, officer: Officer, session: Session, *, status: int = 200,
                    form: dict[str, Any] | None = None, problems: dict[str, str] | None = None,
                    import_problems: list[str] | None = None, notice: str | None = None,
                    invite_problem: str | None = None) -> Response:

        async with self.boot.uow_factory() as uow:
            agencies = await uow.agencies.list()
            inactive = await uow.agencies.inactive_ids()
            counts = {a.id: sum(1 for e in await uow.officers.roster(a.id) if e.channels)
                      for a in agencies}
        return self.d.page(
            "admin_agencies.html", status=status, officer=officer, session=session,
            agencies=agencies, inactive=inactive, counts=counts, fields=AGENCY_FORM,
            levels=LEVELS, form=form or _blank_agency(), problems=problems or {},
            import_problems=import_problems or [], notice=notice, invite_problem=invite_problem,
        )

    async def add_action(self, request: Request, officer: Officer, session: Session,
                         form: Form) -> Response:
        from storage import admin

        values, problems = read_agency_form(form)
        if not problems:
            async with self.boot.uow_factory() as uow:
                try:
                    agency = await admin.add_agency(uow, **values)
                except admin.AdminError as exc:
                    problems["abbreviation"] = str(exc)
                else:
                    await uow.audit.add("agency.add", "agency", agency.id,
                                        actor_officer_id=officer.id,
                                    now=self.boot.clock.now(), detail={"abbreviation":
                                                                        agency.abbreviation})
                    await uow.commit()
        if problems:
            return await self._list(officer, session, status=400, form=values, problems=problems)
        return self.d.back("/admin/agencies",
                           f"Đã thêm cơ quan {agency.name} ({agency.abbreviation}).")

    async def import_action(self, request: Request) -> Response:
        from bot.dashboard_uploads import read_upload
        from storage import admin

        try:
            officer, session = await self.d._officer(request)
            upload = await read_upload(
                request, session, field="file", limit=MAX_CSV_BYTES,
                too_big=CSV_TOO_BIG)
        except Refused as exc:
            return self.d.refused(exc.status, exc.message)
        problems: list[str] = []
        if not upload.data:
            problems.append("Chưa chọn tệp CSV.")
        else:
            try:
                text = upload.data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = ""
                problems.append("Tệp không phải văn bản UTF-8. Anh/Chị lưu lại tệp dạng "
                                "\"CSV UTF-8\" rồi tải lên lại.")
            if not problems:
                rows, found = admin.check_agencies_csv(text)
                problems = [f"Dòng {line}: {message}" for line, message in found]
                if not rows and not problems:
                    problems.append("Tệp không có dòng cơ quan nào.")
        if problems:
            return await self._list(officer, session, status=400, import_problems=problems)
        async with self.boot.uow_factory() as uow:
            saved = await admin.save_checked_agencies(uow, rows, self.boot.clock.now())
            await uow.audit.add("agency.import", "agency", None, actor_officer_id=officer.id,
                            now=self.boot.clock.now(),
                            detail={"abbreviations": [a.abbreviation for a in saved],
                                    "file": upload.filename[:200]})
            await uow.commit()
        return self.d.back("/admin/agencies", f"Đã nhập {len(saved)} cơ quan từ tệp "
                                              f"{upload.filename or 'CSV'}.")

    # -- one agency -------------------------------------------------------------------------

    async def _agency(self, uow: Any, raw_id: str) -> Agency:
        agency = await uow.agencies.get(path_id(raw_id))
        if agency is None:
            raise Refused(404, "Không có cơ quan này.")
        return agency

    async def agency_page(self, request: Request, officer: Officer, session: Session) -> Response:
        return await self._agency_page(request, officer, session,
                                       notice=request.query_params.get("notice"))

    async def _agency_page(self, request: Request, officer: Officer, session: Session, *,
                           status: int = 200, form: dict[str, Any] | None = None,
                           problems: dict[str, str] | None = None,
                           notice: str | None = None) -> Response:

        async with self.boot.uow_factory() as uow:
            agency = await self._agency(uow, request.path_params["agency_id"])
            active = agency.id not in await uow.agencies.inactive_ids()
            entries = await uow.officers.roster(agency.id)
        officers = [{
            "e": e, "channels": ", ".join(CHANNEL_LABELS.get(c, c) for c in e.channels) or "—",
            "last": self.d.local(e.last_seen_at) or "—",
            "role": ROLE_LABELS.get(e.role, e.role),
            "revoked": self.d.local(e.revoked_at) if e.revoked_at else "",
        } for e in entries]
        values = form or {name: getattr(agency, name) or "" for name, _, _ in AGENCY_FORM}
        values.setdefault("level", agency.level)
        return self.d.page(
            "admin_agency.html", status=status, officer=officer, session=session, agency=agency,
            active=active, officers=officers, fields=AGENCY_FORM, levels=LEVELS,
            form=values | {"level": values.get("level", agency.level)}, problems=problems or {},
            notice=notice,
        )

    async def edit_action(self, request: Request, officer: Officer, session: Session,
                          form: Form) -> Response:

        values, problems = read_agency_form(form)
        async with self.boot.uow_factory() as uow:
            agency = await self._agency(uow, request.path_params["agency_id"])
            if not problems:
                reason = await uow.agencies.update(agency.id, values)
                if reason:
                    problems["abbreviation"] = reason
                else:
                    await uow.audit.add("agency.edit", "agency", agency.id,
                                    actor_officer_id=officer.id, now=self.boot.clock.now(),
                                    detail={k: v for k, v in values.items()
                                            if getattr(agency, k) != v})
                    await uow.commit()
        if problems:
            return await self._agency_page(request, officer, session, status=400, form=values,
                                           problems=problems)
        return self.d.back(f"/admin/agencies/{agency.id}", "Đã lưu thông tin cơ quan.")

    async def active_action(self, request: Request, officer: Officer, session: Session,
                            form: Form) -> Response:

        active = form.get("active") == "1"
        async with self.boot.uow_factory() as uow:
            agency = await self._agency(uow, request.path_params["agency_id"])
            if agency.is_collector and not active:
                return self.d.back(f"/admin/agencies/{agency.id}",
                                   "Không thể ngừng hoạt động cơ quan tổng hợp.")
            await uow.agencies.set_active(agency.id, active)
            await uow.audit.add("agency.activate" if active else "agency.deactivate", "agency",
                            agency.id, actor_officer_id=officer.id, now=self.boot.clock.now())
            await uow.commit()
        notice = ("Cơ quan đã hoạt động trở lại." if active else
                  "Đã ngừng hoạt động cơ quan: không còn được chọn khi mở đợt báo cáo "
                  "hay cấp mã mời; các báo cáo đã có vẫn được giữ.")
        return self.d.back(f"/admin/agencies/{agency.id}", notice)

    async def revoke_action(self, request: Request, officer: Officer, session: Session,
                            form: Form) -> Response:

        async with self.boot.uow_factory() as uow:
            agency = await self._agency(uow, request.path_params["agency_id"])
            target = await uow.officers.get(path_id(request.path_params["officer_id"]))
            if target is None or target.agency_id != agency.id:
                raise Refused(404, "Không có cán bộ này.")
            if target.id == officer.id:
                return self.d.back(f"/admin/agencies/{agency.id}",
                                   "Anh/Chị không thể tự thu hồi quyền của chính mình.")
            count = await uow.officers.revoke(target.id, now=self.boot.clock.now(),
                                         actor_officer_id=officer.id)
            await uow.commit()
        log.info("officer %s revoked by %s (%d identities)", target.id, officer.id, count)
        return self.d.back(
            f"/admin/agencies/{agency.id}",
            f"Đã thu hồi quyền của {target.full_name}; tin nhắn tiếp theo của cán bộ này sẽ bị "
            f"từ chối và được hướng dẫn xin mã mời mới.")

    # -- invitations ---------------------------------------------------------------------------

    async def invite_action(self, request: Request, officer: Officer, session: Session,
                            form: Form) -> Response:
        """Issue new codes for the selected agencies (or the one of the URL)."""
        from bot.invitations import make_invitation, qr_svg_data_uri, seal, telegram_username

        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            agencies = {a.id: a for a in await uow.agencies.list()}
            inactive = await uow.agencies.inactive_ids()
            if "agency_id" in request.path_params:
                chosen = [path_id(request.path_params["agency_id"])]
            else:
                chosen = [int(v) for v in form.getlist("agency") if v.isdigit()]
            chosen = list(dict.fromkeys(chosen))
            picked = [agencies[i] for i in chosen if i in agencies and i not in inactive]
            codes: list[str] = []
            if picked:
                codes = [await uow.invites.reissue(a.id, now=now,
                                              ttl=dt.timedelta(days=INVITE_DAYS)) for a in picked]
                await uow.audit.add("invite.issue", "agency", None, actor_officer_id=officer.id,
                                now=now, detail={"agencies": [a.abbreviation for a in picked]})
                await uow.commit()
        if not picked:
            return await self._list(officer, session, status=400,
                                    invite_problem="Chưa chọn cơ quan nào (đang hoạt động) "
                                                   "để cấp mã mời.")
        username = await telegram_username(self.settings)
        invitations = [make_invitation(self.settings, a.name, a.abbreviation, code, username)
                       for a, code in zip(picked, codes, strict=True)]
        expires = (now + dt.timedelta(days=INVITE_DAYS)).astimezone(self.d.tz)
        return self.d.page(
            "admin_invitations.html", officer=officer, session=session,
            items=[{"i": i, "qr": qr_svg_data_uri(i.qr_link)} for i in invitations],
            sealed=seal(self.settings.secret_key, invitations),
            expires=expires.strftime("%d/%m/%Y"), has_pdf=_soffice() is not None,
        )

    async def print_action(self, request: Request, officer: Officer, session: Session,
                           form: Form) -> Response:
        """The "Phiếu mời tham gia báo cáo" of the codes just issued (DOCX or PDF)."""
        import asyncio

        from bot.invitations import open_sealed, qr_png
        from renderers.invitations import InvitationEntry, render_invitations

        invitations = open_sealed(self.settings.secret_key, form.get("sealed", ""))
        if not invitations:
            raise Refused(400, "Phiếu mời đã hết hạn tải về (mã mời chỉ hiện một lần). "
                               "Anh/Chị cấp mã mời mới ở trang Cơ quan.")
        entries = []
        for i in invitations:
            links = [("Trò chuyện trên web", i.web_link)]
            if i.telegram_link:
                links.append(("Telegram", i.telegram_link))
            if i.zalo_link:
                links.append(("Zalo OA (quan tâm OA rồi gửi mã mời)", i.zalo_link))
            entries.append(InvitationEntry(
                agency=i.agency, abbreviation=i.abbreviation, code=i.code, links=links,
                qr_png=qr_png(i.qr_link),
                qr_label="ứng dụng Telegram" if i.telegram_link else "trang trò chuyện trên web"))
        today = self.boot.clock.now().astimezone(self.d.tz).date()
        docx = render_invitations(entries, province=self.settings.province,
                                  collector=self.settings.collector, issued=today,
                                  expires=today + dt.timedelta(days=INVITE_DAYS))
        name = f"Phieu-moi-tham-gia-bao-cao-{today:%Y%m%d}"
        if form.get("format") != "pdf":
            return file_response(docx, DOCX, name + ".docx")
        from renderers.pdf import PdfError, to_pdf

        try:
            pdf = await asyncio.to_thread(to_pdf, docx)
        except PdfError as exc:
            raise Refused(503, str(exc)) from exc
        return file_response(pdf, PDF, name + ".pdf")

    # -- routes -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        g = self.d.guarded
        return [
            Route("/admin/agencies", g(self.list_page), methods=["GET"]),
            Route("/admin/agencies", g(self.add_action), methods=["POST"]),
            Route("/admin/agencies/import", self.import_action, methods=["POST"]),
            Route("/admin/agencies/{agency_id}", g(self.agency_page), methods=["GET"]),
            Route("/admin/agencies/{agency_id}", g(self.edit_action), methods=["POST"]),
            Route("/admin/agencies/{agency_id}/active", g(self.active_action), methods=["POST"]),
            Route("/admin/agencies/{agency_id}/invite", g(self.invite_action), methods=["POST"]),
            Route("/admin/agencies/{agency_id}/officers/{officer_id}/revoke",
                  g(self.revoke_action), methods=["POST"]),
            Route("/admin/invitations", g(self.invite_action), methods=["POST"]),
            Route("/admin/invitations/print", g(self.print_action), methods=["POST"]),
        ]


def _soffice() -> str | None:
    from renderers.pdf import find_soffice

    return find_soffice()
