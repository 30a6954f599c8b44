"""What every reminder use case takes (:class:`ReminderDeps`) and the operator's
mistakes it reports (:class:`ReminderError`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.reminders.workdays import Calendar
from dialogs.ports import Channel, Clock
from dialogs.schema import Template
from storage.uow import SqlUnitOfWork


class ReminderError(ValueError):
    """An operator mistake, explained in Vietnamese."""


@dataclass(slots=True)
class ReminderDeps:
    uow_factory: Callable[[], SqlUnitOfWork]
    clock: Clock
    channels: Mapping[str, Channel]
    templates: Mapping[str, Template]
    calendar: Calendar = field(default_factory=Calendar)
    collector: str = "Sở Khoa học và Công nghệ"
    batch: int = 50  # assignments per transaction when sending
