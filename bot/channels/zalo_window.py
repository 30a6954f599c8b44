"""Zalo OA's messaging window, as Zalo defines it, and what to do outside it.

An OA may send consultation messages to a user **free within 48 hours** of the
user's last interaction, **at most 8 per user message**; from 48 hours to **7 days**
each message draws on the OA's **paid quota**; after 7 days they are refused
(Zalo OA support, zalooa.freshdesk.com "interaction window"; field-vn/zalo README;
eTelecom ``quota_type``). The window is tracked per identity in
``messaging_windows``; the paid quota the operator allows per month is
``ZALO_OA_PAID_QUOTA`` (0: never pay), counted in the channel state.

Zalo's window, quota and permission errors (-213, -230 window; -211, -224, -227,
-231, -232, -244, -218 quota, permission, user state: field-vn/zalo ErrorCatalog.php)
are permanent for that identity: retrying cannot help, the message falls back at
once to the officer's other channel (:func:`reroute`), and when there is none the
outbox row fails with the reason, which the round status shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.notify import best_identities
from dialogs.messages import Outbound
from dialogs.ports import Channel, Clock
from storage.repositories.windows import WindowState

log = logging.getLogger(__name__)

FREE_WINDOW = dt.timedelta(hours=48)
PAID_WINDOW = dt.timedelta(days=7)
FREE_PER_USER_MESSAGE = 8
#: Zalo errors after which this identity cannot be messaged now: no retry, fall back.
PERMANENT_ERRORS = frozenset({-213, -230, -211, -224, -227, -231, -232, -244, -218})
QUOTA_KEY = "zalo_oa:paid_quota"


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    paid: bool = False
    reason: str = ""  # Vietnamese, for the round status when not allowed


def assess(state: WindowState, now: dt.datetime, *, paid_left: int) -> Verdict:
    """May the OA message this identity now, and does it cost quota?"""
    last = state.last_interaction_at
    if last is None:
        return Verdict(False, reason="Zalo OA: cán bộ chưa nhắn tin cho OA lần nào")
    age = now - last
    if age >= PAID_WINDOW:
        return Verdict(False, reason="Zalo OA: quá 7 ngày kể từ tin nhắn cuối của cán bộ")
    if age < FREE_WINDOW and state.sent_since < FREE_PER_USER_MESSAGE:
        return Verdict(True)
    if paid_left > 0:
        return Verdict(True, paid=True)
    if age < FREE_WINDOW:
        return Verdict(False, reason=f"Zalo OA: đã gửi {FREE_PER_USER_MESSAGE} tin kể từ tin "
                                     "nhắn cuối của cán bộ, không còn hạn mức trả phí")
    return Verdict(False, reason="Zalo OA: quá 48 giờ kể từ tin nhắn cuối của cán bộ, "
                                 "không còn hạn mức tin trả phí")


def _month(now: dt.datetime) -> str:
    return now.strftime("%Y-%m")


async def paid_left(uow: Any, quota: int, now: dt.datetime) -> int:
    """Paid messages still allowed this month."""
    if quota <= 0:
        return 0
    state = await uow.channel_state.get(QUOTA_KEY) or {}
    used = int(state.get("used", 0)) if state.get("month") == _month(now) else 0
    return max(0, quota - used)


async def spend_paid(uow: Any, count: int, now: dt.datetime) -> None:
    state = await uow.channel_state.get(QUOTA_KEY) or {}
    used = int(state.get("used", 0)) if state.get("month") == _month(now) else 0
    await uow.channel_state.put(QUOTA_KEY, {"month": _month(now), "used": used + count}, now)


async def reroute(uow_factory: Callable[[], Any], channels: Mapping[str, Channel], clock: Clock,
                  channel: str, user_id: str, messages: list[Outbound], *,
                  dedupe_key: str | None) -> str | None:
    """Queue ``messages`` on the officer's best other identity; its channel, or None."""
    now = clock.now()
    async with uow_factory() as uow:
        officer = await uow.identities.officer_for(channel, user_id)
        if officer is None:
            return None
        others = [i for i in await uow.identities.list(agency_id=officer.agency_id)
                  if i.officer_id == officer.id and (i.channel, i.user_id) != (channel, user_id)]
        best, _ = best_identities(others, channels, now)
        target = best.get(officer.id)
        if target is not None:
            to_channel, to_user = target.channel, target.user_id
        else:  # no other chat: a ZNS template message to the officer's phone
            phone = await uow.phones.get(officer.id) if "zns" in channels else None
            if phone is None:
                return None
            to_channel, to_user = "zns", phone
        key = f"{dedupe_key}:fb:{to_channel}" if dedupe_key else None
        queued = await uow.outbox.enqueue(to_channel, to_user, messages, now=now, dedupe_key=key)
        await uow.commit()
    if queued:
        log.info("Zalo OA: %s cannot be messaged now; sent by %s instead", user_id,
                 to_channel)
    return to_channel
