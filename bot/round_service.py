"""Opening a reporting round and moving its deadline: the one implementation behind
``baocao round open`` / ``round deadline`` and the dashboard's forms.

Mistakes are reported as :class:`RoundError`, in Vietnamese, keyed by the input at
fault (``template``, ``period``, ``deadline``, ``agencies``) so a form can show each
message next to its field and a command line can print them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.notify import Reach
from bot.reminders import (
    PlanResult,
    ReminderDeps,
    ReminderPolicy,
    announce_round,
    load_policy,
    plan_round,
    save_policy,
)
from dialogs.domain import Agency, Round
from dialogs.periods import PeriodError, parse_period
from dialogs.schema import Template
from storage import admin
from storage.uow import SqlUnitOfWork

__all__ = [
    "OpenedRound",
    "ResolvedRound",
    "RoundError",
    "RoundRequest",
    "move_deadline",
    "open_round",
    "resolve_round",
]

_KIND_RULES = {
    "annual": "chỉ dùng cho kỳ báo cáo năm",
    "other": "dùng cho kỳ 6 tháng, 9 tháng hoặc quý",
}


class RoundError(ValueError):
    """Operator mistakes: ``problems`` maps an input name to its Vietnamese message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))


@dataclass(frozen=True)
class RoundRequest:
    template_id: str
    period: str  # a Decree-09 period ("quý III năm 2026"), or an ad-hoc period's name
    deadline: dt.date
    agencies: Sequence[str] | None = None  # abbreviations; None: all but the collector
    period_from: dt.date | None = None  # both set: an ad-hoc period
    period_to: dt.date | None = None
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    #: Request documents, grounds and recipients (``dialogs.references``); None: none.
    references: Any = None


@dataclass(frozen=True)
class ResolvedRound:
    template: Template
    label: str
    start: dt.date
    end: dt.date
    deadline: dt.date
    agencies: list[Agency]
    policy: ReminderPolicy


@dataclass(frozen=True)
class OpenedRound:
    round: Round
    template: Template
    agencies: list[Agency]
    reach: dict[int, Reach]  # agency id -> who the "new round" notice was queued for

    @property
    def officers_told(self) -> int:
        return sum(len(r.queued) + r.duplicates for r in self.reach.values())

    @property
    def unreachable(self) -> list[str]:
        """Abbreviations of the agencies without a reachable officer."""
        names = {a.id: a.abbreviation for a in self.agencies}
        return sorted(names[a] for a, r in self.reach.items() if not r.reachable)


def _period(
    request: RoundRequest, template: Template | None, problems: dict[str, str]
) -> tuple[str, dt.date, dt.date] | None:
    if request.period_from or request.period_to:
        label = request.period.strip()
        if not (request.period_from and request.period_to):
            problems["period"] = "Kỳ đột xuất cần cả ngày đầu kỳ và ngày cuối kỳ."
        elif not label:
            problems["period"] = "Cần đặt tên cho kỳ đột xuất, ví dụ \"tháng 10 năm 2026\"."
        elif request.period_to < request.period_from:
            problems["period"] = "Ngày cuối kỳ phải sau ngày đầu kỳ."
        else:
            return label, request.period_from, request.period_to
        return None
    try:
        parsed = parse_period(request.period)
    except PeriodError as exc:
        problems["period"] = str(exc)
        return None
    if template is not None and template.period_kind != "ad_hoc":
        annual = template.period_kind == "annual"
        if annual != (parsed.kind == "annual"):
            rule = _KIND_RULES["annual" if annual else "other"]
            problems["period"] = f"Mẫu {template.id} {rule}, không dùng cho {parsed.label!r}."
            return None
    return parsed.label, parsed.start, parsed.end


