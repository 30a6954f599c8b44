"""A fake of the Zalo OA Open API and OAuth server, strict where the real one is.

- ``POST /v3.0/oa/message/cs``: needs a valid ``access_token`` header (else HTTP 200
  ``{"error": -216}``), a recipient and a text (≤ 2,000 chars) and/or an attachment
  (≤ 5 buttons of a known type, or a file token it issued); users marked
  ``closed`` get ``-230`` ("has not interacted with the OA in the past 7 days").
- the messaging window, when the fake is given a clock (``now``): a user who wrote
  (``event``) may get CS messages free for 48 h, at most 8 per user message; from
  48 h to 7 days each message uses ``paid_quota`` (error -213 when none is left);
  after 7 days -230 (Zalo OA support, zalooa.freshdesk.com "interaction window";
  field-vn/zalo README and ErrorCatalog.php). ``refuse(user, code)`` makes every
  send to a user fail with one of Zalo's permanent codes (-232 user blocked the OA …).
- ``POST /v2.0/oa/upload/file``: multipart ``file`` (PDF/DOC/DOCX, ≤ 5 MB), token header.
- ``POST /v4/oa/access_token``: ``secret_key`` header, form ``app_id``,
  ``grant_type=refresh_token``, ``refresh_token``; a refresh token works ONCE; answers
  ``expires_in`` as a string, as Zalo does (field-vn/zalo; goclaw auth.go). An expired
  access token is refused with ``expired_code`` (-216 invalid, -220 expired, -124, or
  401 for HTTP 401: all seen in the sources); ``revoke_refresh_tokens`` makes every
  refresh token invalid (-14014), as after three months or a revoked permission. With
  a clock (``now``), a refreshed access token stops working after its 90,000 s.
- :meth:`FakeZaloOA.event` builds a webhook event signed like Zalo signs them
  (``X-ZEvent-Signature``: sha256 of app_id + body + timestamp + OA secret key; sources
  disagree on the ``mac=`` prefix, so ``signature_form`` can drop it or upper-case the hex).
- :meth:`FakeZaloOA.save_webhook_url` is the console saving the webhook URL: it POSTs
  ``{}`` unsigned and accepts the URL only on HTTP 200 (field-vn/zalo CHANGELOG 0.2.0,
  goclaw ``internal/channels/zalo/oa/webhook.go`` "URL-save ping").
- :meth:`FakeZaloOA.file_event` builds a ``user_send_file`` event whose
  ``message.attachments[0].payload`` carries ``url``, ``size`` (a string), ``name``,
  ``type`` and ``checksum`` as Zalo's webhook documentation shows
  (developers.zalo.me/docs/official-account/webhook/tin-nhan/su-kien-nguoi-dung-gui-file);
  the file is served at that URL (``GET /files/<id>``, like Zalo's CDN: no token).

State is inspected by the tests: ``sent``, ``uploads``, ``refreshes``, ``rejected``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.parser
import email.policy
import hashlib
import itertools
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_TYPES = {"application/pdf", "application/msword", DOCX}
BUTTON_TYPES = {"oa.query.hide", "oa.query.show", "oa.open.url", "oa.open.phone", "oa.open.sms"}


@dataclass
class Sent:
    user_id: str
    message: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.message.get("text") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        attachment = self.message.get("attachment") or {}
        if attachment.get("type") != "template":
            return []
        return list((attachment.get("payload") or {}).get("buttons") or [])

    @property
    def file_token(self) -> str | None:
        attachment = self.message.get("attachment") or {}
        if attachment.get("type") != "file":
            return None
        return str((attachment.get("payload") or {}).get("token"))


@dataclass
class FakeZaloOA:
    app_id: str = "4123456789012345678"
    oa_secret_key: str = field(default_factory=lambda: secrets.token_hex(10))
    app_secret: str = field(default_factory=lambda: secrets.token_hex(10))
    access_token: str = "initial-access"
    refresh_token: str = "initial-refresh"
    refresh_delay: float = 0.0  # answer refreshes this slowly (to widen races in tests)
    sent: list[Sent] = field(default_factory=list)
    uploads: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    refreshes: list[str] = field(default_factory=list)  # refresh tokens accepted
    rejected: list[tuple[str, int]] = field(default_factory=list)  # (endpoint, error code)
    closed: set[str] = field(default_factory=set)  # users outside the messaging window
    now: Callable[[], dt.datetime] | None = None  # set: the window is enforced
    paid_quota: int = 0
    paid_used: int = 0
    last_interaction: dict[str, dt.datetime] = field(default_factory=dict)
    sent_since: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # user -> permanent error code

    expired_code: int = -216
    oauth_in_flight: int = 0  # refresh requests being answered right now
    files: dict[str, bytes] = field(default_factory=dict)  # files users sent (file_event)
    downloads: int = 0  # GET /files/<id> requests

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._valid_access = {self.access_token}
        self._refresh = {self.refresh_token: False}  # token -> used
        self._counter = itertools.count(1)
        self._access_expiry: dict[str, dt.datetime] = {}

    # ------------------------------------------------------------ test controls
    def expire_access_tokens(self) -> None:
        with self._lock:
            self._valid_access.clear()

    def issue_pair(self, access: str, refresh: str) -> None:
        """A new pair obtained in Zalo's console (the OAuth consent flow)."""
        with self._lock:
            self._valid_access.add(access)
            self._refresh[refresh] = False

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh = {token: True for token in self._refresh}

    def texts_to(self, user_id: str) -> list[str]:
        with self._lock:
            return [s.text for s in self.sent if s.user_id == user_id and s.text]

    def messages_to(self, user_id: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.user_id == user_id]

    def count(self) -> int:
        with self._lock:
            return len(self.sent)

    def sign(self, body: bytes, timestamp: str, *, secret: str | None = None,
             form: str = "mac=hex") -> str:
        """The signature header; ``form``: "mac=hex", "hex" or "HEX" (no prefix, upper)."""
        key = self.oa_secret_key if secret is None else secret
        data = self.app_id.encode() + body + timestamp.encode() + key.encode()
        digest = hashlib.sha256(data).hexdigest()
        if form == "hex":
            return digest
        if form == "HEX":
            return digest.upper()
        return "mac=" + digest

    @staticmethod
    def registration_probe() -> tuple[bytes, dict[str, str]]:
        """The request Zalo's console sends when the webhook URL is saved."""
        return b"{}", {"Content-Type": "application/json"}

    async def save_webhook_url(self, post: Any) -> bool:
        """Save the webhook URL as the console does: True when the probe got 200.
        ``post(body, headers)`` POSTs to the URL and returns the response."""
        body, headers = self.registration_probe()
        response = await post(body, headers)
        return bool(response.status_code == 200)

    def event(self, user_id: str, text: str, *, msg_id: str | None = None,
              timestamp: int = 1_764_000_000_000, event_name: str = "user_send_text",
              signature_form: str = "mac=hex") -> tuple[bytes, dict[str, str]]:
        """A webhook request (body, headers) as Zalo would POST it."""
        if self.now is not None:
            with self._lock:
                self.last_interaction[user_id] = self.now()
                self.sent_since[user_id] = 0
        payload = {
            "app_id": self.app_id,
            "user_id_by_app": f"app-{user_id}",
            "event_name": event_name,
            "timestamp": str(timestamp),
            "sender": {"id": user_id},
            "recipient": {"id": "oa-579745863508352884"},
            "message": {"text": text, "msg_id": msg_id or secrets.token_hex(16)},
        }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return body, {"X-ZEvent-Signature": self.sign(body, str(timestamp), form=signature_form),
                      "Content-Type": "application/json"}

    def file_event(self, user_id: str, data: bytes, name: str, *, base_url: str,
                   msg_id: str | None = None, timestamp: int = 1_764_000_000_000,
                   size: int | None = None) -> tuple[bytes, dict[str, str]]:
        """A signed ``user_send_file`` webhook request; ``data`` is served under
        ``base_url`` (this fake's address)."""
        file_id = secrets.token_hex(8)
        with self._lock:
            self.files[file_id] = data
        payload = {
            "app_id": self.app_id, "user_id_by_app": f"app-{user_id}",
            "event_name": "user_send_file", "timestamp": str(timestamp),
            "sender": {"id": user_id}, "recipient": {"id": "oa-579745863508352884"},
            "message": {"msg_id": msg_id or secrets.token_hex(16), "attachments": [{
                "type": "file",
                "payload": {"url": f"{base_url}/files/{file_id}",
                            "size": str(len(data) if size is None else size), "name": name,
                            "type": name.rsplit(".", 1)[-1],
                            "checksum": hashlib.md5(data).hexdigest()},
            }]},
        }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return body, {"X-ZEvent-Signature": self.sign(body, str(timestamp)),
                      "Content-Type": "application/json"}

    # ---------------------------------------------------------------- the API
    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/files/{file_id}", self._file, methods=["GET"]),
            Route("/v3.0/oa/message/cs", self._send, methods=["POST"]),
            Route("/v2.0/oa/upload/file", self._upload, methods=["POST"]),
            Route("/v4/oa/access_token", self._token, methods=["POST"]),
        ])

    def _error(self, endpoint: str, code: int, message: str) -> JSONResponse:
        with self._lock:
            self.rejected.append((endpoint, code))
        if code == 401:
            return JSONResponse({"error": 401, "message": message}, status_code=401)
        return JSONResponse({"error": code, "message": message})  # Zalo: HTTP 200 on errors

    def _token_ok(self, request: Request) -> bool:
        token = request.headers.get("access_token")
        with self._lock:
            expires = self._access_expiry.get(token or "")
            if expires is not None and self.now is not None and self.now() >= expires:
                return False  # lived its 25 hours
            return token in self._valid_access

    async def _send(self, request: Request) -> JSONResponse:
        if not self._token_ok(request):
            return self._error("cs", self.expired_code, "Access token is invalid")
        try:
            body = json.loads(await request.body())
            user_id = str(body["recipient"]["user_id"])
            message = body["message"]
        except (ValueError, KeyError, TypeError):
            return self._error("cs", -201, "Parameters are invalid")
        problem = self._check_message(message)
        if problem:
            return self._error("cs", -201, problem)
        if user_id in self.closed:
            return self._error("cs", -230, "User has not interacted with the OA in the past "
                                           "7 days")
        if user_id in self.refused:
            return self._error("cs", self.refused[user_id], "User cannot receive messages")
        refusal = self._window_refusal(user_id)
        if refusal is not None:
            return self._error("cs", *refusal)
        with self._lock:
            self.sent.append(Sent(user_id, message))
            message_id = f"m{next(self._counter)}"
        return JSONResponse({"error": 0, "message": "Success",
                             "data": {"message_id": message_id, "user_id": user_id}})

    def _window_refusal(self, user_id: str) -> tuple[int, str] | None:
        """Zalo's window rules; counts the message when it may go."""
        if self.now is None:
            return None
        with self._lock:
            last = self.last_interaction.get(user_id)
            if last is None or self.now() - last >= dt.timedelta(days=7):
                return -230, "User has not interacted with the OA in the past 7 days"
            free = (self.now() - last < dt.timedelta(hours=48)
                    and self.sent_since.get(user_id, 0) < 8)
            if not free:
                if self.paid_used >= self.paid_quota:
                    return -213, "Out of quota for consultation messages"
                self.paid_used += 1
            self.sent_since[user_id] = self.sent_since.get(user_id, 0) + 1
        return None

    def refuse(self, user_id: str, code: int = -232) -> None:
        with self._lock:
            self.refused[user_id] = code

    def _check_message(self, message: Any) -> str | None:
        if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
            return "message needs a text or an attachment"
        if len(str(message.get("text") or "")) > 2000:
            return "text is longer than 2000 characters"
        attachment = message.get("attachment")
        if attachment is None:
            return None
        if attachment.get("type") == "file":
            token = (attachment.get("payload") or {}).get("token")
            return None if token in self.uploads else "unknown file token"
        if attachment.get("type") != "template":
            return "unsupported attachment"
        buttons = (attachment.get("payload") or {}).get("buttons") or []
        if not 1 <= len(buttons) <= 5:
            return "a message carries 1 to 5 buttons"
        for button in buttons:
            if button.get("type") not in BUTTON_TYPES or not button.get("title"):
                return "invalid button"
            if len(button["title"]) > 100 or len(str(button.get("payload"))) > 1000:
                return "button title or payload too long"
        return None

    async def _file(self, request: Request) -> Response:
        with self._lock:
            data = self.files.get(request.path_params["file_id"])
            self.downloads += 1
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="application/octet-stream")

    async def _upload(self, request: Request) -> JSONResponse:
        if not self._token_ok(request):
            return self._error("upload", self.expired_code, "Access token is invalid")
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            return self._error("upload", -201, "multipart/form-data expected")
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        for part in parsed.iter_parts():
            if part.get_param("name", header="content-disposition") != "file":
                continue
            data = part.get_payload(decode=True) or b""
            if part.get_content_type() not in FILE_TYPES:
                return self._error("upload", -210, "file type is not supported")
            if len(data) > 5 * 1024 * 1024:
                return self._error("upload", -210, "file is larger than 5 MB")
            token = secrets.token_hex(12)
            with self._lock:
                self.uploads[token] = (part.get_filename() or "", data, part.get_content_type())
            return JSONResponse({"error": 0, "message": "Success", "data": {"token": token}})
        return self._error("upload", -201, "no file")

    async def _token(self, request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if request.headers.get("secret_key") != self.app_secret:
            return self._error("oauth", -14002, "Invalid secret key")
        if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            return self._error("oauth", -14001, "Invalid parameter")
        token = form.get("refresh_token", "")
        with self._lock:
            self.oauth_in_flight += 1
        try:
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
        finally:
            with self._lock:
                self.oauth_in_flight -= 1
        with self._lock:
            used = self._refresh.get(token)
            if used is None or used:
                self.rejected.append(("oauth", -14014))
                return JSONResponse({"error": -14014, "error_name": "Invalid parameter",
                                     "error_description": "Refresh token is invalid"})
            self._refresh[token] = True
            self.refreshes.append(token)
            n = next(self._counter)
            access, refresh = f"access-{n}", f"refresh-{n}"
            self._valid_access.add(access)
            if self.now is not None:
                self._access_expiry[access] = self.now() + dt.timedelta(seconds=90000)
            self._refresh[refresh] = False
        return JSONResponse({"access_token": access, "refresh_token": refresh,
                             "expires_in": "90000"})
