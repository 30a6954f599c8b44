"""Operator and DIC use cases: agencies, invites, templates, rounds.

Plain async functions taking a :class:`storage.uow.SqlUnitOfWork` and values;
the caller commits. Errors meant for the operator are :class:`AdminError` with a
Vietnamese message (the CLI prints it as is).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from dialogs.domain import Agency, Assignment, Round
from dialogs.phone import normalize_phone
from storage.invites import generate_invite_code, hash_invite_code
from storage.records import AnswerChange, TemplateSource
from storage.rows import AGENCY_FIELDS
from storage.uow import SqlUnitOfWork

LEVELS = ("province", "commune")
ROLES = ("officer", "dic")
#: CSV columns for :func:`import_agencies_csv` (the first five are required; ``phone``:
#: the reporting officer's mobile, for ZNS reminders).
AGENCY_CSV_FIELDS = (*AGENCY_FIELDS, "phone")
_REQUIRED_CSV_FIELDS = AGENCY_CSV_FIELDS[:5]
_TRUE = {"1", "true", "yes", "y", "x", "có", "co", "đúng"}
_FALSE = {"", "0", "false", "no", "n", "không", "khong", "sai"}


class AdminError(ValueError):
    """An operator mistake, explained in Vietnamese."""


# --- agencies ---------------------------------------------------------------------


async def add_agency(
    uow: SqlUnitOfWork,
    *,
    name: str,
    abbreviation: str,
    governing_body: str,
    place: str,
    signer_name: str,
    signer_position: str = "GIÁM ĐỐC",
    signer_authority: str | None = None,
    drafting_unit: str = "VP",
    level: str = "province",
    is_collector: bool = False,
) -> Agency:
    """Register an agency; refuses an abbreviation that is already taken."""
    values = _agency_values(
        name=name,
        abbreviation=abbreviation,
        governing_body=governing_body,
        place=place,
        signer_name=signer_name,
        signer_position=signer_position,
        signer_authority=signer_authority,
        drafting_unit=drafting_unit,
        level=level,
        is_collector=is_collector,
    )
    existing = await uow.agencies.by_abbreviation(values["abbreviation"])
    if existing is not None:
        raise AdminError(f"Đã có cơ quan với tên viết tắt {existing.abbreviation}.")
    return await uow.agencies.save(values)


async def list_agencies(uow: SqlUnitOfWork) -> list[Agency]:
    return await uow.agencies.list()


async def import_agencies_csv(uow: SqlUnitOfWork, path: str | Path) -> list[Agency]:
    """Add or update (by abbreviation) the agencies listed in a UTF-8 CSV file.

    The header row names the columns (:data:`AGENCY_CSV_FIELDS`; the first five
    are required). The whole file is checked before anything is written; bad rows
    raise :class:`AdminError` naming the file and each bad line.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AdminError(f"Không đọc được tệp {path}: {exc}") from exc
    rows, problems = check_agencies_csv(text)
    if problems:
        raise AdminError("\n".join(f"{path}:{line}: {message}" for line, message in problems))
    return await save_checked_agencies(uow, rows)


def check_agencies_csv(text: str) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """The agencies a CSV text describes, and every problem found as (line, message).

    Shared by ``baocao agencies import`` and the dashboard's import: a file with
    any problem is imported not at all.
    """
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [f for f in _REQUIRED_CSV_FIELDS if f not in header]
    if missing:
        return [], [(1, f"thiếu cột {', '.join(missing)}.")]
    unknown = [h for h in header if h and h not in AGENCY_CSV_FIELDS]
    if unknown:
        return [], [(1, f"cột không hợp lệ {', '.join(unknown)}.")]
    rows: list[dict[str, Any]] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue  # blank line
        if None in record:
            problems.append((line, "dòng có nhiều cột hơn tiêu đề."))
            continue
        cells = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        try:
            values = _agency_values(
                name=cells["name"],
                abbreviation=cells["abbreviation"],
                governing_body=cells["governing_body"],
                place=cells["place"],
                signer_name=cells["signer_name"],
                signer_position=cells.get("signer_position") or "GIÁM ĐỐC",
                signer_authority=cells.get("signer_authority") or None,
                drafting_unit=cells.get("drafting_unit") or "VP",
                level=cells.get("level") or "province",
                is_collector=_parse_bool(cells.get("is_collector", "")),
            )
        except AdminError as exc:
            problems.append((line, str(exc)))
            continue
        abbreviation = values["abbreviation"]
        if abbreviation.upper() in seen:
            problems.append(
                (line, f"tên viết tắt {abbreviation} trùng với dòng {seen[abbreviation.upper()]}.")
            )
            continue
        seen[abbreviation.upper()] = line
        raw_phone = (cells.get("phone") or "").strip()
        if raw_phone:
            number = normalize_phone(raw_phone)
            if number is None:
                problems.append((line, f"số điện thoại {raw_phone!r} chưa đúng "
                                       "(ví dụ: 0912 345 678)."))
                continue
            values["phone"] = number
        rows.append(values)
    return rows, problems


async def save_checked_agencies(uow: SqlUnitOfWork, rows: list[dict[str, Any]],
                                now: dt.datetime | None = None) -> list[Agency]:
    """Store the rows :func:`check_agencies_csv` accepted: each agency (added, or
    updated by abbreviation) and the officer's phone number the row gives."""
    saved = []
    for values in rows:
        row = dict(values)
        phone = row.pop("phone", None)
        agency = await uow.agencies.save(row)
        if phone is not None:
            await uow.phones.set_for_agency(agency.id, phone, now or dt.datetime.now(dt.UTC))
        saved.append(agency)
    return saved


