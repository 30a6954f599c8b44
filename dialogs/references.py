"""What a round's documents cite and whom they go to: the request document(s) the
DIC sent (số và ký hiệu, ngày, cơ quan ban hành, trích yếu), the grounds
("Căn cứ …") and the recipients (Nơi nhận), set when the round is opened; an
agency may add its own grounds and its own recipients before submitting.

Printed in Decree 30 wording: ``Thực hiện Công văn số 2994/STTT-CNTTVT ngày
16/10/2021 của Sở Thông tin và Truyền thông về việc …``. A template's fixed
grounds and recipients remain the default when the round sets none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialogs.invisible import strip_invisible
from dialogs.vn import format_date

__all__ = [
    "DocumentReferences",
    "ReferencesError",
    "RequestDocument",
    "document_kind",
    "merge_references",
    "parse_references",
    "parse_request",
]

MAX_ITEMS = 20
MAX_TEXT = 1000

#: Type code in the symbol ("599/KH-UBND") → the document's name (Phụ lục III).
_KINDS = {
    "KH": "Kế hoạch",
    "QĐ": "Quyết định",
    "QD": "Quyết định",
    "BC": "Báo cáo",
    "TB": "Thông báo",
    "CT": "Chỉ thị",
    "TTr": "Tờ trình",
    "HD": "Hướng dẫn",
    "NQ": "Nghị quyết",
}


class ReferencesError(ValueError):
    """A request document, ground or recipient that cannot be used; the message says
    why, in Vietnamese."""


def document_kind(symbol: str) -> str:
    """The name of a document from its symbol: "599/KH-UBND" → "Kế hoạch",
    "2994/STTT-CNTTVT" (no type code) → "Công văn"."""
    after = symbol.split("/", 1)[1] if "/" in symbol else ""
    code = after.split("-", 1)[0]
    return _KINDS.get(code, "Công văn")


def _clean(text: Any, what: str) -> str:
    value = " ".join(strip_invisible(str(text or "")).split())
    if len(value) > MAX_TEXT:
        raise ReferencesError(f"{what} dài quá {MAX_TEXT} ký tự.")
    return value


@dataclass(frozen=True)
class RequestDocument:
    """A document the round answers: "2994/STTT-CNTTVT", 16/10/2021, its issuer, subject."""

    symbol: str  # số và ký hiệu: "2994/STTT-CNTTVT"
    issued_on: dt.date
    issuer: str  # "Sở Thông tin và Truyền thông"
    subject: str = ""  # trích yếu, without "về việc"
    kind: str = ""  # "Công văn", "Kế hoạch"…; empty: from the symbol

    def citation(self) -> str:
        """``Thực hiện Công văn số 2994/STTT-CNTTVT ngày 16/10/2021 của Sở … về việc …``."""
        kind = self.kind or document_kind(self.symbol)
        date = format_date(self.issued_on)
        text = f"Thực hiện {kind} số {self.symbol} ngày {date} của {self.issuer}"
        subject = self.subject.strip().rstrip(".;")
        if subject:
            # a công văn's trích yếu reads "về việc …"; other documents name their subject
            lead = "" if kind != "Công văn" or re.match(r"(?i)^(về|v/v)\b", subject) \
                else "về việc "
            subject = re.sub(r"(?i)^v/v\s*", "về việc ", subject)
            text += f" {lead}{subject}"
        return text

    def to_json(self) -> dict[str, str]:
        return {"symbol": self.symbol, "issued_on": self.issued_on.isoformat(),
                "issuer": self.issuer, "subject": self.subject, "kind": self.kind}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequestDocument:
        return parse_request(data)


@dataclass(frozen=True)
class DocumentReferences:
    """What one document cites and whom it goes to; empty lists fall back to the
    template's grounds and recipients."""

    requests: tuple[RequestDocument, ...] = ()
    grounds: tuple[str, ...] = ()  # "Căn cứ …" lines of the round
    recipients: tuple[str, ...] = ()  # Nơi nhận of the round ("Sở Nội vụ (báo cáo)")
    own_grounds: tuple[str, ...] = ()  # the agency's own, added by its officer
    own_recipients: tuple[str, ...] = ()  # the agency's list, replacing the round's

    @property
    def empty(self) -> bool:
        return not (self.requests or self.grounds or self.recipients or self.own_grounds
                    or self.own_recipients)

    def grounds_lines(self, template_grounds: Sequence[str]) -> list[str]:
        """The grounds to print: the round's "Căn cứ" (or the template's when the round
        names none), the agency's own, then the request documents ("Thực hiện …")."""
        base = list(self.grounds) if (self.grounds or self.requests) else list(template_grounds)
        return [*base, *self.own_grounds, *(r.citation() for r in self.requests)]

    def recipient_lines(self, template_recipients: Sequence[str]) -> list[str]:
        """Nơi nhận: the agency's list, else the round's, else the template's."""
        return list(self.own_recipients or self.recipients or template_recipients)

    def to_json(self) -> dict[str, Any]:
        return {"requests": [r.to_json() for r in self.requests],
                "grounds": list(self.grounds), "recipients": list(self.recipients)}


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ReferencesError(f"Ngày văn bản {text!r} không hợp lệ (dạng 16/10/2021 hoặc 2021-10-16).")


