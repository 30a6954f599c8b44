"""Helpers for the storage tests: a fixed instant and a small world of records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from dialogs.domain import Agency, Assignment, Round
from storage import admin
from storage.uow import SqlUnitOfWork

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

MakeRound = Callable[..., Awaitable[tuple[Round, list[Assignment]]]]
NewAgency = Callable[..., Awaitable[Agency]]


async def _add_agency(uow: SqlUnitOfWork, abbreviation: str = "SCT", **extra: object) -> Agency:
    values: dict[str, object] = {
        "name": f"Sở {abbreviation}",
        "abbreviation": abbreviation,
        "governing_body": "UBND TỈNH ĐỒNG NAI",
        "place": "Đồng Nai",
        "signer_name": "Nguyễn Trí Phương",
    }
    values.update(extra)
    return await admin.add_agency(uow, **values)  # type: ignore[arg-type]


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def new_agency() -> NewAgency:
    """``await new_agency(uow, "SCT", **fields)``: register an agency."""
    return _add_agency


@pytest.fixture
def make_round() -> MakeRound:
    """``await make_round(uow, agency_ids, template_id=..., now=..., label=...)``."""

    async def make(
        uow: SqlUnitOfWork,
        agency_ids: list[int],
        *,
        template_id: str = "it_annual",
        now: dt.datetime = NOW,
        label: str = "năm 2026",
    ) -> tuple[Round, list[Assignment]]:
        round_ = await admin.open_round(
            uow,
            template_id=template_id,
            template_version=1,
            period_label=label,
            period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14),
            deadline=dt.date(2026, 12, 20),
            agency_ids=agency_ids,
            province="Đồng Nai",
            collector="Sở Khoa học và Công nghệ",
            now=now,
        )
        return round_, await uow.assignments.list(round_.id)

    return make
