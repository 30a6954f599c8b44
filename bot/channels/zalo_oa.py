"""Zalo Official Account channel (Open API v3): webhook events ⇄ Inbound, Outbound ⇄ API calls.

Inbound: Zalo POSTs events to ``/zalo/oa/webhook`` signed with ``X-ZEvent-Signature:
mac=<sha256 hex of app_id + raw body + timestamp + OA secret key>`` (``timestamp``
is the event's own field; the ``mac=`` prefix is optional, the hex case-insensitive).
When the URL is saved in Zalo's console, Zalo POSTs ``{}`` unsigned and keeps the URL
only on 200: that probe gets 200 and nothing else. Other unsigned or mis-signed
requests get 403 and nothing else happens. An accepted event is committed to the
webhook inbox (:mod:`bot.inbox`) before the 200 (503 when it cannot be stored, so Zalo
delivers it again) and handled from there, in order per user. ``msg_id`` is the
inbox's and the engine's de-duplication key.

Outbound: consultation messages (``POST /v3.0/oa/message/cs``, header
``access_token``). Buttons become ``oa.query.hide`` buttons whose payload
(``#b:<callback data>``) comes back as a text message and is turned back into a
callback; buttons a message cannot carry are listed as typed commands. A document
is uploaded (``/v2.0/oa/upload/file``) and sent as a file message.

Zalo answers HTTP 200 with ``{"error": <negative code>, "message": …}`` on failure.
An invalid/expired access token (-216, -220, -124, HTTP 401) is refreshed once and
the call retried once; the token is also refreshed ahead of expiry on a schedule
(:meth:`TokenStore.run`). The refresh token is single use, so one process at a time
refreshes (a lease in the channel-state row ``zalo_oa:tokens``; no database lock is
held during the OAuth call); if another process already refreshed, its token is used.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.exc import IntegrityError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels import zalo_window
from bot.channels.textbuttons import callback_for_typed, flatten, split_text, typed_hint
from bot.channels.webhook_state import record_webhook
from bot.inbox import Inbox
from bot.limited_read import read_at_most
from bot.settings import Settings
from bot.signatures import MAX_PDF_BYTES
from bot.signed_reports import TOO_LARGE, ReceiveDocument
from dialogs.messages import Button, DocumentRef, Inbound, Outbound
from dialogs.ports import Channel, Clock, DeliveryError, OutboxItem
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
TOKENS_KEY = "zalo_oa:tokens"
WEBHOOK_PATH = "/zalo/oa/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
#: Free consultation messages: within 48 h of the user's last message (zalo_window).
WINDOW = zalo_window.FREE_WINDOW
MAX_TEXT = 2000  # characters in one text message
MAX_BUTTONS = 5  # buttons in one message
MAX_BUTTON_TITLE = 100
MAX_BODY_BYTES = 64 * 1024
BUTTON_PREFIX = "#b:"
#: Error codes meaning "the access token is not (or no longer) valid".
TOKEN_ERRORS = frozenset({-216, -220, -124})
#: Error codes meaning "this user cannot be messaged now" (window, quota, permission).
WINDOW_ERRORS = zalo_window.PERMANENT_ERRORS

HandleFn = Callable[[Inbound], Awaitable[list[Outbound]]]


@dataclass(frozen=True, slots=True)
class OAConfig:
    app_id: str
    secret_key: str  # OA secret key: webhook signatures
    app_secret: str  # app secret: token refresh
    access_token: str  # initial pair, used until the database holds a newer one
    refresh_token: str
    api_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> OAConfig | None:
        """The configuration, or None when the OA channel is not configured."""
        if not settings.zalo_oa_configured:
            return None
        return cls(
            app_id=settings.zalo_oa_app_id or "",
            secret_key=settings.zalo_oa_secret_key or "",
            app_secret=settings.zalo_oa_app_secret or "",
            access_token=settings.zalo_oa_access_token or "",
            refresh_token=settings.zalo_oa_refresh_token or "",
            api_url=settings.zalo_oa_api_url.rstrip("/"),
            oauth_url=settings.zalo_oauth_url.rstrip("/"),
        )


# --------------------------------------------------------------------------- inbound


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """The ``X-ZEvent-Signature`` value Zalo sends for ``body``."""
    digest = hashlib.sha256(
        app_id.encode() + body + timestamp.encode() + secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


def _digest_of(header: str) -> str:
    """The hex digest of a signature header, with or without its ``mac=`` prefix
    (sources disagree on whether Zalo sends it), lower-cased."""
    value = header.strip()
    if value[:4].lower() == "mac=":
        value = value[4:]
    return value.strip().lower()


def is_registration_probe(body: bytes, header: str | None) -> bool:
    """Whether the request is the console's check when the webhook URL is saved: an
    unsigned POST whose body is ``{}`` (or empty). Zalo keeps the URL only if it gets
    200 (field-vn/zalo CHANGELOG 0.2.0; goclaw's "URL-save ping")."""
    if header and header.strip():
        return False
    if not body.strip():
        return True
    try:
        return json.loads(body.decode("utf-8")) == {}
    except (UnicodeDecodeError, ValueError):
        return False


def verify_signature(config: OAConfig, body: bytes, header: str | None) -> dict[str, Any] | None:
    """The event, if ``header`` is the right signature of ``body``; None otherwise.
    The header may carry ``mac=`` or not; hex is compared case-insensitively."""
    if not header:
        return None
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(payload, dict) or "timestamp" not in payload:
        return None
    expected = signature(config.app_id, body, str(payload["timestamp"]), config.secret_key)
    if not hmac.compare_digest(_digest_of(expected).encode(),
                               _digest_of(header).encode("utf-8", "replace")):
        return None
    return payload


def parse_event(payload: dict[str, Any]) -> Inbound | None:
    """A user's event as an :class:`Inbound`; None for events the bot ignores
    (its own messages, delivery and seen receipts, …)."""
    event = str(payload.get("event_name") or "")
    if event == "follow":
        follower = payload.get("follower") or {}
        user_id = str(follower.get("id") or "")
        if not user_id:
            return None
        return Inbound(CHANNEL, user_id, text="/start",
                       message_id=f"follow:{user_id}:{payload.get('timestamp')}")
    if not event.startswith("user_send_"):
        return None
    user_id = str((payload.get("sender") or {}).get("id") or "")
    message = payload.get("message") or {}
    if not user_id or not isinstance(message, dict):
        return None
    msg_id = message.get("msg_id")
    message_id = str(msg_id) if msg_id else None
    if event != "user_send_text":  # a picture, sticker, file…: show the current step again
        return Inbound(CHANNEL, user_id, message_id=message_id)
    text = str(message.get("text") or "")
    if text.startswith(BUTTON_PREFIX):
        return Inbound(CHANNEL, user_id, callback=text[len(BUTTON_PREFIX):],
                       message_id=message_id)
    callback = callback_for_typed(text)
    if callback is not None:
        return Inbound(CHANNEL, user_id, callback=callback, message_id=message_id)
    return Inbound(CHANNEL, user_id, text=text, message_id=message_id)


# --------------------------------------------------------------------------- outbound


def _priority(button: Button) -> int:
    if button.data.startswith("ans:"):
        return 0
    return 2 if button.data.startswith("cmd:edit") else 1


def split_buttons(buttons: list[Button]) -> tuple[list[Button], list[Button]]:
    """(buttons the message carries, buttons offered as typed commands)."""
    ranked = sorted(range(len(buttons)), key=lambda i: (_priority(buttons[i]), i))
    carried = set(ranked[:MAX_BUTTONS])
    return ([b for i, b in enumerate(buttons) if i in carried],
            [b for i, b in enumerate(buttons) if i not in carried])


def render(out: Outbound) -> list[dict[str, Any]]:
    """The ``message`` objects for one outbound message's text and buttons."""
    carried, rest = split_buttons(flatten(out.buttons))
    hint = typed_hint(rest)
    pieces = split_text(out.text, MAX_TEXT) if out.text else []
    if hint:
        if pieces and len(pieces[-1]) + 2 + len(hint) <= MAX_TEXT:
            pieces[-1] = f"{pieces[-1]}\n\n{hint}"
        else:
            pieces.append(hint)
    if not pieces and carried:
        pieces = ["Chọn:"]
    messages: list[dict[str, Any]] = [{"text": piece} for piece in pieces]
    if carried:
        messages[-1]["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": b.label[:MAX_BUTTON_TITLE], "type": "oa.query.hide",
                     "payload": BUTTON_PREFIX + b.data}
                    for b in carried
                ]
            },
        }
    return messages


