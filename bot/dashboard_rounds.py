"""The dashboard's round forms and round details: reading the "open a round" form
into a :class:`bot.round_service.RoundRequest` (the same request ``baocao round
open`` builds), describing a reminder policy, and the round's audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.reminders import ReminderError, ReminderPolicy
from bot.round_service import RoundRequest
from dialogs.domain import Agency
from dialogs.references import (
    DocumentReferences,
    ReferencesError,
    parse_references,
    parse_request,
)
from dialogs.schema import Template
from storage.records import AuditEntry

__all__ = [
    "PERIOD_CHOICES",
    "RoundForm",
    "blank_round_form",
    "policy_text",
    "read_round_form",
    "round_log",
]

# (form value, label shown, the Decree-09 period text for a year; None: ad hoc)
PERIOD_CHOICES: tuple[tuple[str, str, str | None], ...] = (
    ("annual", "Năm (15/12 năm trước – 14/12)", "năm {year}"),
    ("half_year", "6 tháng đầu năm (15/12 năm trước – 14/6)", "6 tháng đầu năm {year}"),
    ("nine_months", "9 tháng đầu năm (15/12 năm trước – 14/9)", "9 tháng đầu năm {year}"),
    ("q1", "Quý I (15/12 năm trước – 14/3)", "quý I năm {year}"),
    ("q2", "Quý II (15/3 – 14/6)", "quý II năm {year}"),
    ("q3", "Quý III (15/6 – 14/9)", "quý III năm {year}"),
    ("q4", "Quý IV (15/9 – 14/12)", "quý IV năm {year}"),
    ("ad_hoc", "Đột xuất (ghi tên kỳ, ngày đầu và ngày cuối kỳ)", None),
)
_PERIOD_TEXT = {value: text for value, _, text in PERIOD_CHOICES}
DEFAULT_REMIND_DAYS = ",".join(str(d) for d in ReminderPolicy().days_before)

_ACTIONS = {
    "round.open": "Mở đợt báo cáo",
    "round.deadline": "Đổi hạn nộp",
    "round.close": "Đóng đợt báo cáo",
}


@dataclass
class RoundForm:
    values: dict[str, Any]  # what the form shows (the user's input after a mistake)
    problems: dict[str, str]  # field -> Vietnamese message
    request: RoundRequest


def blank_round_form(templates: Sequence[Template], agencies: Sequence[Agency],
                     today: dt.date) -> dict[str, Any]:
    """The form's first values: every agency ticked, the default reminder policy."""
    return {
        "template": templates[0].id if templates else "", "period_kind": "annual",
        "year": str(today.year), "adhoc_label": "", "period_from": "", "period_to": "",
        "deadline": "", "agencies": {a.abbreviation for a in agencies},
        "reminders": True, "remind_days": DEFAULT_REMIND_DAYS, "overdue": True,
        "requests": "", "grounds": "", "recipients": "",
    }


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def read_round_form(fields: Mapping[str, str], agencies: Sequence[str]) -> RoundForm:
    """The request the form describes, and the mistakes that stop it before the
    service's own checks (a missing date, a malformed year or day list)."""
    def get(name: str) -> str:
        return fields.get(name, "").strip()

    values: dict[str, Any] = {
        "template": get("template"), "period_kind": get("period_kind"), "year": get("year"),
        "adhoc_label": get("adhoc_label"), "period_from": get("period_from"),
        "period_to": get("period_to"), "deadline": get("deadline"),
        "agencies": {a.strip().upper() for a in agencies},
        "reminders": "reminders" in fields, "remind_days": get("remind_days"),
        "overdue": "overdue" in fields,
        "requests": get("requests"), "grounds": get("grounds"),
        "recipients": get("recipients"),
    }
    problems: dict[str, str] = {}
    period, period_from, period_to = "", None, None
    kind = values["period_kind"]
    if kind == "ad_hoc":
        period = values["adhoc_label"]
        period_from, period_to = _date(values["period_from"]), _date(values["period_to"])
        if period_from is None or period_to is None:
            problems["period"] = "Kỳ đột xuất cần cả ngày đầu kỳ và ngày cuối kỳ."
    elif _PERIOD_TEXT.get(kind):
        year = values["year"]
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            problems["period"] = "Năm báo cáo phải là số có 4 chữ số, ví dụ 2026."
        period = str(_PERIOD_TEXT[kind]).format(year=year)
    else:
        problems["period"] = "Chưa chọn kỳ báo cáo."
    deadline = _date(values["deadline"])
    if deadline is None:
        problems["deadline"] = ("Chưa nhập hạn nộp." if not values["deadline"]
                                else "Hạn nộp không hợp lệ.")
    try:
        policy = ReminderPolicy.parse_days(values["remind_days"], overdue=values["overdue"],
                                           enabled=values["reminders"])
    except ReminderError as exc:
        problems["reminders"] = str(exc)
        policy = ReminderPolicy()
    references = None
    try:
        references = _references(values)
    except ReferencesError as exc:
        problems["references"] = str(exc)
    request = RoundRequest(
        template_id=values["template"], period=period, deadline=deadline or dt.date.max,
        agencies=list(agencies), period_from=period_from, period_to=period_to, policy=policy,
        references=references,
    )
    return RoundForm(values, problems, request)


def _references(values: Mapping[str, Any]) -> DocumentReferences:
    """Request documents (one per line: "số ký hiệu | ngày | cơ quan | trích yếu"),
    grounds and recipients (one per line) from the form's text areas."""
    def lines(name: str) -> list[str]:
        return [x.strip() for x in str(values.get(name) or "").splitlines() if x.strip()]

    refs = parse_references({"grounds": lines("grounds"), "recipients": lines("recipients")})
    return DocumentReferences(requests=tuple(parse_request(x) for x in lines("requests")),
                              grounds=refs.grounds, recipients=refs.recipients)


def policy_text(policy: ReminderPolicy) -> str:
    """``Nhắc trước hạn 7, 3, 1 ngày; vào ngày hết hạn; hằng ngày khi đã quá hạn.``"""
    if not policy.enabled:
        return "Không tự động nhắc hạn."
    parts = [f"nhắc trước hạn {', '.join(str(d) for d in policy.days_before)} ngày"
             if policy.days_before else "không nhắc trước hạn"]
    if policy.on_deadline:
        parts.append("vào ngày hết hạn")
    parts.append("hằng ngày khi đã quá hạn" if policy.overdue else "không nhắc khi đã quá hạn")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _day(iso: Any) -> str:
    try:
        return dt.date.fromisoformat(str(iso)).strftime("%d/%m/%Y")
    except ValueError:
        return str(iso)


def round_log(entries: Sequence[AuditEntry], round_id: int, names: Mapping[int | None, str],
              tz: ZoneInfo) -> list[dict[str, str]]:
    """The round's own audit entries (opening, deadline changes, closing), oldest first."""
    rows = []
    for entry in entries:
        if entry.entity != "round" or entry.entity_id != str(round_id):
            continue
        if entry.action == "round.deadline":
            detail = f"{_day(entry.detail.get('old'))} → {_day(entry.detail.get('new'))}"
        elif entry.action == "round.open":
            detail = f"{len(entry.detail.get('agencies') or [])} cơ quan"
        else:
            detail = ""
        rows.append({
            "at": entry.at.astimezone(tz).strftime("%H:%M %d/%m/%Y"),
            "who": names.get(entry.actor_officer_id, "hệ thống"),
            "what": _ACTIONS.get(entry.action, entry.action), "detail": detail,
        })
    return rows