def _agency_values(**values: Any) -> dict[str, Any]:
    for name in _REQUIRED_CSV_FIELDS:
        text = values[name]
        if not isinstance(text, str) or not text.strip():
            raise AdminError(f"thiếu giá trị cho {name}.")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    # kept as written: official abbreviations mix cases ("SNgV", "SGDĐT")
    if any(ch.isspace() for ch in cleaned["abbreviation"]):
        raise AdminError(f"tên viết tắt {cleaned['abbreviation']!r} không được có khoảng trắng.")
    if cleaned["level"] not in LEVELS:
        raise AdminError(f"level phải là {' hoặc '.join(LEVELS)}, không phải {cleaned['level']!r}.")
    cleaned["signer_authority"] = cleaned["signer_authority"] or None
    return cleaned


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise AdminError(f"is_collector phải là có/không (1/0), không phải {text!r}.")


# --- invites ----------------------------------------------------------------------


async def create_invite(
    uow: SqlUnitOfWork,
    agency_id: int,
    *,
    role: str = "officer",
    now: dt.datetime,
    ttl: dt.timedelta = dt.timedelta(days=30),
) -> str:
    """Make a single-use invite for the agency and return its code.

    The plain code is returned only here; the database keeps its sha256.
    """
    if role not in ROLES:
        raise AdminError(f"Vai trò phải là {' hoặc '.join(ROLES)}, không phải {role!r}.")
    if await uow.agencies.get(agency_id) is None:
        raise AdminError(f"Không có cơ quan số {agency_id}.")
    code = generate_invite_code()
    await uow.invites.add(hash_invite_code(code), agency_id, role, now, now + ttl)
    return code


# --- templates --------------------------------------------------------------------


async def save_template_source(
    uow: SqlUnitOfWork,
    template_id: str,
    version: int,
    name: str,
    source: str,
    *,
    now: dt.datetime | None = None,
) -> TemplateSource:
    """Keep the YAML text of a template version (replacing the same id+version)."""
    return await uow.templates.save_source(
        template_id, version, name, source, now or dt.datetime.now(dt.UTC)
    )


# --- rounds -----------------------------------------------------------------------


async def open_round(
    uow: SqlUnitOfWork,
    *,
    template_id: str,
    template_version: int,
    period_label: str,
    period_start: dt.date,
    period_end: dt.date,
    deadline: dt.date,
    agency_ids: list[int],
    province: str,
    collector: str,
    now: dt.datetime,
    actor_officer_id: int | None = None,
) -> Round:
    """Open a reporting round with one not-started assignment per agency."""
    if period_end < period_start:
        raise AdminError("Ngày kết thúc kỳ báo cáo phải sau ngày bắt đầu.")
    if not agency_ids:
        raise AdminError("Đợt báo cáo cần ít nhất một cơ quan.")
    known = {a.id for a in await uow.agencies.list()}  # one query for thousands
    for agency_id in agency_ids:
        if agency_id not in known:
            raise AdminError(f"Không có cơ quan số {agency_id}.")
    round_ = await uow.rounds.add(
        {
            "template_id": template_id,
            "template_version": template_version,
            "period_label": period_label,
            "period_start": period_start,
            "period_end": period_end,
            "deadline": deadline,
            "status": "open",
            "province": province,
            "collector": collector,
        },
        agency_ids,
        now,
    )
    await uow.audit.add(
        "round.open",
        "round",
        round_.id,
        actor_officer_id=actor_officer_id,
        now=now,
        detail={"template_id": template_id, "agencies": sorted(set(agency_ids))},
    )
    return round_


async def set_deadline(
    uow: SqlUnitOfWork,
    round_id: int,
    deadline: dt.date,
    *,
    now: dt.datetime,
    actor_officer_id: int | None = None,
) -> Round:
    """Move a round's deadline (audited)."""
    old = await _existing_round(uow, round_id)
    round_ = await uow.rounds.update(round_id, deadline=deadline)
    await uow.audit.add(
        "round.deadline",
        "round",
        round_id,
        actor_officer_id=actor_officer_id,
        now=now,
        detail={"old": old.deadline.isoformat(), "new": deadline.isoformat()},
    )
    return round_


async def close_round(
    uow: SqlUnitOfWork, round_id: int, *, now: dt.datetime, actor_officer_id: int | None = None
) -> Round:
    """Close a round: it no longer appears among the agencies' open assignments."""
    await _existing_round(uow, round_id)
    round_ = await uow.rounds.update(round_id, status="closed")
    await uow.audit.add("round.close", "round", round_id, actor_officer_id=actor_officer_id,
                        now=now)
    return round_


async def _existing_round(uow: SqlUnitOfWork, round_id: int) -> Round:
    round_ = await uow.rounds.get(round_id)
    if round_ is None:
        raise AdminError(f"Không có đợt báo cáo số {round_id}.")
    return round_


async def list_rounds(uow: SqlUnitOfWork) -> list[Round]:
    """All rounds, newest first."""
    return await uow.rounds.list()


async def list_assignments(uow: SqlUnitOfWork, round_id: int) -> list[Assignment]:
    return await uow.assignments.list(round_id)


async def answer_history(uow: SqlUnitOfWork, assignment_id: int) -> list[AnswerChange]:
    """Every change of the assignment's answers (old, new, who, when), oldest first."""
    return await uow.answers.history(assignment_id)
