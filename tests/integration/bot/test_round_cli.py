"""``baocao round …`` against a real database (both backends), as an operator uses it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from dialogs.cursor import Outline
from dialogs.loader import load_templates
from dialogs.messages import Outbound
from storage import admin
from storage import reminders as store
from storage.db import create_engine
from storage.uow import SqlUnitOfWork, uow_factory
from tests.conftest import run_in_thread
from tests.support.cli import ok

TEMPLATE = load_templates()["annual_it"]
TOTAL = Outline.of(TEMPLATE).total
NOW = dt.datetime.now(dt.UTC)
TODAY = NOW.date()


def with_db(url: str, work: Callable[[SqlUnitOfWork], Any]) -> Any:
    async def go() -> Any:
        engine = create_engine(url)
        try:
            async with uow_factory(engine)() as uow:
                value = await work(uow)
                await uow.commit()
                return value
        finally:
            await engine.dispose()

    return run_in_thread(go)


async def add_agencies(uow: SqlUnitOfWork, *abbreviations: str, bind: str = "web") -> None:
    for abbr in abbreviations:
        agency = await admin.add_agency(uow, name=f"Sở {abbr}", abbreviation=abbr,
                                        governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                                        signer_name="Nguyễn Văn A")
        if bind and abbr != "UN":
            code = await admin.create_invite(uow, agency.id, now=NOW)
            await uow.invites.bind(code, bind, f"{bind}-{abbr}-0000000000000000", None, NOW)
    await admin.add_agency(uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                           governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                           signer_name="Trần B", is_collector=True)





def test_open_computes_the_period_notifies_officers_and_plans_reminders(run_cli, database_url):
    with_db(database_url, lambda uow: add_agencies(uow, "SCT", "STC", "UN"))
    out = ok(run_cli("round", "open", "--template", "annual_it", "--period", "Năm 2027",
                     "--deadline", "2027-12-22", "--agencies", "all"))
    assert "Đã mở đợt #1: annual_it năm 2027 (số liệu 15/12/2026–14/12/2027), hạn 22/12/2027" in out
    assert "3 cơ quan" in out and "Đã gửi thông báo tới 2 cán bộ." in out
    assert "Chưa liên lạc được (chưa có cán bộ liên kết): UN" in out

    async def inspect(uow: SqlUnitOfWork) -> tuple[list[Any], list[store.ReminderRecord]]:
        # the CLI runs on the real clock and holds notices until working hours:
        # look at everything queued, whenever it is due
        items = await uow.outbox.claim(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), limit=10)
        return items, await store.list_reminders(uow, round_id=1)

    items, planned = with_db(database_url, inspect)
    assert sorted(i.user_id for i in items) == ["web-SCT-0000000000000000",
                                                "web-STC-0000000000000000"]
    notice: Outbound = items[0].messages[0]
    assert "Đợt báo cáo mới" in notice.text and "năm 2027" in notice.text
    assert "từ ngày 15/12/2026 đến ngày 14/12/2027" in notice.text
    assert "Hạn nộp: 22/12/2027" in notice.text
    assert notice.buttons[0][0].label == "Bắt đầu trả lời"
    assert notice.buttons[0][0].data.startswith("cmd:continue:")
    # 7, 3, 1 days before and the deadline itself, for each of the three agencies
    assert sorted({r.kind for r in planned}) == ["before_1", "before_3", "before_7", "due_day"]
    assert len(planned) == 12

    listed = ok(run_cli("round", "list"))
    assert "annual_it" in listed and "năm 2027" in listed and "22/12/2027" in listed
    assert "0/3" in listed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "quý V năm 2026"), "Không hiểu kỳ báo cáo"),
        (("--period", "quý III năm 2026"), "không dùng cho 'quý III năm 2026'"),
        (("--period", "năm 2026", "--agencies", "SCT,XYZ"), "Không có cơ quan: XYZ"),
        (("--period", "năm 2026", "--deadline", "2026-12-01"), "trước ngày cuối kỳ"),
    ],
)
def test_open_refuses_mistakes_in_vietnamese(run_cli, database_url, args, message):
    with_db(database_url, lambda uow: add_agencies(uow, "SCT"))
    options = dict(zip(args[::2], args[1::2], strict=True))
    options.setdefault("--deadline", "2026-12-18")
    flat = [x for pair in options.items() for x in pair]
    result = run_cli("round", "open", "--template", "annual_it", *flat)
    assert result.exit_code == 1
    assert message in result.output


def test_status_json_reports_every_state(run_cli, database_url):
    deadline = TODAY - dt.timedelta(days=5)
    names = ("NS", "IP", "OT", "LT", "RT", "UN", "FL")

    async def seed(uow: SqlUnitOfWork) -> None:
        await add_agencies(uow, *names)
        agencies = {a.abbreviation: a.id for a in await uow.agencies.list()}
        round_ = await admin.open_round(
            uow, template_id="annual_it", template_version=TEMPLATE.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=deadline,
            agency_ids=[agencies[n] for n in names], province="Đồng Nai",
            collector="Sở Khoa học và Công nghệ", now=NOW - dt.timedelta(days=30),
        )
        ids = {n: a.id for a in await uow.assignments.list(round_.id)
               for n in names if agencies[n] == a.agency_id}
        first, second = list(Outline.of(TEMPLATE).numbers)[:2]
        for question in (first, second):
            await uow.answers.set(ids["IP"], question, "x", None, NOW)
        on_time = dt.datetime.combine(deadline, dt.time(3, 0), tzinfo=dt.UTC)
        await uow.submissions.add(ids["OT"], {}, b"d", "a.docx", None, on_time)
        await uow.submissions.add(ids["LT"], {}, b"d", "a.docx", None,
                                 on_time + dt.timedelta(days=2))
        await uow.submissions.add(ids["RT"], {}, b"d", "a.docx", None, on_time)
        await uow.assignments.set_status(ids["RT"], "returned", NOW)
        # FL's only officer is on a channel where every delivery failed for good
        await uow.outbox.enqueue("web", "web-FL-0000000000000000", [Outbound("x")], now=NOW,
                          dedupe_key=f"open:a{ids['FL']}::o1")
        [item] = [i for i in await uow.outbox.claim(NOW, limit=50)
                  if i.user_id.startswith("web-FL")]
        await uow.outbox.finish(item.id, NOW, error="blocked")

    with_db(database_url, seed)
    data = json.loads(ok(run_cli("round", "status", "1", "--json")))
    assert data["round"]["deadline"] == deadline.isoformat()
    got = {a["abbreviation"]: (a["state"], a["answered"], a["total"], a["overdue"],
                               a["unreachable"]) for a in data["agencies"]}
    assert got == {
        "NS": ("not_started", 0, TOTAL, True, False),
        "IP": ("in_progress", 2, TOTAL, True, False),
        "OT": ("submitted_on_time", 0, TOTAL, False, False),
        "LT": ("submitted_late", 0, TOTAL, False, False),
        "RT": ("returned", 0, TOTAL, True, False),
        "UN": ("not_started", 0, TOTAL, True, True),  # never bound
        "FL": ("not_started", 0, TOTAL, True, True),  # every delivery failed for good
    }
    text = ok(run_cli("round", "status", "1"))
    assert f"đang làm 2/{TOTAL}" in text and "nộp muộn" in text and "không liên lạc được" in text


def test_deadline_change_replans_and_close_cancels(run_cli, database_url):
    with_db(database_url, lambda uow: add_agencies(uow, "SCT"))
    ok(run_cli("round", "open", "--template", "annual_it", "--period", "năm 2027",
               "--deadline", "2027-12-20", "--agencies", "SCT"))
    out = ok(run_cli("round", "deadline", "1", "2027-12-28"))
    # Mon 20/12: 13/12, Fri 17/12 (3 and 1 day before), 20/12 -> three reminders cancelled
    assert "hạn mới 28/12/2027" in out and "4 lần nhắc mới, 3 lần nhắc cũ đã hủy" in out

    def planned_days(uow: SqlUnitOfWork) -> Any:
        return store.list_reminders(uow, round_id=1, statuses=["planned"])

    days = sorted(r.due_at.date().isoformat() for r in with_db(database_url, planned_days))
    # 7 days before: Tue 21/12; 3 days before: Sat 25/12 -> Fri 24/12; Mon 27/12; Tue 28/12
    assert days == ["2027-12-21", "2027-12-24", "2027-12-27", "2027-12-28"]
    assert "đã hủy 4 lần nhắc" in ok(run_cli("round", "close", "1"))
    assert with_db(database_url, planned_days) == []
    listed = ok(run_cli("round", "list"))
    assert "đã đóng" in listed


def test_nudge_one_agency(run_cli, database_url):
    with_db(database_url, lambda uow: add_agencies(uow, "SCT", "STC"))
    ok(run_cli("round", "open", "--template", "annual_it", "--period", "năm 2026",
               "--deadline", "2026-12-18", "--agencies", "SCT,STC"))
    out = ok(run_cli("round", "nudge", "1", "--agency", "SCT"))
    assert "Đã xếp lịch nhắc 1 cơ quan" in out
    nudges = with_db(database_url, lambda uow: store.list_reminders(uow, round_id=1))
    assert [r.kind for r in nudges if r.kind == "nudge"] == ["nudge"]
    assert "Không có cơ quan nào quá hạn" in ok(run_cli("round", "nudge", "1"))
    result = run_cli("round", "nudge", "1", "--agency", "XYZ")
    assert result.exit_code == 1 and "Không có cơ quan viết tắt XYZ" in result.output
