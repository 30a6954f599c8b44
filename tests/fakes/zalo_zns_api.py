"""A fake of Zalo's ZNS API (template messages to a phone number).

- ``POST /message/template``, header ``access_token`` (the OA's token: ``valid_tokens``),
  JSON ``{phone, template_id, template_data, tracking_id}`` (zalo-php-sdk; partner
  pages eSMS "Tin Zalo Tư Vấn dạng Button", eTelecom, hexasync). Zalo answers HTTP 200
  with ``{"error": <negative code>, "message": …}`` on failure, like the OA API.
- the phone must be in international form without ``+`` (84 + 9 digits); else -108
  "Phone number is invalid";
- the template must exist and be approved, and ``template_data`` must carry exactly its
  parameters; else -1123 (unknown template) / -1124 (parameters);
- a daily ``quota`` of messages; beyond it -1131 "Out of quota";
- a wrong access token: -124.
Zalo's own ZNS error table was not reachable while writing this; the codes above are
the fake's, chosen in Zalo's style, and the channel treats them by meaning.
``tracking_id`` values are recorded: :attr:`duplicates` counts a tracking id seen twice.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class ZnsSent:
    phone: str
    template_id: str
    data: dict[str, str]
    tracking_id: str | None


@dataclass
class FakeZns:
    valid_tokens: set[str] = field(default_factory=lambda: {"initial-access"})
    templates: dict[str, set[str]] = field(default_factory=lambda: {"301234": {"noi_dung"}})
    quota: int = 10_000
    sent: list[ZnsSent] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def duplicates(self) -> int:
        with self._lock:
            seen = Counter(s.tracking_id for s in self.sent if s.tracking_id)
        return sum(n - 1 for n in seen.values() if n > 1)

    def to(self, phone: str) -> list[ZnsSent]:
        with self._lock:
            return [s for s in self.sent if s.phone == phone]

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/message/template", self._send, methods=["POST"])])

    def _error(self, code: int, message: str) -> JSONResponse:
        with self._lock:
            self.rejected.append(code)
        return JSONResponse({"error": code, "message": message})

    async def _send(self, request: Request) -> JSONResponse:
        if request.headers.get("access_token") not in self.valid_tokens:
            return self._error(-124, "Access token is invalid")
        try:
            body: dict[str, Any] = json.loads(await request.body())
            phone, template_id = str(body["phone"]), str(body["template_id"])
            data = body.get("template_data") or {}
        except (ValueError, KeyError, TypeError):
            return self._error(-201, "Parameters are invalid")
        if not re.fullmatch(r"84\d{9}", phone):
            return self._error(-108, "Phone number is invalid")
        if template_id not in self.templates:
            return self._error(-1123, "Template does not exist or is not approved")
        if not isinstance(data, dict) or set(data) != self.templates[template_id]:
            return self._error(-1124, "Template data does not match the template")
        with self._lock:
            if len(self.sent) >= self.quota:
                self.rejected.append(-1131)
                return JSONResponse({"error": -1131, "message": "Out of quota"})
            self.sent.append(ZnsSent(phone, template_id, {k: str(v) for k, v in data.items()},
                                     body.get("tracking_id")))
            msg_id = f"zns-{len(self.sent)}"
        return JSONResponse({"error": 0, "message": "Success",
                             "data": {"msg_id": msg_id, "sent_time": "1764000000000",
                                      "quota": {"remainingQuota": self.quota - len(self.sent)}}})