class ZaloOAError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo OA error {code}: {message}")
        self.code = code
        self.message = message


def _check(response: httpx.Response) -> dict[str, Any]:
    """The body of an API answer; raises ZaloOAError when it reports an error."""
    if response.status_code == 401:
        raise ZaloOAError(-216, "HTTP 401")
    try:
        body = response.json()
    except ValueError:
        raise ZaloOAError(-1, f"HTTP {response.status_code}: not JSON") from None
    if not isinstance(body, dict):
        raise ZaloOAError(-1, f"HTTP {response.status_code}: unexpected body")
    code = body.get("error", 0)
    if response.status_code >= 400 and not code:
        code = -response.status_code
    if code:
        raise ZaloOAError(int(code), str(body.get("message") or body.get("error_description")
                                         or ""))
    return body


class TokenRefused(DeliveryError):
    """Zalo's OAuth server refused the stored refresh token: only a person can install a
    new pair (``baocao zalo set-token``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class TokenStore:
    """The OA's access/refresh token pair, kept in the database for every process.

    The access token lasts about 25 h; the refresh token about 3 months and is single
    use (field-vn/zalo README; zalo-java-sdk). A refresh happens ahead of expiry
    (:meth:`keep_fresh`, from the stored ``expires_at``) and after a refusal. Only one
    process refreshes at a time: it takes a short lease in the stored state (under the
    row lock, committed at once), calls the OAuth server holding no database lock,
    then stores the new pair. Others wait for the lease and use the stored pair.
    A refused refresh token is recorded (``refused_at``): the DIC is told
    (:attr:`on_refused`), and nothing refreshes until a new pair is installed.
    """

    #: how long a refresh may take before another process may try
    LEASE = dt.timedelta(seconds=60)
    #: refresh this long before the access token expires
    AHEAD = dt.timedelta(hours=2)
    #: look at the stored pair at least this often (another process may have changed it)
    max_check = dt.timedelta(hours=1)

    def __init__(self, config: OAConfig, uow_factory: Callable[[], SqlUnitOfWork],
                 clock: Clock, http: httpx.AsyncClient, *, wait_step: float = 0.1) -> None:
        self.config = config
        self.uow_factory = uow_factory
        self.clock = clock
        self.http = http
        self.wait_step = wait_step
        self._cached: str | None = None  # a cache only: the database is the truth
        #: called once with the reason when the refresh token is refused
        self.on_refused: Callable[[str], Awaitable[None]] | None = None

    async def current(self) -> str:
        if self._cached is None:
            self._cached = (await self._load())["access_token"]
        return self._cached

    async def state(self) -> dict[str, Any]:
        """The stored pair and its metadata (``expires_at``, ``updated_at``, ``refused_at``)."""
        return await self._load()

    async def _load(self) -> dict[str, Any]:
        async with self.uow_factory() as uow:
            state = await uow.channel_state.get(TOKENS_KEY)
        if state is not None and (state.get("seed") == self.config.refresh_token
                                  or state.get("installed")):
            return state
        # Nothing stored yet, or the operator configured a new pair: store it.
        try:
            async with self.uow_factory() as uow:
                state = await uow.channel_state.get(TOKENS_KEY, lock=True)
                if state is None or (state.get("seed") != self.config.refresh_token
                                     and not state.get("installed")):
                    state = {"access_token": self.config.access_token,
                             "refresh_token": self.config.refresh_token,
                             "seed": self.config.refresh_token,
                             "updated_at": self.clock.now().isoformat()}
                    await uow.channel_state.put(TOKENS_KEY, state, self.clock.now())
                    await uow.commit()
        except IntegrityError:  # another process stored the first pair at the same moment
            return await self._load()
        return state

    async def refresh(self, failed: str | None) -> str:
        """A valid access token after ``failed`` was refused (None: ahead of expiry):
        the one another process stored meanwhile, or a new pair from the refresh token."""
        await self._load()  # make sure a row exists to lock
        while True:
            now = self.clock.now()
            async with self.uow_factory() as uow:
                state = await uow.channel_state.get(TOKENS_KEY, lock=True)
                assert state is not None
                if state.get("refused_at"):
                    raise TokenRefused(str(state.get("refused_reason") or "refresh refused"))
                if failed is not None and state["access_token"] != failed:
                    self._cached = state["access_token"]  # someone refreshed already
                    return self._cached
                if failed is None and not self.due(state, now):
                    self._cached = state["access_token"]
                    return self._cached
                leased = state.get("refreshing_until")
                if not leased or dt.datetime.fromisoformat(leased) <= now:
                    state = {**state, "refreshing_until": (now + self.LEASE).isoformat()}
                    await uow.channel_state.put(TOKENS_KEY, state, now)
                    await uow.commit()
                    break
            await asyncio.sleep(self.wait_step)  # another process is refreshing: wait for it
        try:
            return await self._refresh_with(state)
        finally:
            await self._release()

    async def _refresh_with(self, state: dict[str, Any]) -> str:
        """The OAuth call (no database lock held), then the new pair stored."""
        try:
            response = await self.http.post(
                f"{self.config.oauth_url}/v4/oa/access_token",
                headers={"secret_key": self.config.app_secret},
                data={"refresh_token": state["refresh_token"],
                      "app_id": self.config.app_id, "grant_type": "refresh_token"},
            )
            body = _check(response)
        except httpx.HTTPError as exc:
            log.error("Zalo OA: the OAuth server is unreachable: %s", exc)
            raise DeliveryError(f"token refresh failed: {exc}") from exc
        except ZaloOAError as exc:
            await self._refused(f"Zalo từ chối mã làm mới (refresh token): {exc.code} "
                                f"{exc.message}")
            raise TokenRefused(f"refresh token refused: {exc}") from exc
        if not body.get("access_token") or not body.get("refresh_token"):
            raise DeliveryError("token refresh failed: no token in the answer")
        now = self.clock.now()
        async with self.uow_factory() as uow:
            stored = await uow.channel_state.get(TOKENS_KEY, lock=True) or state
            new = {**stored, "access_token": body["access_token"],
                   "refresh_token": body["refresh_token"], "updated_at": now.isoformat(),
                   "refreshing_until": None}
            if body.get("expires_in"):  # may arrive as a string
                new["expires_at"] = (now + dt.timedelta(seconds=int(body["expires_in"]))
                                     ).isoformat()
            await uow.channel_state.put(TOKENS_KEY, new, now)
            await uow.commit()
        log.info("Zalo OA: access token refreshed")
        self._cached = new["access_token"]
        return self._cached

    async def _release(self) -> None:
        async with self.uow_factory() as uow:
            state = await uow.channel_state.get(TOKENS_KEY, lock=True)
            if state is not None and state.get("refreshing_until"):
                await uow.channel_state.put(TOKENS_KEY, {**state, "refreshing_until": None},
                                            self.clock.now())
                await uow.commit()

    async def _refused(self, reason: str) -> None:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            state = await uow.channel_state.get(TOKENS_KEY, lock=True) or {}
            first = not state.get("refused_at")
            await uow.channel_state.put(TOKENS_KEY, {**state, "refused_at": now.isoformat(),
                                                     "refused_reason": reason}, now)
            await uow.commit()
        log.error("Zalo OA: %s. Cài cặp mã mới: baocao zalo set-token", reason)
        if first and self.on_refused is not None:
            await self.on_refused(reason)

    def due(self, state: dict[str, Any], now: dt.datetime) -> bool:
        """Whether the stored access token should be refreshed now (unknown expiry: yes)."""
        expires = state.get("expires_at")
        if not expires:
            return True
        return dt.datetime.fromisoformat(expires) - self.AHEAD <= now

    async def keep_fresh(self) -> dt.timedelta:
        """Refresh if the stored token is near expiry; how long until the next check."""
        state = await self._load()
        if state.get("refused_at"):
            return dt.timedelta(minutes=5)
        now = self.clock.now()
        if self.due(state, now):
            await self.refresh(None)
            state = await self._load()
        expires = state.get("expires_at")
        if not expires:
            return dt.timedelta(minutes=5)
        wait = dt.datetime.fromisoformat(expires) - self.AHEAD - now
        return min(max(wait, dt.timedelta(minutes=1)), self.max_check)

    async def run(self) -> None:
        """The service: keep the token fresh even when no message is sent for months."""
        while True:
            try:
                wait = await self.keep_fresh()
            except DeliveryError as exc:
                log.warning("Zalo OA: scheduled token refresh failed: %s", exc.reason)
                wait = dt.timedelta(minutes=5)
            except Exception:
                log.exception("Zalo OA: scheduled token refresh failed")
                wait = dt.timedelta(minutes=5)
            await asyncio.sleep(wait.total_seconds())


async def install_tokens(uow_factory: Callable[[], SqlUnitOfWork], clock: Clock,
                         access_token: str, refresh_token: str,
                         expires_in: int | None = None) -> None:
    """Install a new token pair by hand (``baocao zalo set-token``): it replaces the
    stored one in every process and clears a refusal."""
    now = clock.now()
    state: dict[str, Any] = {"access_token": access_token, "refresh_token": refresh_token,
                             "installed": True, "updated_at": now.isoformat()}
    if expires_in:
        state["expires_at"] = (now + dt.timedelta(seconds=expires_in)).isoformat()
    async with uow_factory() as uow:
        await uow.channel_state.get(TOKENS_KEY, lock=True)
        await uow.channel_state.put(TOKENS_KEY, state, now)
        await uow.commit()


class ZaloOAChannel:
    """Sends to Zalo users through the OA; the outbox's ``Channel`` for ``zalo_oa``."""

    name = CHANNEL

    def __init__(self, config: OAConfig, tokens: TokenStore, http: httpx.AsyncClient,
                 uow_factory: Callable[[], SqlUnitOfWork], clock: Clock,
                 link_for: Callable[[DocumentRef], str], *, paid_quota: int = 0) -> None:
        self.config = config
        self.tokens = tokens
        self.http = http
        self.uow_factory = uow_factory
        self.clock = clock
        self.link_for = link_for
        self.paid_quota = paid_quota  # paid messages a month the operator allows
        #: every outbox channel by name (set when the process is wired): the fallbacks
        self.peers: Mapping[str, Channel] = {}
        #: submission id -> "Tải PDF để ký số: <url>", sent after the DOCX (signed reports)
        self.pdf_link: Callable[[int], str] | None = None

    @property
    def window(self) -> dt.timedelta:
        """How long after an officer's last message a notice may be queued here."""
        return zalo_window.PAID_WINDOW if self.paid_quota > 0 else zalo_window.FREE_WINDOW

    async def interacted(self, user_id: str) -> None:
        """The user wrote: a new free window opens."""
        async with self.uow_factory() as uow:
            await uow.windows.interacted(CHANNEL, user_id, self.clock.now())
            await uow.commit()

    async def _count(self, user_id: str, messages: list[Outbound], paid: bool) -> None:
        count = sum(len(render(out)) + (out.document is not None) for out in messages)
        now = self.clock.now()
        try:
            async with self.uow_factory() as uow:
                await uow.windows.sent(CHANNEL, user_id, count, now, paid=paid)
                if paid:
                    await zalo_window.spend_paid(uow, count, now)
                await uow.commit()
        except Exception as exc:  # sent already: a lost count must not resend
            log.warning("Zalo OA: sent messages to %s not counted: %s", user_id, exc)

    async def deliver_item(self, item: OutboxItem) -> None:
        """The outbox's delivery: only inside the window Zalo allows (free, or paid when
        ZALO_OA_PAID_QUOTA allows); otherwise, or when Zalo refuses for good, the
        messages go to the officer's other channel at once and this row fails with
        the reason."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            state = await uow.windows.get(CHANNEL, item.user_id)
            left = await zalo_window.paid_left(uow, self.paid_quota, now)
        verdict = zalo_window.assess(state, now, paid_left=left)
        reason = verdict.reason
        if verdict.allowed:
            try:
                await self.deliver(item.user_id, item.messages)
            except DeliveryError as exc:
                if not exc.permanent:
                    raise
                reason = f"Zalo OA từ chối: {exc.reason}"
            else:
                await self._count(item.user_id, item.messages, verdict.paid)
                return
        rerouted = await zalo_window.reroute(
            self.uow_factory, self.peers, self.clock, CHANNEL, item.user_id, item.messages,
            dedupe_key=item.dedupe_key)
        if rerouted:
            reason = f"{reason}; đã chuyển sang kênh {rerouted}"
        raise DeliveryError(reason, permanent=True)

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        """Send every message in order; raise DeliveryError (permanent when Zalo says
        the user cannot be messaged now)."""
        for out in messages:
            await self._deliver_one(user_id, out)

    async def reply(self, user_id: str, messages: list[Outbound]) -> None:
        """Deliver the engine's replies; what cannot go out now is queued in the outbox."""
        await self._reply(user_id, messages)
        await self._count(user_id, messages, paid=False)

    async def _reply(self, user_id: str, messages: list[Outbound]) -> None:
        for index, out in enumerate(messages):
            try:
                await self._deliver_one(user_id, out)
            except DeliveryError as exc:
                if exc.permanent:
                    log.warning("Zalo OA: reply to %s not delivered: %s", user_id, exc.reason)
                    return
                log.warning("Zalo OA: reply to %s queued for retry: %s", user_id, exc.reason)
                async with self.uow_factory() as uow:
                    await uow.outbox.enqueue(CHANNEL, user_id, messages[index:],
                                             now=self.clock.now())
                    await uow.commit()
                return

    async def _deliver_one(self, user_id: str, out: Outbound) -> None:
        for message in render(out):
            await self._send(user_id, message)
        if out.document is not None:
            await self._send_document(user_id, out.document)

    async def _send_document(self, user_id: str, ref: DocumentRef) -> None:
        async with self.uow_factory() as uow:
            found = await uow.submissions.docx(ref.submission_id)
        if found is None:
            raise DeliveryError(f"submission {ref.submission_id} not found", permanent=True)
        filename, data = found
        try:
            body = await self._call("/v2.0/oa/upload/file", files={
                "file": (filename, data, "application/vnd.openxmlformats-officedocument."
                                         "wordprocessingml.document")})
            token = (body.get("data") or {}).get("token")
            if not token:
                raise ZaloOAError(-1, "upload answered without a file token")
        except ZaloOAError as exc:
            if exc.code in WINDOW_ERRORS:
                raise DeliveryError(exc.message or str(exc), permanent=True) from exc
            log.warning("Zalo OA: file upload failed (%s); sending the link instead", exc)
            await self._send(user_id, {"text": f"Tải báo cáo: {self.link_for(ref)}"})
            return
        await self._send(user_id, {"attachment": {"type": "file", "payload": {"token": token}}})
        if self.pdf_link is not None:
            await self._send(user_id, {"text": self.pdf_link(ref.submission_id)[:MAX_TEXT]})

    async def _send(self, user_id: str, message: dict[str, Any]) -> None:
        try:
            await self._call("/v3.0/oa/message/cs",
                             payload={"recipient": {"user_id": user_id}, "message": message})
        except ZaloOAError as exc:
            permanent = exc.code in WINDOW_ERRORS
            raise DeliveryError(f"Zalo OA {exc.code}: {exc.message}", permanent=permanent) from exc

    async def _call(self, path: str, *, payload: dict[str, Any] | None = None,
                    files: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST with the access token; on a token error refresh once and retry once."""
        token = await self.tokens.current()
        for attempt in (1, 2):
            try:
                response = await self.http.post(
                    self.config.api_url + path, headers={"access_token": token},
                    json=payload, files=files,
                )
                return _check(response)
            except httpx.HTTPError as exc:
                raise DeliveryError(f"Zalo OA unreachable: {exc}") from exc
            except ZaloOAError as exc:
                if exc.code not in TOKEN_ERRORS or attempt == 2:
                    raise
                token = await self.tokens.refresh(token)
        raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- webhook


async def _read_limited(request: Request) -> bytes | None:
    return await read_at_most(request.stream(), MAX_BODY_BYTES)


def event_key(inbound: Inbound, body: bytes) -> str:
    """The inbox's de-duplication key: Zalo's ``msg_id``, else a digest of the body."""
    return inbound.message_id or "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class SentFile:
    """A file a user sent (``user_send_file``): Zalo gives a download URL and the size."""

    user_id: str
    url: str
    size: int | None
    name: str
    message_id: str | None


def sent_file(payload: dict[str, Any]) -> SentFile | None:
    """The file of a ``user_send_file`` event (``message.attachments[0].payload``)."""
    if payload.get("event_name") != "user_send_file":
        return None
    user_id = str((payload.get("sender") or {}).get("id") or "")
    message = payload.get("message") or {}
    attachments = message.get("attachments") if isinstance(message, dict) else None
    if not user_id or not isinstance(attachments, list) or not attachments:
        return None
    first = attachments[0] if isinstance(attachments[0], dict) else {}
    data = first.get("payload") or {}
    url = str(data.get("url") or "")
    if not url.startswith(("https://", "http://")):
        return None
    raw_size = str(data.get("size") or "")  # Zalo sends it as a string
    msg_id = message.get("msg_id")
    return SentFile(user_id, url, int(raw_size) if raw_size.isdigit() else None,
                    str(data.get("name") or ""), str(msg_id) if msg_id else None)


async def download_limited(http: httpx.AsyncClient, url: str, limit: int) -> bytes | None:
    """The file at ``url``; None as soon as it is known to exceed ``limit`` bytes."""
    async with http.stream("GET", url) as response:
        response.raise_for_status()
        return await read_at_most(response.aiter_bytes(), limit,
                                  response.headers.get("content-length"))


def inbox_handler(handle: HandleFn, channel: ZaloOAChannel,
                  receive_document: ReceiveDocument | None = None
                  ) -> Callable[[str], Awaitable[None]]:
    """Handles a stored event: the engine's turn, then its replies, or a sent file (a
    signed report) checked by ``receive_document``. A failed turn raises, so the inbox
    tries again."""

    async def process_file(sent: SentFile) -> None:
        assert receive_document is not None
        if sent.size is not None and sent.size > MAX_PDF_BYTES:
            text: str | None = TOO_LARGE
        else:
            data = await download_limited(channel.http, sent.url, MAX_PDF_BYTES)
            text = TOO_LARGE if data is None else await receive_document(
                CHANNEL, sent.user_id, data, sent.message_id)
        if text:
            await channel.reply(sent.user_id, [Outbound(text)])

    async def process(body: str) -> None:
        payload = json.loads(body)
        sent = sent_file(payload) if receive_document is not None else None
        if sent is not None:
            await channel.interacted(sent.user_id)
            await process_file(sent)
            return
        inbound = parse_event(payload)
        if inbound is None:
            return
        await channel.interacted(inbound.user_id)
        replies = await handle(inbound)
        await channel.reply(inbound.user_id, replies)

    return process


def webhook_routes(config: OAConfig, handle: HandleFn, channel: ZaloOAChannel,
                   inbox: Inbox, receive_document: ReceiveDocument | None = None
                   ) -> list[Route]:
    """The ``/zalo/oa/webhook`` route: verify, store in the inbox, answer 200. A file
    (a signed report) is stored too and goes to ``receive_document`` when given."""
    inbox.register(CHANNEL, inbox_handler(handle, channel, receive_document))

    async def webhook(request: Request) -> Response:
        try:
            body = await _read_limited(request)
        except ClientDisconnect:
            return Response(status_code=400)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        given = request.headers.get(SIGNATURE_HEADER)
        if is_registration_probe(body, given):
            log.info("Zalo OA webhook: the console checked the URL (answered 200)")
            try:
                await record_webhook(channel.uow_factory, channel.clock, CHANNEL,
                                     str(request.url), None)
            except Exception as exc:  # the probe still gets its 200
                log.warning("Zalo OA webhook: probe not recorded: %s", exc)
            return JSONResponse({"ok": True})
        payload = verify_signature(config, body, given)
        if payload is None:
            log.warning("Zalo OA webhook: event refused (%s signature)",
                        "wrong" if given else "no")
            return JSONResponse({"error": "invalid signature"}, status_code=403)
        sent = sent_file(payload) if receive_document is not None else None
        if sent is not None:
            key = sent.message_id or "sha256:" + hashlib.sha256(body).hexdigest()
            if not await inbox.accept(CHANNEL, key, sent.user_id, body, wait=inbox.reply_wait):
                return JSONResponse({"error": "try again"}, status_code=503)
            return JSONResponse({"ok": True})
        inbound = parse_event(payload)
        if inbound is None:
            return JSONResponse({"ok": True})
        if not await inbox.accept(CHANNEL, event_key(inbound, body), inbound.user_id, body,
                                  wait=inbox.reply_wait):
            return JSONResponse({"error": "try again"}, status_code=503)
        return JSONResponse({"ok": True})

    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]