def _agencies(request: RoundRequest, known: Sequence[Agency],
              problems: dict[str, str]) -> list[Agency]:
    if request.agencies is None:
        chosen = [a for a in known if not a.is_collector]
        if not chosen:
            problems["agencies"] = "Chưa có cơ quan nào để giao báo cáo."
        return chosen
    by_abbr = {a.abbreviation: a for a in known}
    wanted = list(dict.fromkeys(w.strip().upper() for w in request.agencies if w.strip()))
    missing = [w for w in wanted if w not in by_abbr]
    if missing:
        problems["agencies"] = f"Không có cơ quan: {', '.join(missing)}."
    elif not wanted:
        problems["agencies"] = "Chưa chọn cơ quan nào."
    return [by_abbr[w] for w in wanted if w in by_abbr]


def resolve_round(
    request: RoundRequest, *, templates: Mapping[str, Template], agencies: Sequence[Agency]
) -> ResolvedRound:
    """Check every input at once; raise :class:`RoundError` listing each mistake."""
    problems: dict[str, str] = {}
    template = templates.get(request.template_id)
    if template is None:
        problems["template"] = (f"Không có mẫu báo cáo {request.template_id!r}. "
                                f"Có: {', '.join(sorted(templates))}.")
    period = _period(request, template, problems)
    if period is not None and request.deadline < period[2]:
        problems["deadline"] = (f"Hạn nộp {request.deadline:%d/%m/%Y} trước ngày cuối kỳ "
                                f"{period[2]:%d/%m/%Y}.")
    chosen = _agencies(request, agencies, problems)
    if problems:
        raise RoundError(problems)
    assert template is not None and period is not None
    label, start, end = period
    return ResolvedRound(template, label, start, end, request.deadline, chosen, request.policy)


async def open_round(
    uow: SqlUnitOfWork, deps: ReminderDeps, request: RoundRequest, *, province: str,
    collector: str, now: dt.datetime, actor_officer_id: int | None = None,
) -> OpenedRound:
    """Open the round, store its reminder policy, plan its reminders and queue the
    "new round" notice for every officer (in the caller's transaction)."""
    refresh = getattr(deps.templates, "refresh", None)  # a template published elsewhere
    if refresh is not None:
        await refresh(uow=uow)
    spec = resolve_round(request, templates=deps.templates, agencies=await uow.agencies.list())
    try:
        round_ = await admin.open_round(
            uow, template_id=spec.template.id, template_version=spec.template.version,
            period_label=spec.label, period_start=spec.start, period_end=spec.end,
            deadline=spec.deadline, agency_ids=[a.id for a in spec.agencies],
            province=province, collector=collector, now=now, actor_officer_id=actor_officer_id,
        )
    except admin.AdminError as exc:
        raise RoundError({"round": str(exc)}) from exc
    await save_policy(uow, round_.id, spec.policy, now=now)
    if request.references is not None and not request.references.empty:

        await uow.references.set_round(round_.id, request.references, now=now)
    await plan_round(uow, round_.id, calendar=deps.calendar, now=now)
    reach = await announce_round(uow, deps, round_.id, now=now)
    return OpenedRound(round_, spec.template, spec.agencies, reach)


async def move_deadline(
    uow: SqlUnitOfWork, deps: ReminderDeps, round_id: int, deadline: dt.date, *,
    now: dt.datetime, actor_officer_id: int | None = None,
) -> tuple[Round, PlanResult]:
    """Move the deadline (audited, old → new) and re-plan the round's reminders."""
    round_ = await uow.rounds.get(round_id)
    if round_ is None:
        raise RoundError({"round": f"Không có đợt báo cáo số {round_id}."})
    if deadline < round_.period_end:
        raise RoundError({"deadline": f"Hạn nộp {deadline:%d/%m/%Y} trước ngày cuối kỳ "
                                      f"{round_.period_end:%d/%m/%Y}."})
    round_ = await admin.set_deadline(uow, round_id, deadline, now=now,
                                      actor_officer_id=actor_officer_id)
    await save_policy(uow, round_id, await load_policy(uow, round_id), now=now)
    result = await plan_round(uow, round_id, calendar=deps.calendar, now=now)
    return round_, result
