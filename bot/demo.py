"""A demo province to try the bot at once: Đồng Nai, its DIC, eight agencies, one round.

Seeding is idempotent: agencies that exist (by abbreviation) are left alone and
the round is opened only once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dialogs.domain import Agency, Round
from dialogs.loader import bundled_template_dir
from dialogs.ports import Clock, UnitOfWork
from dialogs.schema import Template
from storage import admin

GOVERNING_BODY = "UBND TỈNH ĐỒNG NAI"
PLACE = "Đồng Nai"
DEMO_TEMPLATE = "annual_it"
DEMO_PERIOD = "năm 2026"
DEMO_PERIOD_START = dt.date(2025, 12, 15)  # Decree 09/2019: 15/12 of the previous year …
DEMO_PERIOD_END = dt.date(2026, 12, 14)  # … to 14/12
DEMO_DEADLINE = dt.date(2026, 12, 18)
INVITE_TTL = dt.timedelta(days=30)
COLLECTOR_ABBR = "SKHCN"


@dataclass(frozen=True, slots=True)
class DemoAgency:
    name: str
    abbreviation: str
    signer_name: str
    signer_position: str = "PHÓ GIÁM ĐỐC"
    signer_authority: str | None = "KT. GIÁM ĐỐC"
    drafting_unit: str = "VP"
    level: str = "province"
    is_collector: bool = False
    place: str = PLACE
    governing_body: str = GOVERNING_BODY


DEMO_AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency("Sở Khoa học và Công nghệ", COLLECTOR_ABBR, "Trần Quốc Hưng",
               drafting_unit="CĐS", is_collector=True),
    DemoAgency("Sở Công Thương", "SCT", "Nguyễn Trí Phương"),
    DemoAgency("Sở Tài chính", "STC", "Phạm Thị Thu Hà"),
    DemoAgency("Sở Nội vụ", "SNV", "Lê Quang Vinh", signer_position="GIÁM ĐỐC",
               signer_authority=None),
    DemoAgency("Văn phòng UBND tỉnh", "VPUBND", "Huỳnh Thanh Tùng",
               signer_position="PHÓ CHÁNH VĂN PHÒNG", signer_authority="KT. CHÁNH VĂN PHÒNG",
               drafting_unit="HCTC"),
    DemoAgency("Sở Y tế", "SYT", "Đỗ Minh Khoa"),
    DemoAgency("Sở Giáo dục và Đào tạo", "SGDĐT", "Võ Thị Ngọc Lan",
               signer_position="GIÁM ĐỐC", signer_authority=None),
    DemoAgency("Sở Tư pháp", "STP", "Bùi Văn Tâm"),
    DemoAgency("Ủy ban nhân dân xã Long Thành", "UBNDXLT", "Ngô Văn Lợi",
               signer_position="CHỦ TỊCH", signer_authority="TM. ỦY BAN NHÂN DÂN",
               drafting_unit="VP", level="commune", place="Long Thành"),
)


@dataclass(slots=True)
class DemoSeed:
    created_agencies: list[str] = field(default_factory=list)
    round: Round | None = None
    round_created: bool = False


def template_source(template_id: str, directory: Path | None = None) -> str:
    """The YAML text of a bundled template, found by its ``id``."""
    folder = directory or bundled_template_dir()
    candidate = folder / f"{template_id}.yaml"
    if candidate.is_file():
        return candidate.read_text(encoding="utf-8")
    for path in sorted(folder.glob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if isinstance(data, dict) and data.get("id") == template_id:
            return text
    raise LookupError(f"không tìm thấy mẫu báo cáo {template_id!r}")


async def seed_demo(
    uow_factory: Callable[[], UnitOfWork],
    templates: Mapping[str, Template],
    clock: Clock,
    *,
    province: str = "Đồng Nai",
    collector: str = "Sở Khoa học và Công nghệ",
) -> DemoSeed:
    """Create the demo agencies and open the annual round; safe to run again."""
    result = DemoSeed()
    template = templates[DEMO_TEMPLATE]
    now = clock.now()
    async with uow_factory() as uow:
        existing = {a.abbreviation for a in await admin.list_agencies(uow)}
        for spec in DEMO_AGENCIES:
            if spec.abbreviation in existing:
                continue
            await admin.add_agency(
                uow,
                name=spec.name,
                abbreviation=spec.abbreviation,
                governing_body=spec.governing_body,
                place=spec.place,
                signer_name=spec.signer_name,
                signer_position=spec.signer_position,
                signer_authority=spec.signer_authority,
                drafting_unit=spec.drafting_unit,
                level=spec.level,
                is_collector=spec.is_collector,
            )
            result.created_agencies.append(spec.abbreviation)
        await admin.save_template_source(
            uow, template.id, template.version, template.name, template_source(template.id),
            now=now,
        )
        await uow.commit()

    async with uow_factory() as uow:
        rounds = await admin.list_rounds(uow)
        found = next(
            (r for r in rounds if r.template_id == template.id and r.period_label == DEMO_PERIOD),
            None,
        )
        if found is None:
            agencies = await admin.list_agencies(uow)
            found = await admin.open_round(
                uow,
                template_id=template.id,
                template_version=template.version,
                period_label=DEMO_PERIOD,
                period_start=DEMO_PERIOD_START,
                period_end=DEMO_PERIOD_END,
                deadline=DEMO_DEADLINE,
                agency_ids=[a.id for a in agencies if not a.is_collector],
                province=province,
                collector=collector,
                now=now,
            )
            result.round_created = True
            await uow.commit()
        result.round = found
    return result


@dataclass(frozen=True, slots=True)
class DemoInvite:
    agency: Agency
    role: str
    code: str


async def fresh_invites(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, ttl: dt.timedelta = INVITE_TTL
) -> list[DemoInvite]:
    """One new invite code per agency (role ``dic`` for the collecting department)."""
    out: list[DemoInvite] = []
    async with uow_factory() as uow:
        for agency in await admin.list_agencies(uow):
            role = "dic" if agency.is_collector else "officer"
            code = await admin.create_invite(uow, agency.id, role=role, now=clock.now(), ttl=ttl)
            out.append(DemoInvite(agency, role, code))
        await uow.commit()
    return out
