"""Issue 18, points 2 and 3 on the dashboard: the round form takes the request
documents, grounds and Nơi nhận; a malformed request is explained and the input kept."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import _logged_in, _round_form, _setup, mini_template

__all__ = ["mini_template"]  # the fixture, shared with the dashboard tests


async def test_round_form_takes_request_grounds_and_recipients(
    uow_factory, engine, mini_template, tmp_path: Path
) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        csrf = await _logged_in(world, boot, dic_code, http)
        blank = (await http.get("/admin")).text
        assert 'name="requests"' in blank and 'name="recipients"' in blank
        bad = await http.post("/admin/rounds", data=_round_form(
            csrf, requests="2994 | hôm qua", recipients="Sở Nội vụ (báo cáo)"))
        assert bad.status_code == 400
        assert "Văn bản yêu cầu cần: số ký hiệu | ngày" in bad.text
        assert ">Sở Nội vụ (báo cáo)</textarea>" in bad.text  # kept as typed
        opened = await http.post("/admin/rounds", data=_round_form(
            csrf, agency=["SCT"],
            requests="2994/STTT-CNTTVT | 16/10/2021 | Sở Thông tin và Truyền thông | "
                     "báo cáo ứng dụng CNTT năm 2021",
            grounds="Căn cứ Kế hoạch số 599/KH-UBND ngày 18/01/2021 của UBND tỉnh Đồng Nai",
            recipients="Sở Thông tin và Truyền thông\nSở Nội vụ (báo cáo)"))
        assert opened.status_code == 303
    async with uow_factory() as uow:
        round_id = max(r.id for r in await uow.rounds.list())
        refs = await uow.references.for_document(round_id, None)
    assert refs.grounds_lines([]) == [
        "Căn cứ Kế hoạch số 599/KH-UBND ngày 18/01/2021 của UBND tỉnh Đồng Nai",
        "Thực hiện Công văn số 2994/STTT-CNTTVT ngày 16/10/2021 của Sở Thông tin và Truyền "
        "thông về việc báo cáo ứng dụng CNTT năm 2021",
    ]
    assert refs.recipient_lines(["mẫu"]) == ["Sở Thông tin và Truyền thông", "Sở Nội vụ (báo cáo)"]
