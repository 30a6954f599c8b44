"""The "thử trả lời" chat of the template preview: the real conversation engine on
a throw-away answer set.

Each trial has its own SQLite database in a private temporary directory (never
the application's database: no round, answer or audit row of the real system is
written), with one sample agency, one round of the draft template and an invite
that binds the DIC's browser at once. Trials live in this process's memory,
keyed by an unguessable token: the preview page closes its trial when it is left
(``pagehide``), and an idle or surplus trial is closed anyway. That is all a
trial needs to be right about — it does not outlive the page that shows it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogs.engine import Engine
from dialogs.messages import Inbound, Outbound
from dialogs.schema import Template

__all__ = ["Trial", "TrialRegistry"]

log = logging.getLogger(__name__)

IDLE_SECONDS = 30 * 60
MAX_TRIALS = 20
USER = "preview"


@dataclass
class Trial:
    token: str
    officer_id: int  # the DIC officer whose page it is
    engine: Engine
    db: Any  # AsyncEngine
    directory: Path
    transcript: list[dict[str, Any]] = field(default_factory=list)
    used: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class TrialRegistry:
    def __init__(self, *, clock: Any, collector: str, province: str) -> None:
        self.clock = clock
        self.collector = collector
        self.province = province
        self._trials: dict[str, Trial] = {}

    def __len__(self) -> int:
        return len(self._trials)

    async def start(self, template: Template, *, officer_id: int) -> tuple[Trial,
                                                                          list[Outbound]]:
        """A new trial of ``template``, bound and at its first question."""
        from renderers.report import render_report
        from storage import admin
        from storage.db import create_engine
        from storage.models import Base
        from storage.uow import uow_factory

        await self._sweep()
        directory = Path(tempfile.mkdtemp(prefix="baocao-trial-"))
        db = create_engine(f"sqlite+aiosqlite:///{directory / 'trial.sqlite3'}", durable=False)
        try:
            async with db.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            factory = uow_factory(db, self.clock)
            now = self.clock.now()
            today = now.date()
            async with factory() as uow:
                agency = await admin.add_agency(
                    uow, name="Cơ quan dùng thử", abbreviation="THU",
                    governing_body=f"UBND TỈNH {self.province.upper()}", place=self.province,
                    signer_name="Nguyễn Văn A")
                await admin.open_round(
                    uow, template_id=template.id, template_version=template.version,
                    period_label=f"năm {today.year}", period_start=today - dt.timedelta(days=30),
                    period_end=today, deadline=today + dt.timedelta(days=30),
                    agency_ids=[agency.id], province=self.province, collector=self.collector,
                    now=now)
                code = await admin.create_invite(uow, agency.id, now=now)
                await uow.commit()
            engine = Engine(templates={template.id: template}, uow_factory=factory,
                            clock=self.clock, render=render_report, collector=self.collector)
            first = await engine.handle(Inbound("web", USER, text=f"/start {code}"))
        except BaseException:
            await db.dispose()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        trial = Trial(secrets.token_urlsafe(24), officer_id, engine, db, directory)
        self._trials[trial.token] = trial
        _record(trial, None, first)
        return trial, first

    def get(self, token: str, officer_id: int) -> Trial | None:
        trial = self._trials.get(token)
        if trial is None or trial.officer_id != officer_id:
            return None
        return trial

    async def say(self, trial: Trial, *, text: str | None = None,
                  callback: str | None = None) -> list[Outbound]:
        async with trial.lock:
            trial.used = time.monotonic()
            replies = await trial.engine.handle(Inbound("web", USER, text=text,
                                                        callback=callback))
            _record(trial, text if callback is None else None, replies)
            return replies

    async def close(self, token: str) -> bool:
        trial = self._trials.pop(token, None)
        if trial is None:
            return False
        await trial.db.dispose()
        shutil.rmtree(trial.directory, ignore_errors=True)
        return True

    async def _sweep(self) -> None:
        """Close idle trials, and the oldest ones beyond :data:`MAX_TRIALS`."""
        now = time.monotonic()
        by_age = sorted(self._trials.values(), key=lambda t: t.used)
        for i, trial in enumerate(by_age):
            if now - trial.used > IDLE_SECONDS or len(by_age) - i >= MAX_TRIALS:
                await self.close(trial.token)

    async def close_all(self) -> None:
        for token in list(self._trials):
            await self.close(token)


def _record(trial: Trial, said: str | None, replies: list[Outbound]) -> None:
    if said:
        trial.transcript.append({"who": "me", "text": said, "buttons": []})
    for out in replies:
        trial.transcript.append({
            "who": "bot", "text": out.text,
            "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in out.buttons],
        })
