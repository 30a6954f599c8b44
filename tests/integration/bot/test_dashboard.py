"""The DIC dashboard over HTTP with the real engine and storage: login by a single-use
link, status table, returning a submission (the officer resubmits as version 2),
roll-up downloads, CSRF and role checks."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import httpx
import openpyxl
import pytest
from docx import Document

from bot.bootstrap import Bootstrapped
from bot.dashboard_auth import COOKIE
from bot.rollup_service import dashboard_login_url
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.engine import Engine
from dialogs.loader import load_template
from dialogs.schema import Template
from renderers.report import render_report
from storage import admin
from storage.login_tokens import issue_login_token
from tests.integration.dialogs.conftest import World, fill_all, make_world

LINK = re.compile(r"https?://\S+/admin/login\?token=[\w-]+")
MINI = Path(__file__).parents[1] / "dialogs" / "mini.yaml"


@pytest.fixture
def mini_template() -> Template:
    return load_template(MINI)


async def _setup(uow_factory, engine, mini_template, tmp_path: Path):
    world: World = await make_world(uow_factory, mini_template, render=render_report)
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, database_url="sqlite+aiosqlite://",
                        public_url="http://testserver")
    async with uow_factory() as uow:
        dic = await admin.add_agency(
            uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
            governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Trần Văn B",
            is_collector=True)
        code = await admin.create_invite(uow, dic.id, role="dic", now=world.clock.now())
        await uow.commit()
    from functools import partial
    world.engine = Engine(
        templates={mini_template.id: mini_template}, uow_factory=uow_factory, clock=world.clock,
        render=render_report, collector=settings.collector,
        dashboard_link=partial(dashboard_login_url, public_url=settings.public_url))
    boot = Bootstrapped(settings=settings, db=engine, uow_factory=uow_factory,
                        templates={mini_template.id: mini_template}, engine=world.engine,
                        clock=world.clock)
    return world, boot, code


async def _submit(chat) -> None:
    await fill_all(chat)
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


async def test_dashboard_login_return_resubmit_and_rollup(uow_factory, engine, mini_template,
                                                          tmp_path: Path) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    await _submit(sct)
    assert "Đã nộp báo cáo (bản 1)" in sct.text

    # a non-DIC officer gets no link
    await sct.send("quản trị")
    assert "chỉ dành cho cán bộ" in sct.text and not LINK.search(sct.text)
    # the DIC officer gets one
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("quản trị")
    url = LINK.search(dic.text).group(0)
    token = url.split("token=")[1]

    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        assert (await http.get("/admin")).status_code == 401
        page = await http.get(url.replace("http://testserver", ""))
        assert page.status_code == 200 and 'name="token"' in page.text
        login = await http.post("/admin/login", data={"token": token})
        assert login.status_code == 303 and login.headers["location"] == "/admin"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        again = await http.post("/admin/login", data={"token": token})
        assert again.status_code == 403 and "đã được sử dụng" in again.text

        index = await http.get("/admin")
        assert index.status_code == 200 and "Báo cáo thử nghiệm" in index.text
        status = await http.get(f"/admin/rounds/{world.round_id}")
        assert "Sở Công Thương" in status.text and "Đã nộp đúng hạn" in status.text
        assert "<progress" in status.text and "Sở Tài chính" in status.text
        csrf = _csrf(status.text)

        async with uow_factory() as uow:
            sct_agency = world.agencies["SCT"]
            assignment = (await uow.assignments.list_open(sct_agency.id))[0]
        target = f"/admin/assignments/{assignment.id}"
        forged = await http.post(f"{target}/return", data={"comment": "x"})
        assert forged.status_code == 403
        done = await http.post(f"{target}/return",
                               data={"comment": "Số văn bản điện tử chưa đúng <b>", "csrf": csrf})
        assert done.status_code == 303
        detail = await http.get(target)
        assert "Trả lại để sửa" in detail.text
        assert "Số văn bản điện tử chưa đúng &lt;b&gt;" in detail.text  # escaped

        # the officer is told in chat (web chat pulls queued notices)
        async with uow_factory() as uow:
            notices = await uow.outbox.take("web", "sct-user", now=world.clock.now())
        assert any("Số văn bản điện tử chưa đúng" in m.text for n in notices for m in n.messages)
        await sct.send("tiếp tục")
        assert "trả lại để chỉnh sửa" in sct.text and "XEM LẠI BÁO CÁO" in sct.text
        await sct.send("sửa 11")
        await sct.send("25.000")
        await sct.send("nộp")
        await sct.tap_label("Xác nhận nộp")
        assert "Đã nộp báo cáo (bản 2)" in sct.text

        detail = await http.get(target)
        versions = re.findall(r'href="(/admin/submissions/\d+/docx)">Bản (\d)', detail.text)
        assert [v for _, v in versions] == ["1", "2"]
        first = await http.get(versions[0][0])
        assert first.status_code == 200 and first.content.startswith(b"PK")

        docx = await http.get(f"/admin/rounds/{world.round_id}/rollup.docx")
        assert docx.status_code == 200
        texts = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
        assert "- Nộp đúng hạn (1): Sở Công Thương." in texts
        assert "- Chưa nộp báo cáo (1): Sở Tài chính." in texts
        xlsx = await http.get(f"/admin/rounds/{world.round_id}/rollup.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        assert "Tình hình nộp" in book.sheetnames


async def test_a_non_dic_officers_link_is_refused(uow_factory, engine, mini_template,
                                                  tmp_path: Path) -> None:
    world, boot, _ = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    async with uow_factory() as uow:
        officer = await uow.identities.officer_for("web", "sct-user")
        with pytest.raises(ValueError):
            await dashboard_login_url(uow, officer, world.clock.now(), public_url="http://x")
        token = await issue_login_token(uow, officer.id, now=world.clock.now(),
                                        ttl=dt.timedelta(minutes=5))
        await uow.commit()
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        refused = await http.post("/admin/login", data={"token": token})
        assert refused.status_code == 403 and COOKIE not in refused.headers.get("set-cookie", "")
        assert "chỉ dành cho cán bộ" in refused.text


async def test_an_expired_link_is_refused(uow_factory, engine, mini_template, tmp_path: Path):
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("dashboard")
    token = LINK.search(dic.text).group(0).split("token=")[1]
    world.clock.advance(dt.timedelta(minutes=16))
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        assert (await http.post("/admin/login", data={"token": token})).status_code == 403


async def _logged_in(world: World, boot: Bootstrapped, dic_code: str,
                     http: httpx.AsyncClient) -> str:
    """Log the DIC officer in through the bot's link; the CSRF token of the session."""
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("quản trị")
    token = LINK.search(dic.text).group(0).split("token=")[1]
    assert (await http.post("/admin/login", data={"token": token})).status_code == 303
    return _csrf((await http.get("/admin")).text)


def _checked(html: str) -> set[str]:
    return set(re.findall(r'name="agency" value="([^"]+)" checked', html))


def _round_form(csrf: str, **fields: str | list[str] | None) -> dict[str, str | list[str]]:
    """The open-round form as a browser posts it; ``None`` leaves a box unticked."""
    form = {"csrf": csrf, "template": "mini", "period_kind": "annual", "year": "2027",
            "deadline": "2027-12-20", "agency": ["SCT", "STC"], "reminders": "1",
            "remind_days": "7,3,1", "overdue": "1", **fields}
    return {k: v for k, v in form.items() if v is not None}


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
