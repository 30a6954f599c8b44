"""Forget processed delivery ids once no platform can deliver them again.

``inbound_messages`` keeps the id of every processed delivery (Telegram update
ids, Zalo event ids, web-chat message ids with their replies) so a redelivery is
recognised. Platforms redeliver within a bounded window — Telegram keeps an
unconfirmed update for 24 hours, Zalo retries a webhook within minutes, a web page
retries within seconds — so rows older than ``REDELIVERY_WINDOW`` only take
space. The purge runs hourly from the scheduler, in batches so no transaction
grows large. Other durable inboxes can add their own ``purge_*`` here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["PURGE_EVERY", "REDELIVERY_WINDOW", "purge_processed_inbound"]

log = logging.getLogger(__name__)

REDELIVERY_WINDOW = dt.timedelta(days=2)  # twice Telegram's 24 h, the longest window
PURGE_EVERY = dt.timedelta(hours=1)


async def purge_processed_inbound(uow_factory: Callable[[], Any], now: dt.datetime, *,
                                  keep: dt.timedelta = REDELIVERY_WINDOW,
                                  batch: int = 5000) -> int:
    """Delete processed ids received more than ``keep`` before ``now``; how many."""
    total = 0
    while True:
        async with uow_factory() as uow:
            purged = await uow.inbound.purge(before=now - keep, batch=batch)
            await uow.commit()
        total += purged
        if purged < batch:
            break
    if total:
        log.info("purged %s processed delivery id(s) older than %s", total, keep)
    return total
