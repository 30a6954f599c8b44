"""Translating engine messages for the Zalo channels: buttons, typed commands, limits,
webhook signatures and event parsing."""

from __future__ import annotations

import hashlib
import json

from bot.channels import zalo_bot, zalo_oa
from bot.channels.textbuttons import callback_for_typed, split_text, typed_hint
from dialogs.messages import Button, Outbound

CONFIG = zalo_oa.OAConfig(app_id="123", secret_key="oa-secret", app_secret="s",
                          access_token="a", refresh_token="r")


def test_signature_is_mac_of_app_id_body_timestamp_and_secret() -> None:
    body = b'{"event_name":"user_send_text","timestamp":"1700000000000"}'
    expected = "mac=" + hashlib.sha256(b"123" + body + b"1700000000000oa-secret").hexdigest()
    assert zalo_oa.verify_signature(CONFIG, body, expected) == json.loads(body)
    # sources disagree on the prefix and the case: with or without mac=, any case
    assert zalo_oa.verify_signature(CONFIG, body, expected.upper()) == json.loads(body)
    assert zalo_oa.verify_signature(CONFIG, body, expected[4:]) == json.loads(body)
    flipped = expected[:-1] + ("1" if expected[-1] == "0" else "0")
    assert zalo_oa.verify_signature(CONFIG, body, flipped) is None
    assert zalo_oa.verify_signature(CONFIG, body + b" ", expected) is None
    assert zalo_oa.verify_signature(CONFIG, body, None) is None


def test_button_payloads_and_typed_choices_come_back_as_callbacks() -> None:
    def event(text: str) -> dict:
        return {"event_name": "user_send_text", "sender": {"id": "u1"},
                "message": {"text": text, "msg_id": "m1"}}

    tapped = zalo_oa.parse_event(event("#b:ans:1@q:nguon_kinh_phi"))
    assert tapped is not None and tapped.callback == "ans:1@q:nguon_kinh_phi"
    assert tapped.message_id == "m1" and tapped.text is None
    chosen = zalo_oa.parse_event(event("Chọn 12"))
    assert chosen is not None and chosen.callback == "cmd:continue:12"
    typed = zalo_oa.parse_event(event("25.430"))
    assert typed is not None and typed.text == "25.430" and typed.callback is None
    assert zalo_oa.parse_event({**event("x"), "event_name": "oa_send_text"}) is None
    assert zalo_oa.parse_event({"event_name": "user_seen_message"}) is None


def test_at_most_five_buttons_answers_first_the_rest_as_words() -> None:
    rows = [[Button(str(n), f"cmd:edit:{n}") for n in range(1, 13)],
            [Button("Có", "ans:1@q:x"), Button("Không", "ans:0@q:x")],
            [Button("◀ Quay lại", "cmd:back"), Button("Bỏ qua", "cmd:skip"),
             Button("Xem lại", "cmd:review"), Button("Nộp báo cáo", "cmd:submit")]]
    messages = zalo_oa.render(Outbound("Câu 7/51 · Có hay không?", rows))
    assert len(messages) == 1
    buttons = messages[0]["attachment"]["payload"]["buttons"]
    assert [b["title"] for b in buttons] == ["Có", "Không", "◀ Quay lại", "Bỏ qua", "Xem lại"]
    assert all(b["type"] == "oa.query.hide" for b in buttons)
    assert messages[0]["text"].endswith("Gõ: sửa <số câu> · nộp")


def test_long_text_is_split_and_buttons_ride_on_the_last_piece() -> None:
    text = "\n".join(f"Dòng {i}: " + "x" * 90 for i in range(50))
    messages = zalo_oa.render(Outbound(text, [[Button("Xem lại", "cmd:review")]]))
    assert len(messages) == 3 and all(len(m["text"]) <= 2000 for m in messages)
    assert "attachment" not in messages[0] and "attachment" in messages[-1]


def test_split_text_never_exceeds_the_limit_even_without_spaces() -> None:
    assert [len(p) for p in split_text("a" * 4500, 2000)] == [2000, 2000, 500]
    assert split_text("", 2000) == [""]


def test_typed_hint_words() -> None:
    buttons = [Button("Xác nhận nộp", "cmd:confirm"), Button("Xem lại", "cmd:cancel"),
               Button("Sửa câu 4", "cmd:edit:4"), Button("Sở Y tế năm 2026", "cmd:continue:9")]
    assert typed_hint(buttons) == "Gõ: xác nhận · hủy · sửa 4 · chọn 9 (Sở Y tế năm 2026)"
    assert typed_hint([Button("Có", "ans:1@q:x")]) == ""
    assert callback_for_typed("chọn 9") == "cmd:continue:9"
    assert callback_for_typed("chọn cái này") is None


def test_bot_updates_are_read_with_or_without_the_wrapper() -> None:
    update = {"event_name": "message.text.received",
              "message": {"from": {"id": "u7", "display_name": "Lan"},
                          "chat": {"id": "u7", "chat_type": "PRIVATE"},
                          "text": "xem lại", "message_id": "42"}}
    for payload in (update, {"ok": True, "result": update}):
        unwrapped = zalo_bot.unwrap(payload)
        assert unwrapped is not None
        inbound = zalo_bot.parse_update(unwrapped)
        assert inbound is not None
        assert (inbound.user_id, inbound.text, inbound.message_id, inbound.display_name) == (
            "u7", "xem lại", "42", "Lan")
    group = {**update, "message": {**update["message"],
                                   "chat": {"id": "g1", "chat_type": "GROUP"}}}
    assert zalo_bot.parse_update(group) is None
