"""HTTP routes of signed reports: the web chat's upload of a signed PDF, the
"Tải PDF để ký số" download, and the DIC's signature page (status per agency, zip
of the round's signed PDFs, upload of the signed roll-up)."""

from __future__ import annotations

import email.parser
import email.policy
import hmac
import io
import logging
import zipfile
from typing import TYPE_CHECKING

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.webchat import SESSION_RE
from bot.dashboard_auth import Session
from bot.downloads import LinkCheck, check_link, content_disposition
from bot.limited_read import read_at_most
from bot.signatures import MAX_PDF_BYTES
from bot.signed_reports import (
    TOO_LARGE,
    TrustRoots,
    current_rollup_hash,
    format_signed_at,
    pdf_to_sign,
    pdf_to_sign_path,
    receive_signed_pdf,
    receive_signed_rollup,
    rollup_to_sign,
)
from renderers.pdf import PdfError

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped

log = logging.getLogger(__name__)

__all__ = ["read_upload", "signed_routes"]



class UploadTooLarge(Exception):
    pass


async def read_upload(request: Request, limit: int = MAX_PDF_BYTES) -> bytes:
    """The raw request body, refused as soon as it is known to exceed ``limit``
    (declared length first, then while streaming): nothing is parsed."""
    body = await read_at_most(request.stream(), limit, request.headers.get("content-length"))
    if body is None:
        raise UploadTooLarge
    return body


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
    })


def signed_routes(boot: Bootstrapped) -> list[Route]:
    roots = TrustRoots(boot.settings.trust_roots)
    secret_key = boot.settings.secret_key
    timezone = boot.settings.timezone

    async def chat_upload(request: Request) -> Response:
        """``POST /api/chat/signed-pdf?session=…`` with the PDF as the body."""
        session = request.query_params.get("session", "")
        if not SESSION_RE.fullmatch(session):
            return JSONResponse({"error": "Phiên trò chuyện không hợp lệ. Vui lòng tải lại "
                                          "trang."}, status_code=400)
        try:
            data = await read_upload(request)
        except UploadTooLarge:
            return JSONResponse({"error": TOO_LARGE, "messages": [{"text": TOO_LARGE}]},
                                status_code=413)
        except ClientDisconnect:
            return Response(status_code=400)
        outcome = await receive_signed_pdf(
            boot.uow_factory, roots, channel="web", user_id=session, data=data,
            now=boot.clock.now(), timezone=timezone)
        return JSONResponse({"accepted": outcome.accepted,
                             "messages": [{"text": outcome.text, "buttons": [],
                                           "document": None}]},
                            headers={"Cache-Control": "no-store"})

    async def pdf_download(request: Request) -> Response:
        """``GET /pdf-ky-so/{id}?sig=…``: the PDF with empty signature fields."""
        try:
            submission_id = int(request.path_params["submission_id"])
        except ValueError:
            return JSONResponse({"error": "Không tìm thấy tài liệu."}, status_code=404)
        checked = check_link(secret_key, submission_id, request.query_params.get("sig"),
                             request.query_params.get("exp"), now=boot.clock.now().timestamp())
        if checked is LinkCheck.EXPIRED:
            return JSONResponse({"error": "Liên kết tải về đã hết hạn. Anh/Chị gõ \"tải lại\" "
                                          "trong cuộc trò chuyện để nhận liên kết mới."},
                                status_code=403)
        if checked is not LinkCheck.VALID:
            return JSONResponse({"error": "Liên kết tải về không hợp lệ."}, status_code=403)
        try:
            found = await pdf_to_sign(boot.uow_factory, boot.templates, submission_id)
        except Exception as exc:  # LibreOffice missing or failing: its message is Vietnamese
            log.warning("PDF to sign for submission %s failed", submission_id, exc_info=True)
            return JSONResponse({"error": str(exc)}, status_code=503)
        if found is None:
            return JSONResponse({"error": "Không tìm thấy tài liệu."}, status_code=404)
        return _pdf(found[1], found[0])

    return [
        Route("/api/chat/signed-pdf", chat_upload, methods=["POST"]),
        Route("/pdf-ky-so/{submission_id}", pdf_download, methods=["GET"]),
        *_dashboard_routes(boot, roots),
    ]


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str],
                                                         dict[str, tuple[bytes, str]]]:
    """Fields and files of a ``multipart/form-data`` body (the standard library's parser:
    the dashboard has one upload form and needs no extra dependency for it)."""
    fields: dict[str, str] = {}
    files: dict[str, tuple[bytes, str]] = {}
    if not content_type.startswith("multipart/form-data"):
        return fields, files
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace") + body)
    if not parsed.is_multipart():
        return fields, files
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (payload, filename)
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files


