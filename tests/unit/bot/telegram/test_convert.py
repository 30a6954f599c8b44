"""Translation between Telegram updates/messages and the engine's messages."""

from __future__ import annotations

from telegram import Bot, Update

from bot.channels.telegram.convert import (
    TEXT_LIMIT,
    DocumentPart,
    TextPart,
    inbound_from_update,
    keyboard,
    mark_tapped,
    plan,
    split_text,
    unplan,
)
from dialogs.messages import Button, DocumentRef, Inbound, Outbound

BOT = Bot("123:abc")
USER = {"id": 42, "is_bot": False, "first_name": "Lan", "last_name": "Nguyễn Thị"}
CHAT = {"id": 42, "type": "private", "first_name": "Lan"}


def update(data: dict) -> Update:
    parsed = Update.de_json(data, BOT)
    assert parsed is not None
    return parsed


def test_a_text_message_becomes_an_inbound_keyed_by_update_id() -> None:
    got = inbound_from_update(update({"update_id": 7, "message": {
        "message_id": 3, "date": 0, "chat": CHAT, "from": USER, "text": "/start SCT-7K4P"}}))
    assert got == Inbound("telegram", "42", text="/start SCT-7K4P", message_id="7",
                          display_name="Lan Nguyễn Thị")


def test_group_command_syntax_loses_the_bot_mention() -> None:
    group = {"id": -100, "type": "group", "title": "Tổ CNTT"}
    got = inbound_from_update(update({"update_id": 8, "message": {
        "message_id": 3, "date": 0, "chat": group, "from": USER,
        "text": "/start@baocao_bot SCT-7K4P"}}), "baocao_bot")
    assert got is not None and got.text == "/start SCT-7K4P" and got.user_id == "-100"


def test_a_tap_is_keyed_by_its_keyboard_message() -> None:
    got = inbound_from_update(update({"update_id": 9, "callback_query": {
        "id": "q1", "from": USER, "chat_instance": "c", "data": "ans:1@q:has_lan",
        "message": {"message_id": 55, "date": 0, "chat": CHAT, "text": "Câu 3"}}}))
    assert got == Inbound("telegram", "42", callback="ans:1@q:has_lan", message_id="kb:42:55",
                          display_name="Lan Nguyễn Thị")


def test_a_photo_without_caption_is_an_empty_text_and_other_updates_are_ignored() -> None:
    got = inbound_from_update(update({"update_id": 10, "message": {
        "message_id": 3, "date": 0, "chat": CHAT, "from": USER,
        "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}}))
    assert got is not None and got.text == ""
    assert inbound_from_update(update({"update_id": 11})) is None


def test_long_text_is_split_at_line_breaks_under_the_limit() -> None:
    lines = [f"Dòng {i}: " + "x" * 90 for i in range(120)]  # about 12,000 characters
    pieces = split_text("\n".join(lines))
    assert len(pieces) == 3
    assert all(len(p) <= TEXT_LIMIT for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)  # cut only between lines
    word = split_text("y" * 9000)
    assert [len(p) for p in word] == [4096, 4096, 808]


def test_plain_texts_join_the_next_message_and_the_keyboard_goes_last() -> None:
    buttons = [[Button("Có", "ans:1@q:x"), Button("Không", "ans:0@q:x")]]
    parts = plan([Outbound("Đã liên kết."), Outbound("Báo cáo năm 2026"),
                  Outbound("Câu 1/3", buttons)])
    assert parts == [TextPart("Đã liên kết.\n\nBáo cáo năm 2026\n\nCâu 1/3", buttons)]


def test_a_long_reply_is_split_and_keeps_its_keyboard_on_the_last_part() -> None:
    buttons = [[Button("Nộp báo cáo", "cmd:submit")]]
    review = "\n".join(f"{i}. Câu hỏi số {i}: " + "đ" * 60 for i in range(100))
    parts = plan([Outbound(review, buttons)])
    assert len(parts) == 2
    assert all(isinstance(p, TextPart) and len(p.text) <= TEXT_LIMIT for p in parts)
    assert [p.buttons for p in parts if isinstance(p, TextPart)] == [[], buttons]


def test_texts_too_long_together_stay_apart() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert plan([Outbound(first), Outbound(second)]) == [TextPart(first), TextPart(second)]


def test_a_document_carries_a_short_text_as_caption() -> None:
    ref = DocumentRef(5, "BC-SCT.docx", caption="Báo cáo năm 2026")
    parts = plan([Outbound("Đã nộp báo cáo (bản 1).", document=ref)])
    assert parts == [DocumentPart(ref, "Đã nộp báo cáo (bản 1).")]
    assert plan(unplan(parts)) == parts
    long_text = "x" * 1500
    parts = plan([Outbound(long_text, document=ref)])
    assert parts == [TextPart(long_text), DocumentPart(ref, "Báo cáo năm 2026")]


def test_keyboard_drops_buttons_whose_data_exceeds_64_bytes() -> None:
    markup = keyboard([[Button("Được", "cmd:back"), Button("Quá dài", "ans:" + "đ" * 40)]])
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["Được"]]
    assert keyboard([]) is None


def test_tapped_message_gets_the_choice_appended_when_it_fits() -> None:
    assert mark_tapped("Câu 3/12", "Có") == "Câu 3/12\n\n✓ Có"
    assert mark_tapped("x" * 4095, "Có") is None


def test_every_answer_button_of_the_bundled_templates_fits_telegram() -> None:
    from dialogs.commands import ans
    from dialogs.cursor import field_step, question_steps
    from dialogs.loader import load_templates
    from dialogs.schema import QuestionType

    choosing = {QuestionType.SELECT_ONE, QuestionType.YES_NO}
    checked = 0
    for template in load_templates().values():
        for q in template.iter_questions():
            steps = question_steps(q) + [field_step(q, 99, f) for f in q.fields]
            for step in steps:
                spec = step.spec
                if spec.type not in choosing:
                    continue
                values = [c.value for c in spec.choices] or ["1", "0"]
                for value in values:
                    data = ans(step.key, value)
                    assert len(data.encode("utf-8")) <= 64, (template.id, data)
                    checked += 1
    assert checked >= 15
