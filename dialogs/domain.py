"""Plain domain records shared by the engine, storage and renderers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AssignmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class Agency:
    id: int
    name: str  # "Sở Công Thương"
    abbreviation: str  # "SCT"
    governing_body: str  # "UBND TỈNH ĐỒNG NAI" as printed in the header
    place: str  # "Đồng Nai" — printed before the date
    signer_name: str  # "Nguyễn Trí Phương"
    signer_position: str = "GIÁM ĐỐC"  # "PHÓ GIÁM ĐỐC"
    signer_authority: str | None = None  # "KT. GIÁM ĐỐC"; None when the head signs
    drafting_unit: str = "VP"  # for "Lưu: VT, VP."
    level: str = "province"  # "province" (sở, ban, ngành) or "commune"
    is_collector: bool = False  # the DIC itself


@dataclass(frozen=True, slots=True)
class Officer:
    id: int
    agency_id: int
    full_name: str
    role: str = "officer"  # "officer" or "dic"


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    template_id: str
    template_version: int
    period_label: str  # "năm 2026"
    period_start: dt.date
    period_end: dt.date
    deadline: dt.date
    status: str = "open"  # "open" | "closed"
    province: str = "Đồng Nai"
    collector: str = "Sở Khoa học và Công nghệ"


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    round_id: int
    agency_id: int
    status: AssignmentStatus
    submitted_at: dt.datetime | None = None


@dataclass(slots=True)
class Conversation:
    """The persisted state of one chat identity's conversation.

    ``state`` is the FSM state name; ``step`` the cursor (a step key, see
    ``dialogs.cursor``); ``data`` small extra context (e.g. where to return
    after an edit). Nothing about a conversation lives in process memory.
    """

    channel: str
    user_id: str
    state: str = "idle"
    officer_id: int | None = None
    assignment_id: int | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # optimistic concurrency token, bumped on every save


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the renderer needs besides the template and the answers."""

    agency: Agency
    round: Round
    number: int | None = None  # None while a draft: "Số:      /BC-SCT"
    issued_on: dt.date | None = None  # None while a draft: "ngày … tháng … năm …"
    #: The round's request documents, grounds and recipients and the agency's own
    #: (``dialogs.references.DocumentReferences``); None: the template's.
    references: Any = None
    #: When the document is rendered (its file properties); None: now.
    rendered_at: dt.datetime | None = None
