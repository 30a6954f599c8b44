"""Reading a file posted from a dashboard form (``multipart/form-data``).

The body is read with a hard size limit *before* it is parsed (python-multipart
through Starlette), then the session's CSRF token is checked like every other
dashboard form. Errors are :class:`bot.dashboard_core.Refused` with a Vietnamese message.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request

from bot.dashboard_auth import Session
from bot.dashboard_core import Refused
from bot.limited_read import read_at_most

__all__ = ["Upload", "read_upload"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    fields: dict[str, str]
    filename: str
    data: bytes  # b"" when no file was chosen


async def read_upload(request: Request, session: Session, *, field: str, limit: int,
                      too_big: str) -> Upload:
    body = await read_at_most(request.stream(), limit + 64 * 1024,
                              request.headers.get("content-length"))
    if body is None:
        raise Refused(413, too_big)
    request._body = body  # Starlette's form parser reads the body from here
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise Refused(400, "Biểu mẫu gửi lên không đúng dạng (cần chọn tệp).")
    try:
        form = await request.form(max_files=1, max_fields=20, max_part_size=limit + 1)
    except Exception as exc:  # malformed multipart, a part over the limit
        log.warning("dashboard upload refused: %s", exc)
        raise Refused(400, "Không đọc được tệp gửi lên. Anh/Chị chọn lại tệp rồi thử lại.") \
            from None
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not hmac.compare_digest(fields.get("csrf", ""), session.csrf):
            log.warning("dashboard: %r refused (no valid CSRF token)", request.url.path)
            raise Refused(403, "Biểu mẫu đã hết hạn. Anh/Chị tải lại trang rồi thử lại.")
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            return Upload(fields, "", b"")
        data = await upload.read()
        filename = upload.filename or ""
    finally:
        await form.close()
    if len(data) > limit:
        raise Refused(413, too_big)
    return Upload(fields, filename, data)
