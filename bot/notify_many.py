"""What :func:`bot.notify.notify_agency` does, for many agencies at once: the identities
of every agency concerned in a query per 500 agencies (``uow.identities.by_agency``) and
the outbox rows in multi-row INSERTs (``uow.outbox.enqueue_many``), instead of a query
per agency and an INSERT per officer. A national round's notice and a day's reminders
queue 12,000 messages this way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.notify import Reach, best_reach
from dialogs.messages import Outbound
from dialogs.ports import Channel
from storage.records import Identity
from storage.uow import SqlUnitOfWork


async def notify_agencies(
    uow: SqlUnitOfWork,
    notices: Sequence[tuple[int, list[Outbound], str]],
    *,
    channels: Mapping[str, Channel],
    now: dt.datetime,
) -> list[Reach]:
    """Queue each ``(agency_id, messages, dedupe_key)`` for every officer of the agency
    on their best channel (a ZNS message to the phone when no chat is open and ZNS is
    configured), in the caller's transaction; each notice's :class:`Reach`, in order.
    The outbox keys are ``notify_agency``'s (``<dedupe_key>:o<officer>``)."""
    identities = await uow.identities.by_agency(agency for agency, _, _ in notices)
    reaches: list[Reach] = []
    items: list[tuple[str, str, list[Outbound], str]] = []
    whom: list[tuple[Reach, Identity, str]] = []
    for agency_id, messages, dedupe_key in notices:
        best, unreachable = await best_reach(uow, identities[agency_id], channels, now)
        reach = Reach(unreachable_officers=unreachable)
        reaches.append(reach)
        for officer_id, identity in best.items():
            key = f"{dedupe_key}:o{officer_id}"
            items.append((identity.channel, identity.user_id, messages, key))
            whom.append((reach, identity, key))
    queued = await uow.outbox.enqueue_many(items, now=now)
    for reach, identity, key in whom:
        if key in queued:
            reach.queued.append(identity)
        else:
            reach.duplicates += 1
    return reaches
