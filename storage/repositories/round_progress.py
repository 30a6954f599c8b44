"""What a round's status needs from the outbox, for every assignment in one query.

The "new round" notice and the reminders of assignment ``N`` are queued under dedupe
keys ``open:aN:…`` and ``rem:aN:…`` (bot/notify.py, bot/reminders.py). Asking the
outbox once per assignment cost a scan each: 4,080 scans for a national round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from storage.models import OutboxRow
from storage.reminders import Deliveries

_KEY = re.compile(r"^(?:open|rem):a(\d+):")


async def deliveries_by_assignment(
    uow: Any, assignment_ids: Iterable[int]
) -> dict[int, Deliveries]:
    """assignment id -> outcome counts of its notices and reminders (queued, delivered,
    failed): what :func:`storage.reminders.deliveries` gives for the prefixes
    ``open:aN:`` and ``rem:aN:``, for every assignment at once."""
    wanted = set(assignment_ids)
    counts: dict[int, list[int]] = {}
    if not wanted:
        return {}
    rows = await uow.session.execute(
        select(OutboxRow.dedupe_key, OutboxRow.delivered_at.is_not(None),
               OutboxRow.failed_at.is_not(None))
        .where(or_(OutboxRow.dedupe_key.like("open:a%"), OutboxRow.dedupe_key.like("rem:a%"))))
    for key, delivered, failed in rows.all():
        match = _KEY.match(key or "")
        if match is None or (assignment := int(match.group(1))) not in wanted:
            continue
        slot = counts.setdefault(assignment, [0, 0, 0])
        slot[1 if delivered else 2 if failed else 0] += 1
    return {a: Deliveries(*c) for a, c in counts.items()}
