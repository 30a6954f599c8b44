"""Rounds' notices and deadline reminders: the use cases.

Plain async functions; what they need (a unit-of-work factory, a clock, the
channels, the templates, the working calendar) comes in a :class:`ReminderDeps`.

How "at most once" holds
    Reminders are *planned* into the ``reminders`` table from the database state
    (round, deadline, policy, submissions) under a unique key (assignment, kind,
    due time). Sending locks the assignment (PostgreSQL ``SKIP LOCKED``), moves the
    row ``planned → sent`` with a conditional UPDATE and queues the messages in the
    outbox — all in one transaction. A second process skips locked assignments and
    finds the rows already sent; a crash before the commit leaves nothing behind,
    so the next run sends the reminder once.

Missed reminders
    After downtime several reminders of an assignment may be due at once: the most
    recent is sent if still useful, the older ones are skipped (``superseded``). A
    reminder more than :data:`MAX_LATENESS` late, or a "before the deadline"
    reminder once the deadline has passed, is skipped with a log line.

The package: :mod:`~bot.reminders.workdays` (the working calendar),
:mod:`~bot.reminders.policy` (a round's policy and the slots it gives),
:mod:`~bot.reminders.planning` (which reminders are due), :mod:`~bot.reminders.wording`
(their text), :mod:`~bot.reminders.sending` (delivering them, round notices, nudges),
:mod:`~bot.reminders.status` (where each agency stands), :mod:`~bot.reminders.digest`.
"""

from __future__ import annotations

from bot.reminders.deps import ReminderDeps, ReminderError
from bot.reminders.digest import send_daily_digest
from bot.reminders.planning import (
    HORIZON_DAYS,
    MAX_LATENESS,
    PlanResult,
    plan_open_rounds,
    plan_round,
)
from bot.reminders.policy import ReminderPolicy, Slot, load_policy, save_policy, schedule
from bot.reminders.sending import NudgeResult, SendResult, announce_round, nudge, send_due_reminders
from bot.reminders.status import AgencyProgress, round_status
from bot.reminders.wording import answered_count, left_text, reminder_message, round_opened_text
from bot.reminders.workdays import Calendar

__all__ = [
    "HORIZON_DAYS",
    "MAX_LATENESS",
    "AgencyProgress",
    "Calendar",
    "NudgeResult",
    "PlanResult",
    "ReminderDeps",
    "ReminderError",
    "ReminderPolicy",
    "SendResult",
    "Slot",
    "announce_round",
    "answered_count",
    "left_text",
    "load_policy",
    "nudge",
    "plan_open_rounds",
    "plan_round",
    "reminder_message",
    "round_opened_text",
    "round_status",
    "save_policy",
    "schedule",
    "send_daily_digest",
    "send_due_reminders",
]
