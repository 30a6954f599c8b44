"""The dashboard's "open a round" form: mistakes refused and explained with the input
kept, the round opened for the chosen agencies with its reminder policy."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx

from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import _checked, _logged_in, _round_form, _setup


async def test_open_round_form_refuses_mistakes_keeps_input_and_opens_for_chosen_agencies(
    uow_factory, engine, mini_template, tmp_path: Path
) -> None:
    from bot.reminders import load_policy
    from storage import reminders as store

    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct, stc = world.chat("sct-user"), world.chat("stc-user")
    await sct.send(world.invites["SCT0"])
    await stc.send(world.invites["STC0"])
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        csrf = await _logged_in(world, boot, dic_code, http)
        blank = (await http.get("/admin")).text
        # every reporting agency is offered and ticked; the collector is not offered
        assert _checked(blank) == {"SCT", "STC"} and 'value="SKHCN"' not in blank
        assert "Chọn tất cả" in blank and "Bỏ chọn" in blank
        assert 'name="remind_days" value="7,3,1"' in blank
        assert '<option value="q3">Quý III (15/6 – 14/9)</option>' in blank

        # without the session's CSRF token nothing happens
        forged = await http.post("/admin/rounds", data=_round_form("x"))
        assert forged.status_code == 403

        # three mistakes at once, each explained; the input stays as typed
        wrong = await http.post("/admin/rounds", data=_round_form(
            csrf, template="khong_co", deadline="2027-12-01", agency=[], remind_days="5,2",
            overdue=None))
        assert wrong.status_code == 400
        assert "Chưa mở được đợt báo cáo" in wrong.text
        assert "Không có mẫu báo cáo &#39;khong_co&#39;" in wrong.text
        assert "Hạn nộp 01/12/2027 trước ngày cuối kỳ 14/12/2027." in wrong.text
        assert "Chưa chọn cơ quan nào." in wrong.text
        assert 'name="deadline" value="2027-12-01"' in wrong.text
        assert 'name="year" value="2027"' in wrong.text
        assert 'name="remind_days" value="5,2"' in wrong.text
        assert _checked(wrong.text) == set()
        assert 'name="overdue" value="1">' in wrong.text  # stays unticked

        # a quarter for an annual template; the chosen agency stays chosen
        quarter = await http.post("/admin/rounds", data=_round_form(
            csrf, period_kind="q3", agency=["STC"]))
        assert quarter.status_code == 400
        assert "Mẫu mini chỉ dùng cho kỳ báo cáo năm, không dùng cho &#39;quý III năm 2027&#39;" \
            in quarter.text
        assert _checked(quarter.text) == {"STC"}
        assert '<option value="q3" selected>' in quarter.text
        ad_hoc = await http.post("/admin/rounds", data=_round_form(
            csrf, period_kind="ad_hoc", adhoc_label="tháng 10 năm 2027", period_from="2027-10-01"))
        assert ad_hoc.status_code == 400
        assert "Kỳ đột xuất cần cả ngày đầu kỳ và ngày cuối kỳ." in ad_hoc.text
        assert 'name="adhoc_label" value="tháng 10 năm 2027"' in ad_hoc.text
        assert 'name="period_from" value="2027-10-01"' in ad_hoc.text
        bad_days = await http.post("/admin/rounds", data=_round_form(csrf, remind_days="7,x"))
        assert bad_days.status_code == 400 and "Số ngày nhắc trước hạn không hợp lệ" \
            in bad_days.text
        async with uow_factory() as uow:
            assert len(await uow.rounds.list()) == 1  # nothing was opened

        opened = await http.post("/admin/rounds", data=_round_form(
            csrf, agency=["SCT"], remind_days="5,2", overdue=None))
        assert opened.status_code == 303
        page = await http.get(opened.headers["location"])
        assert "Đã mở đợt báo cáo năm 2027 cho 1 cơ quan; đã báo cho 1 cán bộ." in page.text
        assert re.findall(r'<tr data-agency="([^"]+)"', page.text) == ["SCT"]
        assert ("Nhắc hạn: Nhắc trước hạn 5, 2 ngày; vào ngày hết hạn; "
                "không nhắc khi đã quá hạn.") in page.text
        assert "<td>Mở đợt báo cáo</td><td>1 cơ quan</td>" in page.text  # the round's log

        # an ad-hoc period: its own name and dates
        ad_hoc = await http.post("/admin/rounds", data=_round_form(
            csrf, period_kind="ad_hoc", adhoc_label="tháng 10 năm 2027", agency=["STC"],
            period_from="2027-10-01", period_to="2027-10-31", deadline="2027-11-05"))
        page = await http.get(ad_hoc.headers["location"])
        assert "Đã mở đợt báo cáo tháng 10 năm 2027 cho 1 cơ quan" in page.text
        assert re.findall(r'<tr data-agency="([^"]+)"', page.text) == ["STC"]

    round_id = int(re.search(r"/admin/rounds/(\d+)\?", opened.headers["location"]).group(1))
    async with uow_factory() as uow:
        round_ = await uow.rounds.get(round_id)
        assert (round_.period_start, round_.period_end, round_.deadline) == (
            dt.date(2026, 12, 15), dt.date(2027, 12, 14), dt.date(2027, 12, 20))
        policy = await load_policy(uow, round_id)
        assert (policy.days_before, policy.overdue, policy.enabled) == ((5, 2), False, True)
        kinds = {r.kind for r in await store.list_reminders(uow, round_id=round_id)}
        assert kinds == {"before_5", "before_2", "due_day"}
        told = await uow.outbox.take("web", "sct-user", now=world.clock.now())
        untold = await uow.outbox.take("web", "stc-user", now=world.clock.now())
    assert any("Đợt báo cáo mới" in m.text and "năm 2027" in m.text
               for n in told for m in n.messages)
    assert not any("Đợt báo cáo mới: Báo cáo thử nghiệm năm 2027" in m.text
                   for n in untold for m in n.messages)
    assert any("từ ngày 01/10/2027 đến ngày 31/10/2027" in m.text
               for n in untold for m in n.messages)
