"""Issue 18, point 8: invisible characters (bidi overrides and isolates, zero-width
characters, BOM) are dropped on input; the raw text stays in the audit log; none
reaches a document or the XLSX."""

from __future__ import annotations

from dialogs.invisible import strip_invisible
from dialogs.values import parse_answer
from renderers.nd30 import clean_text
from tests.integration.dialogs.conftest import World

HIDDEN = "\u202e\u2066\u200b\ufeff\u200d"


async def test_invisible_characters_are_dropped_and_the_raw_text_audited(
    world: World, uow_factory
) -> None:
    chat = world.chat("u1")
    await chat.send(world.invites["SCT0"])
    await chat.send(f"\ufeff5{HIDDEN}6\u2069")
    assert "Câu 2/12" in chat.text  # accepted as 56
    assert (await world.answers("SCT"))["staff"] == 56
    async with uow_factory() as uow:
        entries = await uow.audit.entries(entity="conversation")
    raw = [e.detail["raw"] for e in entries if e.action == "input.invisible"]
    assert raw == [f"\ufeff5{HIDDEN}6\u2069"]


def test_parser_and_documents_drop_them(mini_template) -> None:
    notes = next(q for q in mini_template.iter_questions() if q.id == "notes")
    text = f"Sở{HIDDEN} Công\u202aThương\u202c"
    assert strip_invisible(text) == "Sở CôngThương"
    assert clean_text(text) == "Sở CôngThương"
    assert parse_answer(notes, text) == "Sở CôngThương"
