"""The DIC's daily digest of late and not-started agencies."""

from __future__ import annotations

import datetime as dt

from bot.notify import best_identities
from bot.reminders.deps import ReminderDeps
from bot.reminders.status import NOT_STARTED, SUBMITTED_LATE, SUBMITTED_ON_TIME, round_status
from dialogs import texts
from dialogs.messages import Outbound
from dialogs.pinned import round_template
from dialogs.titles import report_title
from dialogs.vn import format_date


async def send_daily_digest(deps: ReminderDeps, now: dt.datetime | None = None) -> int:
    """Queue today's digest of late and not-started agencies for every DIC officer.

    Working days only; at most once a day per officer. Returns how many were queued.
    """
    now = now or deps.clock.now()
    today = deps.calendar.local_date(now)
    if not deps.calendar.is_working_day(today):
        return 0
    async with deps.uow_factory() as uow:
        rounds = await uow.rounds.list(status="open")
        if not rounds:
            return 0
        lines = [texts.DIGEST_TITLE.format(date=format_date(today))]
        for round_ in sorted(rounds, key=lambda r: (r.deadline, r.id)):
            _, progress = await round_status(uow, round_.id, templates=deps.templates,
                                             calendar=deps.calendar, now=now)
            template = await round_template(deps.templates, round_, uow)
            submitted = [p for p in progress if p.state in (SUBMITTED_ON_TIME, SUBMITTED_LATE)]
            late = [p for p in progress if p.overdue]
            not_started = [p for p in progress if p.state == NOT_STARTED and not p.overdue]
            lines.append("")
            lines.append(texts.DIGEST_ROUND.format(
                title=report_title(template.name if template else round_.template_id,
                                   round_.period_label), deadline=format_date(round_.deadline),
                submitted=len(submitted), count=len(progress),
            ))
            if late:
                lines.append(texts.DIGEST_LATE.format(count=len(late), agencies=", ".join(
                    f"{p.abbreviation} ({p.answered}/{p.total})" for p in late)))
            if not_started:
                lines.append(texts.DIGEST_NOT_STARTED.format(
                    count=len(not_started),
                    agencies=", ".join(p.abbreviation for p in not_started)))
            if not late and not not_started:
                lines.append(texts.DIGEST_ALL_GOOD)
        message = Outbound("\n".join(lines))
        best, _ = best_identities(await uow.identities.list(role="dic"), deps.channels, now)
        queued = 0
        for officer_id, identity in best.items():
            if await uow.outbox.enqueue(identity.channel, identity.user_id, [message], now=now,
                                 dedupe_key=f"digest:{today.isoformat()}:o{officer_id}"):
                queued += 1
        await uow.commit()
    return queued