def parse_request(data: Mapping[str, Any] | str) -> RequestDocument:
    """A request document from a mapping (the file, the form) or from one option value
    ``"2994/STTT-CNTTVT | 16/10/2021 | Sở Thông tin và Truyền thông | triển khai …"``."""
    if not isinstance(data, str | Mapping):
        raise ReferencesError("Mỗi văn bản yêu cầu cần số ký hiệu, ngày, cơ quan ban hành, "
                              "trích yếu.")
    if isinstance(data, str):
        parts = [p.strip() for p in data.split("|")]
        if len(parts) < 3:
            raise ReferencesError(
                "Văn bản yêu cầu cần: số ký hiệu | ngày | cơ quan ban hành | trích yếu "
                "(ví dụ: 2994/STTT-CNTTVT | 16/10/2021 | Sở Thông tin và Truyền thông | "
                "báo cáo ứng dụng CNTT năm 2021).")
        data = {"symbol": parts[0], "issued_on": parts[1], "issuer": parts[2],
                "subject": " | ".join(parts[3:])}
    symbol = _clean(data.get("symbol") or data.get("number"), "Số ký hiệu")
    if not symbol or "/" not in symbol:
        raise ReferencesError(f"Số ký hiệu {symbol!r} không hợp lệ (ví dụ 2994/STTT-CNTTVT).")
    issuer = _clean(data.get("issuer"), "Cơ quan ban hành")
    if not issuer:
        raise ReferencesError("Thiếu cơ quan ban hành văn bản yêu cầu.")
    return RequestDocument(
        symbol=symbol, issued_on=_date(data.get("issued_on") or data.get("date")),
        issuer=issuer, subject=_clean(data.get("subject"), "Trích yếu"),
        kind=_clean(data.get("kind"), "Loại văn bản"),
    )


def _lines(values: Iterable[Any], what: str) -> tuple[str, ...]:
    out = []
    for value in values:
        text = _clean(value, what).removeprefix("-").strip().rstrip(";.,").strip()
        if text:
            out.append(text)
    if len(out) > MAX_ITEMS:
        raise ReferencesError(f"Nhiều nhất {MAX_ITEMS} dòng {what.lower()}.")
    return tuple(out)


def parse_references(data: Mapping[str, Any] | None) -> DocumentReferences:
    """References from a mapping with ``requests``, ``grounds``, ``recipients``
    (a round's file, the stored JSON); :class:`ReferencesError` if malformed."""
    if not data:
        return DocumentReferences()
    if not isinstance(data, Mapping):
        raise ReferencesError("Tệp căn cứ phải có các mục requests, grounds, recipients.")
    requests = data.get("requests") or []
    if not isinstance(requests, list) or len(requests) > MAX_ITEMS:
        raise ReferencesError("Mục requests phải là danh sách văn bản yêu cầu.")
    for key in ("grounds", "recipients", "own_grounds", "own_recipients"):
        if not isinstance(data.get(key) or [], list):
            raise ReferencesError(f"Mục {key} phải là danh sách.")
    return DocumentReferences(
        requests=tuple(parse_request(r) for r in requests),
        grounds=_lines(data.get("grounds") or [], "Căn cứ"),
        recipients=_lines(data.get("recipients") or [], "Nơi nhận"),
        own_grounds=_lines(data.get("own_grounds") or [], "Căn cứ"),
        own_recipients=_lines(data.get("own_recipients") or [], "Nơi nhận"),
    )


def merge_references(round_refs: DocumentReferences,
                     own: Mapping[str, Any] | None) -> DocumentReferences:
    """The round's references with an agency's own grounds and recipients."""
    if not own:
        return round_refs
    return DocumentReferences(
        requests=round_refs.requests, grounds=round_refs.grounds,
        recipients=round_refs.recipients,
        own_grounds=_lines(own.get("grounds") or [], "Căn cứ"),
        own_recipients=_lines(own.get("recipients") or [], "Nơi nhận"),
    )
