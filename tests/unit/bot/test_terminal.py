"""How the terminal shows buttons and turns typed lines back into taps."""

from __future__ import annotations

from pathlib import Path

from bot.terminal import Keyboard, format_replies
from dialogs.messages import Button, DocumentRef, Outbound

YES_NO = Outbound(
    "Câu 14/51 · II. Hạ tầng kỹ thuật\nCó tường lửa không?",
    [
        [Button("Có", "ans:1@q:tuong_lua"), Button("Không", "ans:0@q:tuong_lua")],
        [Button("◀ Quay lại", "cmd:back"), Button("Bỏ qua", "cmd:skip")],
    ],
)
INTEGER = Outbound(
    "Câu 3/51 · II. Hạ tầng kỹ thuật\nTổng số CBCC?",
    [[Button("Giữ như kỳ trước", "cmd:keep")], [Button("◀ Quay lại", "cmd:back")]],
)
REVIEW = Outbound(
    "XEM LẠI BÁO CÁO",
    [[Button("1", "cmd:edit:1"), Button("2", "cmd:edit:2")], [Button("Nộp báo cáo", "cmd:submit")]],
)


def test_buttons_are_numbered_lines_and_text_keeps_its_newlines() -> None:
    shown = format_replies([YES_NO], {})
    assert shown.splitlines()[:4] == [
        "Câu 14/51 · II. Hạ tầng kỹ thuật",
        "Có tường lửa không?",
        "[1] Có   [2] Không",
        "[3] ◀ Quay lại   [4] Bỏ qua",
    ]


def test_bracketed_number_taps_the_button_shown_with_it() -> None:
    keyboard = Keyboard.of([YES_NO])
    assert keyboard.resolve("[2]") == "ans:0@q:tuong_lua"
    assert keyboard.resolve("[4]") == "cmd:skip"
    assert keyboard.resolve("[9]") is None


def test_bare_number_picks_a_choice_only_when_the_question_has_choices() -> None:
    assert Keyboard.of([YES_NO]).resolve("1") == "ans:1@q:tuong_lua"
    # On a number question "1" is the answer 1, not the first button.
    assert Keyboard.of([INTEGER]).resolve("1") is None


def test_typing_a_label_taps_it_regardless_of_case_and_accents() -> None:
    keyboard = Keyboard.of([INTEGER])
    assert keyboard.resolve("giu nhu ky truoc") == "cmd:keep"
    assert keyboard.resolve("GIỮ NHƯ KỲ TRƯỚC") == "cmd:keep"
    assert keyboard.resolve("25.430") is None


def test_review_numbers_are_listed_compactly_and_typed_as_is() -> None:
    shown = format_replies([REVIEW], {})
    assert "Gõ số câu để sửa: 1 2" in shown
    assert "[1] Nộp báo cáo" in shown
    keyboard = Keyboard.of([REVIEW])
    assert keyboard.resolve("2") == "cmd:edit:2"
    assert keyboard.resolve("[1]") == "cmd:submit"


def test_document_is_reported_with_the_saved_path(tmp_path: Path) -> None:
    out = Outbound("Đã nộp báo cáo.", document=DocumentRef(5, "BC-SCT.docx"))
    path = tmp_path / "exports" / "BC-SCT.docx"
    assert f"Đã lưu báo cáo: {path}" in format_replies([out], {5: path})
    assert "Không lưu được tệp BC-SCT.docx." in format_replies([out], {})
