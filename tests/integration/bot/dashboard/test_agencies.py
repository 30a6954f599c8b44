"""The dashboard's agencies, officers and invitations over HTTP with the real engine
and storage: add/edit/deactivate, the CSV import (all or nothing, every bad row
named), invitations (a new code voids the earlier one; the printed DOCX holds the
codes, links and QR pictures), and revoking an officer (their next message is
refused, a new code binds again). Bad input: a Vietnamese message, nothing changed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from docx import Document

from bot.dashboard_auth import COOKIE
from bot.webapp import create_web_app
from dialogs import texts
from dialogs.loader import load_template
from storage import admin
from tests.integration.bot.dashboard.support import LINK, MINI, _setup

GOOD_CSV = (
    "name,abbreviation,governing_body,place,signer_name,signer_position\n"
    "Sở Nội vụ,SNV,UBND TỈNH ĐỒNG NAI,Đồng Nai,Lê Văn C,GIÁM ĐỐC\n"
    "Sở Y tế,SYT,UBND TỈNH ĐỒNG NAI,Đồng Nai,Phạm Thị D,GIÁM ĐỐC\n"
)
BAD_CSV = (
    "name,abbreviation,governing_body,place,signer_name,level\n"
    "Sở Nội vụ,SNV,UBND TỈNH ĐỒNG NAI,Đồng Nai,Lê Văn C,province\n"
    "Sở Y tế,,UBND TỈNH ĐỒNG NAI,Đồng Nai,Phạm Thị D,province\n"
    "Sở Xây dựng,SXD,UBND TỈNH ĐỒNG NAI,Đồng Nai,Võ Văn E,huyện\n"
)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


async def _login(world, boot, dic_code, http: httpx.AsyncClient) -> str:
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("quản trị")
    token = LINK.search(dic.text).group(0).split("token=")[1]
    login = await http.post("/admin/login", data={"token": token})
    assert login.status_code == 303 and COOKIE in login.headers["set-cookie"]
    return _csrf((await http.get("/admin/agencies")).text)


async def _abbreviations(uow_factory) -> list[str]:
    async with uow_factory() as uow:
        return sorted(a.abbreviation for a in await uow.agencies.list())


@pytest.fixture
async def site(uow_factory, engine, tmp_path: Path):
    template = load_template(MINI)
    world, boot, dic_code = await _setup(uow_factory, engine, template, tmp_path)
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        csrf = await _login(world, boot, dic_code, http)
        yield world, http, csrf


async def test_add_edit_and_deactivate_an_agency(site, uow_factory) -> None:
    _world, http, csrf = site
    before = await _abbreviations(uow_factory)
    bad = await http.post("/admin/agencies", data={
        "csrf": csrf, "name": "Sở Nội vụ", "abbreviation": "S NV", "governing_body": "",
        "place": "Đồng Nai", "signer_position": "GIÁM ĐỐC", "signer_name": "Lê Văn C",
        "drafting_unit": "VP"})
    assert bad.status_code == 400
    assert "Tên viết tắt không được có khoảng trắng." in bad.text
    assert "Chưa nhập cơ quan chủ quản." in bad.text
    assert 'value="Sở Nội vụ"' in bad.text  # what was typed stays
    taken = await http.post("/admin/agencies", data={
        "csrf": csrf, "name": "Sở Công Thương 2", "abbreviation": "sct",
        "governing_body": "UBND TỈNH ĐỒNG NAI", "place": "Đồng Nai",
        "signer_position": "GIÁM ĐỐC", "signer_name": "X", "drafting_unit": "VP"})
    assert taken.status_code == 400 and "Đã có cơ quan với tên viết tắt SCT." in taken.text
    forged = await http.post("/admin/agencies", data={
        "name": "Sở Nội vụ", "abbreviation": "SNV", "governing_body": "UBND",
        "place": "Đồng Nai", "signer_position": "GIÁM ĐỐC", "signer_name": "Lê Văn C",
        "drafting_unit": "VP"})
    assert forged.status_code == 403 and "Biểu mẫu đã hết hạn" in forged.text
    assert await _abbreviations(uow_factory) == before

    added = await http.post("/admin/agencies", data={
        "csrf": csrf, "name": "Sở Nội vụ", "abbreviation": "SNV",
        "governing_body": "UBND TỈNH ĐỒNG NAI", "place": "Đồng Nai",
        "signer_position": "GIÁM ĐỐC", "signer_authority": "", "signer_name": "Lê Văn C",
        "drafting_unit": "VP", "level": "province"}, follow_redirects=True)
    assert "Đã thêm cơ quan Sở Nội vụ (SNV)." in added.text
    async with uow_factory() as uow:
        snv = await uow.agencies.by_abbreviation("SNV")
    page = f"/admin/agencies/{snv.id}"
    fields = {"csrf": csrf, "name": "Sở Nội vụ tỉnh Đồng Nai", "abbreviation": "SNV",
              "governing_body": "UBND TỈNH ĐỒNG NAI", "place": "Biên Hòa",
              "signer_position": "PHÓ GIÁM ĐỐC", "signer_authority": "KT. GIÁM ĐỐC",
              "signer_name": "Trần Thị F", "drafting_unit": "VP", "level": "province"}
    clash = await http.post(page, data={**fields, "abbreviation": "STC"})
    assert clash.status_code == 400 and "tên viết tắt STC" in clash.text
    saved = await http.post(page, data=fields, follow_redirects=True)
    assert "Đã lưu thông tin cơ quan." in saved.text
    async with uow_factory() as uow:
        snv = await uow.agencies.get(snv.id)
    assert (snv.name, snv.place, snv.signer_authority, snv.signer_name) == (
        "Sở Nội vụ tỉnh Đồng Nai", "Biên Hòa", "KT. GIÁM ĐỐC", "Trần Thị F")

    assert 'value="SNV"' in (await http.get("/admin")).text  # offered for a new round
    off = await http.post(f"{page}/active", data={"csrf": csrf, "active": "0"},
                          follow_redirects=True)
    assert "Đã ngừng hoạt động cơ quan" in off.text and "Ngừng hoạt động" in off.text
    assert 'value="SNV"' not in (await http.get("/admin")).text
    listed = await http.get("/admin/agencies")
    row = re.search(r'<tr data-agency="SNV">.*?</tr>', listed.text, re.S).group(0)
    assert "Ngừng hoạt động" in row and 'type="checkbox"' not in row


async def test_csv_import_is_all_or_nothing_and_names_every_bad_row(site, uow_factory) -> None:
    _world, http, csrf = site
    before = await _abbreviations(uow_factory)
    bad = await http.post("/admin/agencies/import", data={"csrf": csrf},
                          files={"file": ("co-quan.csv", BAD_CSV.encode(), "text/csv")})
    assert bad.status_code == 400
    assert "Chưa nhập cơ quan nào: tệp có 2 lỗi" in bad.text
    assert "Dòng 3: thiếu giá trị cho abbreviation." in bad.text
    assert "Dòng 4: level phải là province hoặc commune" in bad.text
    latin1 = await http.post("/admin/agencies/import", data={"csrf": csrf},
                             files={"file": ("x.csv", "Sở Nội vụ".encode("utf-16"), "text/csv")})
    assert latin1.status_code == 400 and "không phải văn bản UTF-8" in latin1.text
    forged = await http.post("/admin/agencies/import", data={"csrf": "nope"},
                             files={"file": ("co-quan.csv", GOOD_CSV.encode(), "text/csv")})
    assert forged.status_code == 403
    huge = await http.post("/admin/agencies/import", data={"csrf": csrf},
                           files={"file": ("x.csv", b"a" * (2 * 1024 * 1024), "text/csv")})
    assert huge.status_code == 413 and "lớn quá 1 MB" in huge.text
    assert await _abbreviations(uow_factory) == before

    good = await http.post("/admin/agencies/import", data={"csrf": csrf},
                           files={"file": ("co-quan.csv", GOOD_CSV.encode("utf-8-sig"),
                                           "text/csv")}, follow_redirects=True)
    assert "Đã nhập 2 cơ quan từ tệp co-quan.csv." in good.text
    assert await _abbreviations(uow_factory) == sorted([*before, "SNV", "SYT"])


async def test_invitations_void_earlier_codes_and_print_with_qr(site, uow_factory) -> None:
    world, http, csrf = site
    sct, stc = world.agencies["SCT"], world.agencies["STC"]
    none = await http.post("/admin/invitations", data={"csrf": csrf})
    assert none.status_code == 400 and "Chưa chọn cơ quan nào" in none.text
    issued = await http.post("/admin/invitations",
                             data={"csrf": csrf, "agency": [str(sct.id), str(stc.id)]})
    assert issued.status_code == 200
    codes = dict(re.findall(r'<tr data-agency="(\w+)">.*?<strong>([A-Z0-9-]+)</strong>',
                            issued.text, re.S))
    assert set(codes) == {"SCT", "STC"}
    assert f"http://testserver/chat?start={codes['SCT']}" in issued.text
    assert issued.text.count('src="data:image/svg+xml') == 2
    async with uow_factory() as uow:  # only hashes are stored
        stored = await uow.session.execute(
            __import__("sqlalchemy").text("SELECT code_hash FROM invites"))
        assert all(codes["SCT"] not in row[0] for row in stored)

    # the earlier (printed before) code of SCT no longer binds; the new one does
    old = world.chat("old-paper")
    await old.send(world.invites["SCT1"])
    assert "hết hạn" in old.text
    fresh = world.chat("new-paper")
    await fresh.send(codes["SCT"].lower().replace("-", " "))
    assert "Sở Công Thương" in fresh.text and "hết hạn" not in fresh.text

    docx = await http.post("/admin/invitations/print",
                           data={"csrf": csrf, "sealed": re.search(
                               r'name="sealed" value="([^"]+)"', issued.text).group(1),
                                 "format": "docx"})
    assert docx.status_code == 200
    assert "Phieu-moi-tham-gia-bao-cao" in docx.headers["content-disposition"]
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "PHIẾU MỜI" in text and "1. Sở Công Thương (SCT)" in text
    assert f"Mã mời: {codes['SCT']}" in text and f"Mã mời: {codes['STC']}" in text
    assert len(document.inline_shapes) == 2  # one QR picture per agency
    forged = await http.post("/admin/invitations/print",
                             data={"csrf": csrf, "sealed": "eyJ9.abc", "format": "docx"})
    assert forged.status_code == 400 and "cấp mã mời mới" in forged.text


async def test_revoked_officer_is_refused_until_a_new_code(site, uow_factory) -> None:
    world, http, csrf = site
    sct = world.agencies["SCT"]
    officer = world.chat("sct-user")
    await officer.send(world.invites["SCT0"])
    assert "Sở Công Thương" in officer.text
    page = await http.get(f"/admin/agencies/{sct.id}")
    row = re.search(r'<tr data-officer="(\d+)">(.*?)</tr>', page.text, re.S)
    assert "Trò chuyện trên web" in row.group(2) and "Cán bộ báo cáo" in row.group(2)
    revoked = await http.post(f"/admin/agencies/{sct.id}/officers/{row.group(1)}/revoke",
                              data={"csrf": csrf}, follow_redirects=True)
    assert "Đã thu hồi quyền của" in revoked.text and "Đã thu hồi lúc" in revoked.text

    await officer.send("12")
    assert officer.text == texts.REVOKED.format(collector="Sở Khoa học và Công nghệ")
    await officer.send("tiếp tục")
    assert "bị thu hồi" in officer.text
    fresh = await http.post(f"/admin/agencies/{sct.id}/invite", data={"csrf": csrf})  # Mã mời mới
    codes = re.findall(r'<tr data-agency="(\w+)">.*?<strong>([A-Z0-9-]+)</strong>', fresh.text,
                       re.S)
    assert [a for a, _ in codes] == ["SCT"]
    await officer.send(codes[0][1])
    assert "Sở Công Thương" in officer.text and "thu hồi" not in officer.text

    async with uow_factory() as uow:
        other = await admin.add_agency(uow, name="Sở Khác", abbreviation="SK",
                                       governing_body="UBND", place="Đồng Nai", signer_name="A")
        await uow.commit()
    wrong = await http.post(f"/admin/agencies/{other.id}/officers/{row.group(1)}/revoke",
                            data={"csrf": csrf})
    assert wrong.status_code == 404


NEW_PAGES = [
    ("GET", "/admin/agencies"), ("POST", "/admin/agencies"), ("POST", "/admin/agencies/import"),
    ("GET", "/admin/agencies/1"), ("POST", "/admin/agencies/1"),
    ("POST", "/admin/agencies/1/active"), ("POST", "/admin/agencies/1/invite"),
    ("POST", "/admin/agencies/1/officers/1/revoke"), ("POST", "/admin/invitations"),
    ("POST", "/admin/invitations/print"), ("GET", "/admin/templates"),
    ("POST", "/admin/templates/upload"), ("POST", "/admin/templates/trial"),
    ("GET", "/admin/templates/mini"), ("POST", "/admin/templates/mini/retire"),
]


async def test_new_pages_need_a_dic_session_and_their_forms_the_csrf_token(
    site, uow_factory
) -> None:
    _, http, csrf = site
    async with httpx.AsyncClient(transport=http._transport, base_url="http://testserver") as anon:
        for method, path in NEW_PAGES:
            reply = await anon.request(method, path, data={"csrf": csrf})
            assert reply.status_code == 401, (method, path)
            assert "Phiên đăng nhập không còn hiệu lực" in reply.text
    before = await _abbreviations(uow_factory)
    for method, path in NEW_PAGES:
        if method == "POST" and path not in ("/admin/agencies/import", "/admin/templates/upload"):
            reply = await http.post(path, data={"csrf": "forged"})
            assert reply.status_code == 403 and "Biểu mẫu đã hết hạn" in reply.text, path
    assert await _abbreviations(uow_factory) == before
