"""Audit details an officer can read: which cells of a table or items of a list
changed (row, column, old → new), and submissions, returns and deadline changes in
Vietnamese rather than ``key=value`` pairs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dialogs.schema import Question, QuestionType
from dialogs.values import display_value
from dialogs.vn import format_date

EMPTY = "(trống)"
STATUSES = {"not_started": "chưa bắt đầu", "in_progress": "đang làm", "submitted": "đã nộp",
            "returned": "trả lại để sửa"}


def _shown(spec: Any, value: Any) -> str:
    if value is None:
        return EMPTY
    try:
        return display_value(spec, value) or str(value)
    except (KeyError, ValueError, TypeError):
        return str(value)


def answer_change(question: Question | None, old: Any, new: Any) -> str:
    """'Số văn bản: dòng “Văn phòng”, cột “Tổng”: 25.430 → 25.431' and the like."""
    if question is None:
        return f"{EMPTY if old is None else old} → {EMPTY if new is None else new}"
    label = question.short_label
    if question.type == QuestionType.TABLE and isinstance(old or {}, dict) \
            and isinstance(new or {}, dict):
        cells = _table_changes(question, old or {}, new or {})
        return f"{label}: " + ("; ".join(cells) if cells else "không đổi")
    if question.type == QuestionType.REPEAT and isinstance(old or [], list) \
            and isinstance(new or [], list):
        items = _repeat_changes(question, old or [], new or [])
        return f"{label}: " + ("; ".join(items) if items else "không đổi")
    return f"{label}: {_shown(question, old)} → {_shown(question, new)}"


def _table_changes(q: Question, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = []
    for row in q.rows:
        before, after = old.get(row.id) or {}, new.get(row.id) or {}
        for column in q.columns:
            a, b = before.get(column.id), after.get(column.id)
            if a != b:
                name = f"{column.group} – {column.label}" if column.group else column.label
                out.append(f"dòng “{row.label}”, cột “{name}”: "
                           f"{_shown(column, a)} → {_shown(column, b)}")
    return out


def _repeat_changes(q: Question, old: list[Any], new: list[Any]) -> list[str]:
    out = []
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) and isinstance(old[i], dict) else None
        b = new[i] if i < len(new) and isinstance(new[i], dict) else None
        if a == b:
            continue
        if a is None and b is not None:
            out.append(f"thêm mục {i + 1}: " + _item(q, b))
        elif b is None and a is not None:
            out.append(f"xóa mục {i + 1}: " + _item(q, a))
        else:
            assert a is not None and b is not None
            for field in q.fields:
                if a.get(field.id) != b.get(field.id):
                    out.append(f"mục {i + 1}, “{field.label}”: {_shown(field, a.get(field.id))}"
                               f" → {_shown(field, b.get(field.id))}")
    return out


def _item(q: Question, item: dict[str, Any]) -> str:
    parts = [_shown(f, item.get(f.id)) for f in q.fields if item.get(f.id) is not None]
    return "; ".join(parts) or EMPTY


def _date(value: Any) -> str:
    try:
        return format_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def entry_detail(action: str, detail: dict[str, Any]) -> str:
    """One audit entry's detail as a sentence."""
    if action == "submission.add":
        return f"bản {detail.get('version', '?')}, tệp {detail.get('filename', '')}".strip()
    if action == "submission.return":
        version = detail.get("version")
        comment = detail.get("comment")
        text = f"bản {version}" if version else ""
        if comment:
            text = f"{text}, nhận xét: {comment}" if text else f"nhận xét: {comment}"
        return text
    if action == "round.deadline":
        return f"hạn nộp {_date(detail.get('old'))} → {_date(detail.get('new'))}"
    if action == "assignment.status":
        old, new = detail.get("old"), detail.get("new")
        return f"{STATUSES.get(str(old), old)} → {STATUSES.get(str(new), new)}"
    if action == "round.open":
        return f"mẫu báo cáo {detail.get('template_id', '')}".strip()
    if not detail:
        return ""
    return "; ".join(f"{k}: {v}" for k, v in sorted(detail.items()))
