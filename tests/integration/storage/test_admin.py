"""Operator use cases: agencies, invites, rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from dialogs.domain import AssignmentStatus
from storage import admin
from storage.invites import ALPHABET, normalize_invite_code
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]

HEADER = (
    "name,abbreviation,governing_body,place,signer_name,"
    "signer_position,signer_authority,is_collector\n"
)


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "agencies.csv"
    path.write_text("\ufeff" + HEADER + body, encoding="utf-8")
    return path


async def test_import_agencies_csv_adds_then_updates_by_abbreviation(
    uow_factory: UowFactory, tmp_path: Path
) -> None:
    first = _csv(
        tmp_path,
        "Sở Công Thương,SCT,UBND TỈNH ĐỒNG NAI,Đồng Nai,"
        "Nguyễn Trí Phương,PHÓ GIÁM ĐỐC,KT. GIÁM ĐỐC,\n"
        "Sở Khoa học và Công nghệ,SKHCN,UBND TỈNH ĐỒNG NAI,Đồng Nai,Lê Văn Bình,,,có\n",
    )
    async with uow_factory() as uow:
        imported = await admin.import_agencies_csv(uow, first)
        await uow.commit()
    sct, skhcn = imported
    assert (sct.abbreviation, sct.signer_position, sct.signer_authority) == (
        "SCT",
        "PHÓ GIÁM ĐỐC",
        "KT. GIÁM ĐỐC",
    )
    assert (skhcn.abbreviation, skhcn.signer_position, skhcn.is_collector) == (
        "SKHCN",
        "GIÁM ĐỐC",
        True,
    )
    assert (skhcn.signer_authority, skhcn.drafting_unit, skhcn.level) == (None, "VP", "province")

    again = _csv(tmp_path, "Sở Công Thương,SCT,UBND TỈNH ĐỒNG NAI,Đồng Nai,Trần Văn Cường,,,\n")
    async with uow_factory() as uow:
        [updated] = await admin.import_agencies_csv(uow, again)
        await uow.commit()
    async with uow_factory() as uow:
        agencies = await admin.list_agencies(uow)
    assert updated.id == sct.id
    assert [(a.abbreviation, a.signer_name) for a in agencies] == [
        ("SCT", "Trần Văn Cường"),
        ("SKHCN", "Lê Văn Bình"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "Sở A,SA,UBND,Đồng Nai,Ông A,,,\nSở B,,UBND,Đồng Nai,Ông B,,,\n",
            ":3: thiếu giá trị cho abbreviation",
        ),
        (
            "Sở A,SA,UBND,Đồng Nai,Ông A,,,\nSở B,SA,UBND,Đồng Nai,Ông B,,,\n",
            ":3: tên viết tắt SA trùng với dòng 2",
        ),
        ("Sở A,SA,UBND,Đồng Nai,Ông A,,,chắc\n", ":2: is_collector"),
        ("Sở A,SA,UBND,Đồng Nai,Ông A,,,,thừa\n", ":2: dòng có nhiều cột"),
    ],
)
async def test_a_bad_csv_row_is_reported_by_line_and_nothing_is_saved(
    uow_factory: UowFactory, tmp_path: Path, body: str, message: str
) -> None:
    path = _csv(tmp_path, body)
    async with uow_factory() as uow:
        with pytest.raises(admin.AdminError, match=message):
            await admin.import_agencies_csv(uow, path)
        assert await admin.list_agencies(uow) == []


async def test_add_agency_refuses_a_taken_abbreviation(uow_factory: UowFactory, new_agency) -> None:
    async with uow_factory() as uow:
        await new_agency(uow, "SCT")
        with pytest.raises(admin.AdminError, match="SCT"):
            await new_agency(uow, "sct")


async def test_abbreviations_keep_their_case_and_match_without_it(
    uow_factory: UowFactory, new_agency
) -> None:
    async with uow_factory() as uow:
        await new_agency(uow, "SNgV")
        found = await uow.agencies.by_abbreviation("sngv")
        assert found is not None and found.abbreviation == "SNgV"  # "/BC-SNgV" as issued


async def test_invite_codes_are_random_and_easy_to_type(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        codes = {await admin.create_invite(uow, agency.id, now=now) for _ in range(20)}
        with pytest.raises(admin.AdminError):
            await admin.create_invite(uow, agency.id, role="boss", now=now)
        with pytest.raises(admin.AdminError):
            await admin.create_invite(uow, agency.id + 99, now=now)
    assert len(codes) == 20
    for code in codes:
        symbols = normalize_invite_code(code)
        assert len(symbols) == 11 and set(symbols) <= set(ALPHABET)
        assert len(code) <= 64 and set(code) <= set(ALPHABET + "-")  # Telegram deep-link safe


async def test_open_round_creates_one_assignment_per_agency(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        round_, assignments = await make_round(uow, [snv.id, sct.id, sct.id])
        await uow.commit()
    assert sorted(a.agency_id for a in assignments) == [sct.id, snv.id]
    assert {a.status for a in assignments} == {AssignmentStatus.NOT_STARTED}
    async with uow_factory() as uow:
        assert [r.id for r in await admin.list_rounds(uow)] == [round_.id]
        assert (await uow.rounds.get(round_.id)) == round_
        with pytest.raises(admin.AdminError):
            await admin.open_round(
                uow,
                template_id="it_annual",
                template_version=1,
                period_label="năm 2026",
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31),
                deadline=dt.date(2027, 1, 10),
                agency_ids=[999],
                province="Đồng Nai",
                collector="Sở Khoa học và Công nghệ",
                now=now,
            )


async def test_template_sources_are_kept_per_version(
    uow_factory: UowFactory, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        await admin.save_template_source(
            uow, "it_annual", 1, "Báo cáo năm", "id: it_annual\n", now=now
        )
        await admin.save_template_source(
            uow, "it_annual", 2, "Báo cáo năm", "id: it_annual\nv: 2\n", now=now
        )
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.templates.get_source("it_annual", 1)
        assert first is not None and first.source == "id: it_annual\n" and first.created_at == now
        assert (await uow.templates.get_source("it_annual",
                                               2)).source.endswith("v: 2\n")  # type: ignore[union-attr]
        assert await uow.templates.get_source("it_annual", 3) is None
