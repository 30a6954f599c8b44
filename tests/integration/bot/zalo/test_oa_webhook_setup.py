"""Saving the OA's webhook URL in Zalo's console, and the signature header's forms."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.bootstrap import build_app
from bot.webapp import create_web_app
from tests.support.zalo import USER, OAWorld, settings_with


async def test_the_console_can_save_the_webhook_url_and_nothing_happens(oa_world: OAWorld) -> None:
    assert await oa_world.fake.save_webhook_url(oa_world.post)
    assert oa_world.fake.count() == 0
    async with oa_world.boot.uow_factory() as uow:
        assert await uow.conversations.get("zalo_oa", USER) is None


async def test_a_non_empty_unsigned_body_is_still_refused(oa_world: OAWorld) -> None:
    body, headers = oa_world.fake.event(USER, oa_world.invites["SCT"])
    del headers["X-ZEvent-Signature"]
    assert (await oa_world.post(body, headers)).status_code == 403
    body, headers = oa_world.fake.registration_probe()
    headers["X-ZEvent-Signature"] = "mac=" + "0" * 64  # a signed {} is an event: checked
    assert (await oa_world.post(body, headers)).status_code == 403
    assert oa_world.fake.count() == 0


@pytest.mark.parametrize("form", ["mac=hex", "hex", "HEX"])
async def test_the_signature_is_accepted_with_or_without_mac_prefix(
    oa_world: OAWorld, form: str
) -> None:
    body, headers = oa_world.fake.event(USER, oa_world.invites["SCT"], signature_form=form)
    assert (await oa_world.post(body, headers)).status_code == 200
    assert any("đã được liên kết với Sở Công Thương" in t for t in oa_world.fake.texts_to(USER))


async def test_the_domain_verifier_file_is_served_at_the_site_root(
    database_url: str, tmp_path: Path,
) -> None:
    env = {"ZALO_DOMAIN_VERIFICATION_FILE": "zalo_verifierQ1w2E3r4.html",
           "ZALO_DOMAIN_VERIFICATION_CONTENT": '<meta property="zalo-platform-site-verification"'
                                               ' content="Q1w2E3r4" />'}
    boot = await build_app(settings_with(env, database_url, tmp_path), run_migrations=False)
    try:
        transport = httpx.ASGITransport(app=create_web_app(boot))
        async with httpx.AsyncClient(transport=transport, base_url="https://bot.test") as http:
            page = await http.get("/zalo_verifierQ1w2E3r4.html")
            other = await http.get("/zalo_verifierOTHER.html")
    finally:
        await boot.aclose()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'content="Q1w2E3r4"' in page.text
    assert other.status_code == 404
