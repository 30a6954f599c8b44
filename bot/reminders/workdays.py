"""The working calendar: working days, holidays and sending hours in the province's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def _parse_time(text: str, name: str) -> dt.time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        raise ValueError(f"{name}: cần giờ dạng HH:MM, không phải {text!r}") from None


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working days and hours in the province's time zone."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    send_time: dt.time = dt.time(8, 30)
    until: dt.time = dt.time(17, 0)
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays
    holidays: frozenset[dt.date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day)

    @classmethod
    def parse(
        cls,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        send_time: str = "08:30",
        until: str = "17:00",
        working_days: str = "mon,tue,wed,thu,fri",
        holidays: str = "",
    ) -> Calendar:
        """From setting strings; raises ValueError naming the bad value."""
        days = set()
        for word in working_days.replace(" ", "").lower().split(","):
            if word not in WEEKDAYS:
                raise ValueError(f"working_days: không hiểu {word!r} (mon, tue, …, sun)")
            days.add(WEEKDAYS[word])
        dated, yearly = set(), set()
        for item in holidays.replace(" ", "").split(","):
            if not item:
                continue
            try:
                if item.count("-") == 2:
                    dated.add(dt.date.fromisoformat(item))
                else:
                    month, day = (int(p) for p in item.split("-"))
                    dt.date(2024, month, day)  # validates (2024: 29/2 allowed)
                    yearly.add((month, day))
            except ValueError:
                raise ValueError(
                    f"holidays: {item!r} không phải ngày (YYYY-MM-DD hoặc MM-DD)"
                ) from None
        start, end = _parse_time(send_time, "reminder_time"), _parse_time(until, "reminder_until")
        if end <= start:
            raise ValueError("reminder_until phải sau reminder_time")
        return cls(ZoneInfo(timezone), start, end, frozenset(days), frozenset(dated),
                   frozenset(yearly))

    @classmethod
    def from_settings(cls, settings: Any) -> Calendar:
        return cls.parse(
            timezone=settings.timezone, send_time=settings.reminder_time,
            until=settings.reminder_until, working_days=settings.working_days,
            holidays=settings.holidays,
        )

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.isoweekday() in self.working_days
            and day not in self.holidays
            and (day.month, day.day) not in self.yearly_holidays
        )

    def previous_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the closest one before it."""
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day -= dt.timedelta(days=1)
        raise ValueError("no working day in 60 days: check working_days and holidays")

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.timezone).date()

    def at(self, day: dt.date, time: dt.time | None = None) -> dt.datetime:
        """``day`` at the send time (local), as UTC."""
        local = dt.datetime.combine(day, time or self.send_time, tzinfo=self.timezone)
        return local.astimezone(dt.UTC)

    def sending_allowed(self, instant: dt.datetime) -> bool:
        """A working day, between the send time and the end of working hours."""
        local = instant.astimezone(self.timezone)
        return (
            self.is_working_day(local.date())
            and self.send_time <= local.time().replace(tzinfo=None) < self.until
        )

    def next_window(self, instant: dt.datetime) -> dt.datetime:
        """``instant`` if sending is allowed then, else the next send time."""
        if self.sending_allowed(instant):
            return instant
        day = self.local_date(instant)
        for _ in range(60):
            if self.is_working_day(day) and self.at(day) > instant:
                return self.at(day)
            day += dt.timedelta(days=1)
        raise ValueError("no working day in 60 days: check working_days and holidays")
