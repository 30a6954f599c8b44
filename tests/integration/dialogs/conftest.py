"""A chat harness around the real engine and real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dialogs.domain import DocumentInfo
from dialogs.engine import Engine
from dialogs.loader import load_template
from dialogs.messages import Inbound, Outbound
from dialogs.schema import Template
from storage import admin

HERE = Path(__file__).parent
START = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


class FakeClock:
    def __init__(self, now: dt.datetime = START) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta


def fake_render(template: Template, answers: Mapping[str, Any], info: DocumentInfo) -> bytes:
    return f"DOCX {template.id} {info.agency.abbreviation} {sorted(answers)}".encode()


@dataclass
class Chat:
    """One chat identity talking to the engine."""

    engine: Engine
    user_id: str
    channel: str = "web"
    last: list[Outbound] = field(default_factory=list)
    counter: int = 0
    prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def _next_id(self) -> str:
        return f"{self.prefix}-{self.counter}"

    async def send(self, text: str) -> list[Outbound]:
        self.counter += 1
        self.last = await self.engine.handle(
            Inbound(self.channel, self.user_id, text=text, message_id=self._next_id())
        )
        return self.last

    async def tap(self, data: str) -> list[Outbound]:
        self.counter += 1
        self.last = await self.engine.handle(
            Inbound(self.channel, self.user_id, callback=data, message_id=self._next_id())
        )
        return self.last

    async def tap_label(self, label: str) -> list[Outbound]:
        for message in reversed(self.last):
            for row in message.buttons:
                for button in row:
                    if button.label == label:
                        return await self.tap(button.data)
        raise AssertionError(f"no button {label!r} in {[m.text for m in self.last]}")

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.last)


@dataclass
class World:
    engine: Engine
    uow_factory: Any
    clock: FakeClock
    invites: dict[str, str]
    agencies: dict[str, Any]
    round_id: int

    def chat(self, user_id: str, channel: str = "web") -> Chat:
        return Chat(self.engine, user_id, channel)

    async def answers(self, abbreviation: str) -> dict[str, Any]:
        async with self.uow_factory() as uow:
            agency = self.agencies[abbreviation]
            assignments = await uow.assignments.list_open(agency.id)
            return await uow.answers.get(assignments[0].id)


DEFAULT_AGENCIES: tuple[dict[str, Any], ...] = tuple(
    {"name": name, "abbreviation": abbr, "governing_body": "UBND TỈNH ĐỒNG NAI",
     "place": "Đồng Nai", "signer_name": "Nguyễn Văn A", "signer_position": "PHÓ GIÁM ĐỐC",
     "signer_authority": "KT. GIÁM ĐỐC"}
    for name, abbr in (("Sở Công Thương", "SCT"), ("Sở Tài chính", "STC"))
)
DEFAULT_ROUND: dict[str, Any] = {
    "period_label": "năm 2026", "period_start": dt.date(2025, 12, 15),
    "period_end": dt.date(2026, 12, 14), "deadline": dt.date(2026, 12, 18),
    "province": "Đồng Nai", "collector": "Sở Khoa học và Công nghệ",
}


async def make_world(
    uow_factory: Any,
    template: Template,
    render: Any = fake_render,
    *,
    agencies: Sequence[Mapping[str, Any]] = DEFAULT_AGENCIES,
    round_fields: Mapping[str, Any] | None = None,
) -> World:
    """Agencies (``admin.add_agency`` keyword sets), one open round of ``template``
    (``round_fields`` override the period, province and collector), three invite
    codes per agency ("SCT0".."SCT2") and an engine."""
    clock = FakeClock()
    specs = list(agencies)
    async with uow_factory() as uow:
        added = {}
        for spec in specs:
            added[spec["abbreviation"]] = await admin.add_agency(uow, **spec)
        round_ = await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            agency_ids=[a.id for a in added.values()], now=clock.now(),
            **{**DEFAULT_ROUND, **(round_fields or {})},
        )
        invites = {}
        for abbr, agency in added.items():
            for i in range(3):
                invites[f"{abbr}{i}"] = await admin.create_invite(uow, agency.id, now=clock.now())
        await uow.commit()
    engine = Engine(templates={template.id: template}, uow_factory=uow_factory, clock=clock,
                    render=render)
    return World(engine, uow_factory, clock, invites, added, round_.id)


@pytest.fixture
def mini_template() -> Template:
    return load_template(HERE / "mini.yaml")


@pytest.fixture
async def world(uow_factory: Any, mini_template: Template) -> World:
    return await make_world(uow_factory, mini_template)


async def bind(world: World, user: str = "u1", invite: str = "SCT0"):
    chat = world.chat(user)
    await chat.send(world.invites[invite])
    return chat


async def fill_all(chat) -> None:
    await chat.send("56")
    await chat.send("50")
    await chat.send("có")
    await chat.send("48")
    await chat.send("1")  # select_one by number
    await chat.send("1, 3")
    await chat.send("08/4/2020")
    await chat.send("98,88%")
    await chat.send("30")
    await chat.send("25.430")  # table: total
    await chat.send("23.841")  # table: electronic
    await chat.send("thêm")  # repeat: add an item
    await chat.send("927/KH-SCT")
    await chat.send("26/2/2021")
    await chat.send("xong")
    await chat.send("- Thiếu kinh phí\n- Thiếu nhân lực")
