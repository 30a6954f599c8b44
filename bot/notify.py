"""Reaching an agency's officers outside a conversation (notices, reminders).

For every officer of the agency the best identity is chosen: the most recently
seen one whose platform still lets us write to it (Zalo OA only within a window
after the user's last message). The messages go to the outbox in the caller's
transaction, under a dedupe key, so a notice is queued at most once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from dialogs.messages import Outbound
from dialogs.ports import Channel
from storage.records import Identity
from storage.uow import SqlUnitOfWork

#: Channels that need no push: the web chat shows queued messages when it polls.
PULL_CHANNELS = frozenset({"web"})


@dataclass
class Reach:
    """Who a notice was queued for, and who could not be reached."""

    queued: list[Identity] = field(default_factory=list)
    duplicates: int = 0
    unreachable_officers: list[int] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return bool(self.queued) or self.duplicates > 0


def usable(identity: Identity, channels: Mapping[str, Channel], now: dt.datetime) -> bool:
    if identity.channel in PULL_CHANNELS:
        return True
    channel = channels.get(identity.channel)
    if channel is None:
        return False
    window = getattr(channel, "window", None)
    if window is None:
        return True
    return identity.last_seen_at is not None and now - identity.last_seen_at < window


def best_identities(
    identities: list[Identity], channels: Mapping[str, Channel], now: dt.datetime
) -> tuple[dict[int, Identity], list[int]]:
    """Per officer: the most recently seen usable identity; and officers with none."""
    by_officer: dict[int, list[Identity]] = {}
    for identity in identities:
        by_officer.setdefault(identity.officer_id, []).append(identity)
    best: dict[int, Identity] = {}
    unreachable: list[int] = []
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    for officer_id, options in by_officer.items():
        candidates = [i for i in options if usable(i, channels, now)]
        # prefer a pushing channel over the web chat, then the most recently seen
        candidates.sort(key=lambda i: (i.channel not in PULL_CHANNELS, i.last_seen_at or oldest))
        if candidates:
            best[officer_id] = candidates[-1]
        else:
            unreachable.append(officer_id)
    return best, unreachable


async def best_reach(
    uow: SqlUnitOfWork, identities: list[Identity], channels: Mapping[str, Channel],
    now: dt.datetime,
) -> tuple[dict[int, Identity], list[int]]:
    """:func:`best_identities`, and with ZNS configured an officer with no chat open
    reached by a ZNS message to their phone."""
    best, unreachable = best_identities(identities, channels, now)
    if "zns" in channels and unreachable:
        phones = await uow.phones.get_many(unreachable)
        for officer_id, phone in phones.items():
            best[officer_id] = Identity("zns", phone, officer_id, None, now)
        unreachable = [o for o in unreachable if o not in phones]
    return best, unreachable


async def notify_agency(
    uow: SqlUnitOfWork,
    agency_id: int,
    messages: list[Outbound],
    *,
    channels: Mapping[str, Channel],
    now: dt.datetime,
    dedupe_key: str,
    role: str | None = None,
) -> Reach:
    """Queue ``messages`` for every officer of the agency on their best channel."""
    identities = await uow.identities.list(agency_id=agency_id, role=role)
    best, unreachable = await best_reach(uow, identities, channels, now)
    reach = Reach(unreachable_officers=unreachable)
    for officer_id, identity in best.items():
        key = f"{dedupe_key}:o{officer_id}"
        if await uow.outbox.enqueue(identity.channel, identity.user_id, messages, now=now,
                             dedupe_key=key):
            reach.queued.append(identity)
        else:
            reach.duplicates += 1
    return reach
