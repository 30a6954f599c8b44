"""The round's dashboard page: moving the deadline (logged) and nudging an agency."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import _logged_in, _setup


async def test_dashboard_moves_the_deadline_and_nudges_an_agency(
    uow_factory, engine, mini_template, tmp_path: Path
) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    target = f"/admin/rounds/{world.round_id}"
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        csrf = await _logged_in(world, boot, dic_code, http)
        early = await http.post(f"{target}/deadline", data={"csrf": csrf,
                                                            "deadline": "2026-12-10"})
        page = await http.get(early.headers["location"])
        assert "Hạn nộp 10/12/2026 trước ngày cuối kỳ 14/12/2026." in page.text
        assert "hạn nộp 18/12/2026" in page.text

        moved = await http.post(f"{target}/deadline", data={"csrf": csrf,
                                                            "deadline": "2026-12-28"})
        page = await http.get(moved.headers["location"])
        assert "Đã đổi hạn nộp sang 28/12/2026" in page.text
        assert "hạn nộp 28/12/2026" in page.text
        async with uow_factory() as uow:
            dic_officer = await uow.identities.officer_for("web", "dic-user")
        log = page.text[page.text.index('id="log"'):]
        assert re.search(rf"{re.escape(dic_officer.full_name)}</td><td>Đổi hạn nộp</td>"
                         r"<td>18/12/2026 → 28/12/2026</td>", log)

        sct_agency = world.agencies["SCT"]
        nudged = await http.post(f"{target}/nudge", data={"csrf": csrf,
                                                          "agency_id": str(sct_agency.id)})
        page = await http.get(nudged.headers["location"])
        assert "Đã gửi lời nhắc tới 1 cơ quan." in page.text
    async with uow_factory() as uow:
        notices = await uow.outbox.take("web", "sct-user", now=world.clock.now())
    texts = [m.text for n in notices for m in n.messages]
    assert any(t.startswith("📣 Sở Khoa học và Công nghệ đề nghị Sở Công Thương hoàn thành")
               and "Hạn nộp: 28/12/2026" in t for t in texts), texts