def _dashboard_routes(boot: Bootstrapped, roots: TrustRoots) -> list[Route]:
    from bot.dashboard_core import Dashboard, Refused, path_id

    dash = Dashboard(boot)
    timezone = boot.settings.timezone
    secret_key = boot.settings.secret_key

    async def signatures_page(request: Request, officer: object, session: Session) -> Response:
        round_id = path_id(request.path_params["round_id"])
        async with boot.uow_factory() as uow:
            round_ = await uow.rounds.get(round_id)
            if round_ is None:
                raise Refused(404, "Không có đợt báo cáo này.")
            assignments = await uow.assignments.list(round_id)
            signed = await uow.signatures.latest_by_agency(round_id)
            rollup = await uow.signatures.rollup(round_id)
            rows = []
            for a in assignments:
                agency = await uow.agencies.get(a.agency_id)
                record = await uow.submissions.latest(a.id)
                doc = signed.get(a.agency_id)
                pdf_link = None if record is None else pdf_to_sign_path(
                    secret_key, record.id, days=boot.settings.download_link_days,
                    now=boot.clock.now().timestamp())
                rows.append({
                    "name": agency.name if agency else str(a.agency_id),
                    "abbreviation": agency.abbreviation if agency else "",
                    "doc": doc, "pdf_link": pdf_link,
                    "signed_at": format_signed_at(doc.signed_at, timezone) if doc else "",
                })
        return dash.page(
            "admin_signatures.html", officer=officer, session=session, round=round_, rows=rows,
            signed_count=len(signed), rollup=rollup,
            rollup_signed_at=format_signed_at(rollup.signed_at, timezone) if rollup else "",
            notice=request.query_params.get("notice"))

    async def signed_zip(request: Request, officer: object, session: Session) -> Response:
        round_id = path_id(request.path_params["round_id"])
        async with boot.uow_factory() as uow:
            signed = await uow.signatures.latest_by_agency(round_id)
            files = [(await uow.signatures.pdf(doc.id)) for doc in signed.values()]
            rollup = await uow.signatures.rollup(round_id)
            if rollup is not None:
                files.append(await uow.signatures.pdf(rollup.id))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            seen: set[str] = set()
            for found in files:
                if found is None:
                    continue
                name, data = found
                while name in seen:
                    name = "_" + name
                seen.add(name)
                archive.writestr(name, data)
        return Response(buffer.getvalue(), media_type="application/zip", headers={
            "Content-Disposition": content_disposition(f"ban_ky_so_dot_{round_id}.zip"),
            "Cache-Control": "private, no-store"})

    def calendar() -> object:
        from bot.reminders import Calendar

        return Calendar.from_settings(boot.settings)

    async def rollup_pdf(request: Request, officer: object, session: object) -> Response:
        from bot.rollup_service import ServiceError

        round_id = path_id(request.path_params["round_id"])
        try:
            name, pdf, _ = await rollup_to_sign(
                boot.uow_factory, boot.templates, round_id, calendar=calendar(),
                now=boot.clock.now(), timezone=timezone)
        except ServiceError as exc:
            raise Refused(404, str(exc)) from exc
        except PdfError as exc:
            raise Refused(503, str(exc)) from exc
        return _pdf(pdf, name)

    async def rollup_upload(request: Request) -> Response:
        """The DIC's signed roll-up (multipart ``file`` + ``csrf``), verified like an
        agency's report; the answer comes back as a notice on the signatures page."""
        try:
            officer, session = await dash._officer(request)
            round_id = path_id(request.path_params["round_id"])
            try:
                body = await read_upload(request, MAX_PDF_BYTES + 64 * 1024)
            except UploadTooLarge:
                return dash.back(f"/admin/rounds/{round_id}/signatures", TOO_LARGE)
            fields, files = _multipart(request.headers.get("content-type", ""), body)
            if not hmac.compare_digest(fields.get("csrf", ""), session.csrf):
                raise Refused(403, "Biểu mẫu đã hết hạn. Anh/Chị tải lại trang rồi thử lại.")
        except Refused as exc:
            return dash.refused(exc.status, exc.message)
        data, filename = files.get("file", (b"", "tong_hop.pdf"))
        expected = await current_rollup_hash(boot.uow_factory, boot.templates, round_id,
                                             calendar=calendar(), now=boot.clock.now())
        outcome = await receive_signed_rollup(
            boot.uow_factory, roots, round_id=round_id, expected_hash=expected,
            officer_id=officer.id, data=data, filename=filename or "tong_hop.pdf",
            now=boot.clock.now(), timezone=timezone)
        return dash.back(f"/admin/rounds/{round_id}/signatures", outcome.text)

    g = dash.guarded
    return [
        Route("/admin/rounds/{round_id}/rollup-ky-so.pdf", g(rollup_pdf), methods=["GET"]),
        Route("/admin/rounds/{round_id}/rollup-signed", rollup_upload, methods=["POST"]),
        Route("/admin/rounds/{round_id}/signatures", g(signatures_page), methods=["GET"]),
        Route("/admin/rounds/{round_id}/signed.zip", g(signed_zip), methods=["GET"]),
    ]
