"""Assignments (``uow.assignments``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dialogs.domain import AssignmentStatus
from storage import admin
from storage.repositories.assignments import RoundFilter
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_open_assignments_lists_open_rounds_newest_first(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        _, [q1] = await make_round(uow, [sct.id], now=now - 60 * DAY, label="quý I")
        closed, _ = await make_round(uow, [sct.id], now=now - 30 * DAY, label="quý II")
        _, [q3] = await make_round(uow, [sct.id], now=now, label="quý III")
        await make_round(uow, [snv.id], now=now + DAY, label="quý IV")
        await admin.close_round(uow, closed.id, now=now)
        await uow.commit()

    async with uow_factory() as uow:
        assert [a.id for a in await uow.assignments.list_open(sct.id)] == [q3.id, q1.id]


async def test_rounds_and_answers_read_with_open_assignments_stay_current(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    """open_assignments brings each assignment's round and answers along; a change
    made in the same transaction is what later reads return."""
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        round_, [assignment] = await make_round(uow, [sct.id], now=now)
        await uow.answers.set(assignment.id, "q1", 5, None, now)
        await uow.commit()
    async with uow_factory() as uow:
        [listed] = await uow.assignments.list_open(sct.id)
        assert (listed.id, listed.status) == (assignment.id, AssignmentStatus.IN_PROGRESS)
        assert await uow.rounds.get(round_.id) == round_
        assert await uow.answers.get(assignment.id) == {"q1": 5}
        await uow.answers.set(assignment.id, "q1", 6, None, now)
        assert await uow.answers.get(assignment.id) == {"q1": 6}
        later = now.date() + 10 * DAY
        await uow.rounds.update(round_.id, deadline=later)
        assert (await uow.rounds.get(round_.id)).deadline == later  # type: ignore[union-attr]
        renamed = await uow.agencies.save({"abbreviation": "SCT", "name": "Sở Công Thương mới"})
        assert await uow.agencies.get(sct.id) == renamed
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"q1": 6}
        assert (await uow.rounds.get(round_.id)).deadline == later  # type: ignore[union-attr]


async def test_round_counts_filters_and_pages_in_sql(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    """Counts per (status, late), the number matching a filter and one page of ids by
    agency; a submission exactly at ``late_from`` is late, a microsecond before is not."""
    late_from = dt.datetime(2026, 12, 20, 17, 0, tzinfo=dt.UTC)
    async with uow_factory() as uow:
        made = [await new_agency(uow, abbr, name=name) for abbr, name in (
            ("SYT", "Sở Y tế"), ("SGD", "Sở Giáo dục và Đào tạo"), ("S_1", "Sở 100% số"),
            ("SCT", "Sở Công Thương"), ("TTYT", "Trung tâm Y tế"))]
        round_, assignments = await make_round(uow, [a.id for a in made], now=now)
        syt, sgd, s_1, sct, _ttyt = assignments
        await uow.assignments.set_status(syt.id, "submitted", late_from - dt.timedelta(
            microseconds=1))
        await uow.assignments.set_status(sgd.id, "submitted", late_from)
        await uow.assignments.set_status(s_1.id, "in_progress", now)
        await uow.assignments.set_status(sct.id, "returned", now)
        await uow.commit()

    async with uow_factory() as uow:
        repo = uow.assignments
        assert await repo.state_counts(round_.id, late_from) == {
            ("submitted", False): 1, ("submitted", True): 1, ("in_progress", False): 1,
            ("returned", False): 1, ("not_started", False): 1}

        async def matching(**where: object) -> tuple[int, list[int]]:
            chosen = RoundFilter(late_from, **where)  # type: ignore[arg-type]
            return (await repo.count_matching(round_.id, chosen),
                    await repo.page_matching(round_.id, chosen, offset=0, limit=10))

        ids = [a.id for a in assignments]
        assert await matching() == (5, ids)
        assert await matching(status="submitted", late=True) == (1, [sgd.id])
        assert await matching(status="submitted", late=False) == (1, [syt.id])
        assert await matching(unsubmitted=True) == (3, ids[2:])
        assert await matching(search="so y te") == (1, [syt.id])
        assert await matching(search="y te") == (2, [syt.id, ids[4]])
        assert await matching(search="100%") == (1, [s_1.id])  # % and _ taken literally
        assert await matching(search="s_") == (1, [s_1.id])
        assert await matching(search="0%s") == (0, [])
        assert await matching(search="y te", status="not_started", unsubmitted=True) == (
            1, [ids[4]])
        chosen = RoundFilter(late_from)
        assert await repo.page_matching(round_.id, chosen, offset=2, limit=2) == ids[2:4]
        assert await repo.page_matching(round_.id, chosen, offset=4, limit=2) == ids[4:]


async def test_agencies_keep_their_search_key_on_every_write(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    """Added, imported again under a new name (``save`` with some fields) or edited on
    the dashboard (``update``): the search finds the agency by its current name."""
    async with uow_factory() as uow:
        stc = await new_agency(uow, "STC", name="Sở Tài chính")
        round_, [assignment] = await make_round(uow, [stc.id], now=now)
        await uow.commit()

    async def found(needle: str) -> list[int]:
        async with uow_factory() as uow:
            return await uow.assignments.page_matching(
                round_.id, RoundFilter(now, search=needle), offset=0, limit=10)

    assert await found("tai chinh") == [assignment.id]
    async with uow_factory() as uow:
        await uow.agencies.save({"abbreviation": "STC", "name": "Sở Kế hoạch và Đầu tư"})
        await uow.commit()
    assert (await found("ke hoach"), await found("tai chinh")) == ([assignment.id], [])
    async with uow_factory() as uow:
        assert await uow.agencies.update(stc.id, {"name": "Sở Xây dựng",
                                                  "abbreviation": "SXD"}) is None
        await uow.commit()
    assert await found("xay dung sxd") == [assignment.id]
    assert (await found("ke hoach"), await found("stc")) == ([], [])
