"""What the DIC sees on a round's page once counting, filtering and paging are SQL:
the counts per state, each filter's agencies, the accent-insensitive search (an agency
renamed on the dashboard or by the CLI's import is found by its new name), on time vs
late at the local-day boundary, and the pages (both backends)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import round_page
from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import (
    _csrf,
    _logged_in,
    _setup,
    mini_template,  # noqa: F401
)

# Asia/Ho_Chi_Minh is UTC+7; the round's deadline is 18/12/2026 (DEFAULT_ROUND).
DEADLINE_DAY_2330 = dt.datetime(2026, 12, 18, 16, 30, tzinfo=dt.UTC)
NEXT_DAY_0030 = dt.datetime(2026, 12, 18, 17, 30, tzinfo=dt.UTC)
DEADLINE_DAY_2359 = dt.datetime(2026, 12, 18, 16, 59, tzinfo=dt.UTC)
NEXT_DAY_0000 = dt.datetime(2026, 12, 18, 17, 0, tzinfo=dt.UTC)

AGENCIES = tuple(
    {"name": name, "abbreviation": abbr, "governing_body": "UBND TỈNH ĐỒNG NAI",
     "place": "Đồng Nai", "signer_name": "Nguyễn Văn A"}
    for name, abbr in (("Sở Y tế", "SYT"), ("Sở Giáo dục và Đào tạo", "SGDDT"),
                       ("Sở Công Thương", "SCT"), ("Sở Tài chính", "STC"),
                       ("Sở Nội vụ", "SNV"), ("Trung tâm Y tế huyện Long Thành", "TTYT"))
)
ALL = ["SYT", "SGDDT", "SCT", "STC", "SNV", "TTYT"]  # by agency, as the page lists them


def agencies(html: str) -> list[str]:
    return re.findall(r'<tr data-agency="([^"]+)">', html)


def state_cell(html: str, abbreviation: str) -> str:
    row = re.search(rf'<tr data-agency="{abbreviation}">.*?</tr>', html, re.S)
    assert row, html
    return re.search(r'<td class="state">([^<]*)</td>', row.group(0)).group(1)


def count_of(html: str, state: str) -> int:
    option = re.search(rf'<option value="{state}"[^>]*>[^<(]+\((\d+)\)</option>', html)
    assert option, html
    return int(option.group(1))


async def _set_status(world: Any, abbreviation: str, status: str, at: dt.datetime) -> None:
    async with world.uow_factory() as uow:
        [assignment] = [a for a in await uow.assignments.list(world.round_id)
                        if a.agency_id == world.agencies[abbreviation].id]
        await uow.assignments.set_status(assignment.id, status, at)
        await uow.commit()


@pytest.fixture
async def site(uow_factory, engine, mini_template, tmp_path: Path):  # noqa: F811
    """Six agencies: SYT submitted at 23:30 local on the deadline day, SGDDT at 00:30
    the day after, SCT in progress, SNV returned, STC and TTYT not started; the DIC
    logged in at 22:59 local on the deadline day."""
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path,
                                         agencies=AGENCIES)
    await _set_status(world, "SYT", "submitted", DEADLINE_DAY_2330)
    await _set_status(world, "SGDDT", "submitted", NEXT_DAY_0030)
    await _set_status(world, "SCT", "in_progress", DEADLINE_DAY_2330)
    await _set_status(world, "SNV", "returned", DEADLINE_DAY_2330)
    world.clock.current = DEADLINE_DAY_2359 - dt.timedelta(hours=1)  # the session's clock
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_web_app(boot)),
                                 base_url="http://testserver") as http:
        csrf = await _logged_in(world, boot, dic_code, http)
        yield world, http, csrf, f"/admin/rounds/{world.round_id}"


async def test_counts_states_and_late_at_the_local_day_boundary(site) -> None:
    _world, http, _csrf_token, target = site
    page = (await http.get(target)).text
    assert agencies(page) == ALL
    assert "Mọi tình trạng (6)" in page and 'id="done">2/6<' in page
    assert {state: count_of(page, state) for state in (
        "not_started", "in_progress", "submitted_on_time", "submitted_late", "returned")} == {
        "not_started": 2, "in_progress": 1, "submitted_on_time": 1, "submitted_late": 1,
        "returned": 1}
    # 23:30 on the deadline day (local) is on time; 00:30 the day after is late
    assert state_cell(page, "SYT") == "Đã nộp đúng hạn"
    assert state_cell(page, "SGDDT") == "Nộp trễ hạn"
    for state, expected in (("submitted_on_time", ["SYT"]), ("submitted_late", ["SGDDT"]),
                            ("in_progress", ["SCT"]), ("returned", ["SNV"]),
                            ("not_started", ["STC", "TTYT"])):
        shown = (await http.get(target, params={"state": state})).text
        assert agencies(shown) == expected, state
        assert f"{len(expected)} cơ quan" in shown
        assert "Mọi tình trạng (6)" in shown  # the counts stay the whole round's


async def test_search_ignores_accents_and_case_and_takes_percent_literally(site) -> None:
    _world, http, _csrf_token, target = site
    for q, expected in (("so y te", ["SYT"]), ("Sở Y tế", ["SYT"]), ("SỞ Y TẾ", ["SYT"]),
                        ("y te", ["SYT", "TTYT"]), ("giáo dục và đào tạo", ["SGDDT"]),
                        ("dao tao", ["SGDDT"]), ("sgddt", ["SGDDT"]), ("  tài  ", ["STC"]),
                        ("%", []), ("_", []), ("sở xây dựng", [])):
        shown = (await http.get(target, params={"q": q})).text
        assert agencies(shown) == expected, q
        assert f'<p id="shown">{len(expected)} cơ quan' in shown, q
    both = (await http.get(target, params={"q": "y te", "state": "not_started"})).text
    assert agencies(both) == ["TTYT"]


async def test_overdue_only_once_the_deadline_local_day_is_over(site) -> None:
    world, http, _csrf_token, target = site
    world.clock.current = DEADLINE_DAY_2359
    before = (await http.get(target, params={"overdue": "1"})).text
    assert agencies(before) == [] and '<p id="shown">0 cơ quan' in before
    world.clock.current = NEXT_DAY_0000
    overdue = (await http.get(target, params={"overdue": "1"})).text
    assert agencies(overdue) == ["SCT", "STC", "SNV", "TTYT"]
    assert overdue.count("<td>Quá hạn</td>") == 4
    narrowed = await http.get(target, params={"overdue": "1", "state": "not_started",
                                              "q": "y tế"})
    assert agencies(narrowed.text) == ["TTYT"]
    submitted = await http.get(target, params={"overdue": "1", "state": "submitted_late"})
    assert agencies(submitted.text) == []


async def test_pages_clamp_and_keep_the_filters(
    site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world, http, _csrf_token, target = site
    monkeypatch.setattr(round_page, "PAGE_SIZE", 2)
    first = (await http.get(target)).text
    assert agencies(first) == ["SYT", "SGDDT"] and "6 cơ quan · trang 1/3" in first
    last = (await http.get(target, params={"page": "3"})).text
    assert agencies(last) == ["SNV", "TTYT"] and 'rel="next"' not in last
    beyond = (await http.get(target, params={"page": "99"})).text
    assert agencies(beyond) == ["SNV", "TTYT"] and "trang 3/3" in beyond
    assert agencies((await http.get(target, params={"page": "0"})).text) == ["SYT", "SGDDT"]
    searched = (await http.get(target, params={"q": "sở", "page": "3"})).text
    assert agencies(searched) == ["SNV"] and "5 cơ quan · trang 3/3" in searched
    assert "q=s%E1%BB%9F&amp;page=2" in searched  # the pager keeps the search
    none = (await http.get(target, params={"q": "không có", "page": "2"})).text
    assert agencies(none) == [] and '<p id="shown">0 cơ quan</p>' in none


async def test_a_renamed_agency_is_found_by_its_new_name(site, run_cli, tmp_path: Path) -> None:
    world, http, csrf, target = site
    csrf = _csrf((await http.get("/admin/agencies")).text)
    stc = world.agencies["STC"]
    saved = await http.post(f"/admin/agencies/{stc.id}", data={
        "csrf": csrf, "name": "Sở Kế hoạch và Đầu tư", "abbreviation": "STC",
        "governing_body": "UBND TỈNH ĐỒNG NAI", "place": "Đồng Nai",
        "signer_position": "GIÁM ĐỐC", "signer_authority": "", "signer_name": "Nguyễn Văn A",
        "drafting_unit": "VP", "level": "province"}, follow_redirects=True)
    assert "Đã lưu thông tin cơ quan." in saved.text
    assert agencies((await http.get(target, params={"q": "ke hoach va dau tu"})).text) == ["STC"]
    assert agencies((await http.get(target, params={"q": "tai chinh"})).text) == []

    csv_file = tmp_path / "co-quan.csv"
    csv_file.write_text("name,abbreviation,governing_body,place,signer_name\n"
                        "Sở Xây dựng,SCT,UBND TỈNH ĐỒNG NAI,Đồng Nai,Võ Văn E\n",
                        encoding="utf-8")
    result = await asyncio.to_thread(run_cli, "agencies", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert agencies((await http.get(target, params={"q": "xay dung"})).text) == ["SCT"]
    assert agencies((await http.get(target, params={"q": "cong thuong"})).text) == []
