"""The dashboard's round page when a round has more agencies than a page holds: paged,
searchable without accents, filtered by state (both backends)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot import round_page
from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import _logged_in, _setup, mini_template  # noqa: F401


def agencies(html: str) -> list[str]:
    return re.findall(r'<tr data-agency="([^"]+)">', html)


async def test_round_page_is_paged_searchable_and_filtered(
    uow_factory, engine, mini_template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(round_page, "PAGE_SIZE", 1)
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    target = f"/admin/rounds/{world.round_id}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_web_app(boot)),
                                 base_url="http://testserver") as http:
        await _logged_in(world, boot, dic_code, http)
        first = (await http.get(target)).text
        assert agencies(first) == ["SCT"]
        assert "trang 1/2" in first and 'rel="next"' in first and 'rel="prev"' not in first
        assert "đã nộp <strong id=\"done\">0/2</strong>" in first  # the whole round
        second = (await http.get(target, params={"page": "2"})).text
        assert agencies(second) == ["STC"] and 'rel="prev"' in second
        beyond = (await http.get(target, params={"page": "99"})).text
        assert agencies(beyond) == ["STC"]  # the last page
        assert agencies((await http.get(target, params={"page": "x"})).text) == ["SCT"]

        found = (await http.get(target, params={"q": "tai chinh"})).text
        assert agencies(found) == ["STC"] and "1 cơ quan" in found
        waiting = (await http.get(target, params={"state": "not_started", "page": "2"})).text
        assert agencies(waiting) == ["STC"] and "2 cơ quan · trang 2/2" in waiting
        assert re.search(r'value="not_started" selected>[^<]+\(2\)', waiting)
        assert "state=not_started" in waiting  # the pager keeps the filter
        done = (await http.get(target, params={"state": "submitted_on_time"})).text
        assert agencies(done) == [] and "0 cơ quan" in done
        late = (await http.get(target, params={"overdue": "1", "q": "công thương"})).text
        assert agencies(late) == []  # the deadline is still ahead
        odd = await http.get(target, params={"state": "<script>", "q": "<b>x</b>"})
        assert odd.status_code == 200 and "<b>x</b>" not in odd.text
