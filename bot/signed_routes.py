"""HTTP routes of signed reports: the web chat's upload of a signed PDF, the
"Tải PDF để ký số" download, and the DIC's signature page (status per agency, zip
of the round's signed PDFs, upload of the signed roll-up)."""

from __future__ import annotations

import html
import io
import logging
import zipfile
from typing import TYPE_CHECKING

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.channels.webchat import SESSION_RE
from bot.downloads import content_disposition, verify_submission
from bot.signatures import MAX_PDF_BYTES
from bot.signed_reports import (
    TOO_LARGE,
    TrustRoots,
    format_signed_at,
    pdf_to_sign,
    receive_signed_pdf,
)
from storage.repositories import signatures as repo

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped

log = logging.getLogger(__name__)

__all__ = ["read_upload", "signed_routes"]



class UploadTooLarge(Exception):
    pass


async def read_upload(request: Request, limit: int = MAX_PDF_BYTES) -> bytes:
    """The raw request body, refused as soon as it is known to exceed ``limit``
    (declared length first, then while streaming): nothing is parsed."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


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
        if not verify_submission(secret_key, submission_id, request.query_params.get("sig")):
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


def _dashboard_routes(boot: Bootstrapped, roots: TrustRoots) -> list[Route]:
    from bot.dashboard import Dashboard, Refused, _int

    dash = Dashboard(boot)
    timezone = boot.settings.timezone

    async def signatures_page(request: Request, officer: object, session: object) -> Response:
        round_id = _int(request.path_params["round_id"])
        async with boot.uow_factory() as uow:
            round_ = await uow.get_round(round_id)
            if round_ is None:
                raise Refused(404, "Không có đợt báo cáo này.")
            assignments = await uow.list_assignments(round_id)
            signed = await repo.latest_signed_by_agency(uow, round_id)
            rollup = await repo.signed_rollup(uow, round_id)
            agencies = {a.agency_id: await uow.get_agency(a.agency_id) for a in assignments}
        rows = []
        for a in assignments:
            agency = agencies[a.agency_id]
            name = html.escape(agency.name if agency else str(a.agency_id))
            doc = signed.get(a.agency_id)
            if doc is None:
                rows.append(f"<tr><td>{name}</td><td>chưa ký số</td><td></td><td></td>"
                            "<td></td></tr>")
            else:
                rows.append(
                    f"<tr><td>{name}</td><td>đã ký số</td><td>{html.escape(doc.signer)}</td>"
                    f"<td>{format_signed_at(doc.signed_at, timezone)}</td>"
                    f"<td>{html.escape(doc.issuer)}</td></tr>")
        rollup_line = ("Bản tổng hợp: chưa ký số." if rollup is None else
                       f"Bản tổng hợp: đã ký số — {html.escape(rollup.signer)}, "
                       f"{format_signed_at(rollup.signed_at, timezone)}, "
                       f"{html.escape(rollup.issuer)}.")
        body = (
            "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">"
            f"<title>Chữ ký số — {html.escape(round_.period_label)}</title>"
            f"<h1>Chữ ký số: đợt {html.escape(round_.period_label)}</h1>"
            f"<p><a href=\"/admin/rounds/{round_id}\">Quay lại đợt báo cáo</a> · "
            f"<a href=\"/admin/rounds/{round_id}/signed.zip\">Tải tất cả bản đã ký số (.zip)</a>"
            f" · đã ký số {len(signed)}/{len(assignments)} cơ quan</p>"
            "<table><thead><tr><th>Cơ quan</th><th>Trạng thái</th><th>Người ký</th>"
            "<th>Thời điểm ký</th><th>Tổ chức cấp chứng thư</th></tr></thead><tbody>"
            + "".join(rows) + f"</tbody></table><p id=\"rollup\">{rollup_line}</p></html>")
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    async def signed_zip(request: Request, officer: object, session: object) -> Response:
        round_id = _int(request.path_params["round_id"])
        async with boot.uow_factory() as uow:
            signed = await repo.latest_signed_by_agency(uow, round_id)
            files = [(await repo.signed_pdf(uow, doc.id)) for doc in signed.values()]
            rollup = await repo.signed_rollup(uow, round_id)
            if rollup is not None:
                files.append(await repo.signed_pdf(uow, rollup.id))
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

    g = dash.guarded
    return [
        Route("/admin/rounds/{round_id}/signatures", g(signatures_page), methods=["GET"]),
        Route("/admin/rounds/{round_id}/signed.zip", g(signed_zip), methods=["GET"]),
    ]
