"""Saving the OA's webhook URL in Zalo's console, and the signature header's forms."""

from __future__ import annotations

import pytest

from tests.support.zalo import USER, OAWorld


async def test_the_console_can_save_the_webhook_url_and_nothing_happens(oa_world: OAWorld) -> None:
    assert await oa_world.fake.save_webhook_url(oa_world.post)
    assert oa_world.fake.count() == 0
    async with oa_world.boot.uow_factory() as uow:
        assert await uow.get_conversation("zalo_oa", USER) is None


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
