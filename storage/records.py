"""Read-only records that only the storage and operator side need.

The engine's records live in :mod:`dialogs.domain` and :mod:`dialogs.ports`;
these add what the CLI, the scheduler and the roll-up ask for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """One row of an answer's history; ``None`` means absent (before / deleted)."""

    assignment_id: int
    question_id: str
    old: Any
    new: Any
    officer_id: int | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Identity:
    """A chat identity bound to an officer (where to send them messages)."""

    channel: str
    user_id: str
    officer_id: int
    display_name: str | None = None
    last_seen_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class TemplateSource:
    id: str
    version: int
    name: str
    source: str  # the YAML text as loaded
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: dt.datetime
    actor_officer_id: int | None
    action: str  # "answer.set", "submission.add", "round.deadline", "identity.bind", …
    entity: str
    entity_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deliveries:
    """Outcome counts of queued messages (see :mod:`storage.reminders`)."""

    queued: int = 0
    delivered: int = 0
    failed: int = 0
