"""A figure so large that a computed value overflows is refused with a Vietnamese
reply and not stored (issue 19, item 4): overflow is an error, never a value."""

from __future__ import annotations

from typing import Any

from dialogs import texts
from dialogs.loader import load_template_text
from tests.integration.dialogs.conftest import make_world

POWER = " * ".join(["kinh_phi"] * 24)  # (10^15)^24 is far beyond a float
TEMPLATE = f"""
id: tran_so
name: Thử số lớn
subject: Thử {{period}}
sections:
  - id: phan_1
    title: SỐ LIỆU
    items:
      - {{id: kinh_phi, type: decimal, prompt: "Kinh phí (đồng)?", required: true}}
      - {{id: luy_thua, type: computed, prompt: Lũy thừa, expression: "{POWER}"}}
      - {{id: ghi_chu, type: text, prompt: "Ghi chú?"}}
"""


async def test_an_overflowing_computed_value_refuses_the_answer(uow_factory: Any) -> None:
    world = await make_world(uow_factory, load_template_text(TEMPLATE))
    chat = world.chat("officer-sct")
    await chat.send(world.invites["SCT0"])
    assert "Kinh phí (đồng)?" in chat.text

    await chat.send("900.000.000.000.000")

    assert texts.CANNOT_COMPUTE in chat.text
    assert "Kinh phí (đồng)?" in chat.text  # asked again
    assert "kinh_phi" not in await world.answers("SCT")

    await chat.send("1.500.000")
    assert "Ghi chú?" in chat.text
    assert (await world.answers("SCT"))["kinh_phi"] == 1_500_000
