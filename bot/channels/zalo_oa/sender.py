"""Sending: ``Outbound`` rendered as consultation messages (buttons the message cannot
carry become typed commands), documents uploaded and sent as files, the free window
and quota counted; :class:`ZaloOAChannel` is the outbox's channel."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.channels import zalo_window
from bot.channels.textbuttons import flatten, split_text, typed_hint
from bot.channels.zalo_oa.config import (
    BUTTON_PREFIX,
    CHANNEL,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_TEXT,
    TOKEN_ERRORS,
    WINDOW_ERRORS,
    OAConfig,
    ZaloOAError,
    check,
)
from bot.channels.zalo_oa.tokens import TokenStore
from dialogs.messages import Button, DocumentRef, Outbound
from dialogs.ports import Channel, Clock, DeliveryError, OutboxItem
from storage.uow import SqlUnitOfWork

log = logging.getLogger("bot.channels.zalo_oa")


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
                return check(response)
            except httpx.HTTPError as exc:
                raise DeliveryError(f"Zalo OA unreachable: {exc}") from exc
            except ZaloOAError as exc:
                if exc.code not in TOKEN_ERRORS or attempt == 2:
                    raise
                token = await self.tokens.refresh(token)
        raise AssertionError("unreachable")  # pragma: no cover
