"""Ports: what the core needs from the outside world, as small protocols.

``storage`` implements :class:`UnitOfWork`; tests may use fakes. The engine
never imports SQLAlchemy: it talks to these methods only.

A unit of work is used as ``async with uow_factory() as uow: ...; await uow.commit()``.
Leaving the block without ``commit()`` rolls everything back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, Self

from dialogs.domain import Agency, Assignment, Conversation, Officer, Round
from dialogs.messages import Outbound
from dialogs.references import DocumentReferences


class BindError(Exception):
    """An invite code could not be used. ``reason``: unknown | expired | used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConflictError(Exception):
    """Optimistic concurrency: the row changed since it was read."""


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    id: int
    assignment_id: int
    version: int  # 1, 2, … per assignment
    submitted_at: dt.datetime
    officer_id: int | None
    filename: str
    answers: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TurnContext:
    """What a turn starts from, read in one query: the chat identity's conversation,
    officer and agency, and the conversation's assignment with its round."""

    conversation: Conversation | None
    officer: Officer | None
    agency: Agency | None
    assignment: Assignment | None
    round: Round | None
    last_seen_at: dt.datetime | None  # when the identity last wrote (None: never/unbound)


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Timezone-aware current time."""
        ...


class UnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...

    # inbound de-duplication
    async def claim_inbound(self, channel: str, message_id: str, now: dt.datetime) -> bool:
        """Record a delivery id; False when it was already processed."""
        ...

    async def keep_replies(self, channel: str, message_id: str, payload: dict) -> None:
        """Store the replies (:func:`dialogs.messages.to_payload`) of a claimed delivery."""
        ...

    async def kept_replies(self, channel: str, message_id: str) -> dict | None:
        """The replies stored with a processed delivery id, if any."""
        ...

    async def load_turn(self, channel: str, user_id: str) -> TurnContext:
        """Everything a turn starts from, in one read (see :class:`TurnContext`)."""
        ...

    async def begin_turn(
        self, channel: str, user_id: str, message_id: str | None, now: dt.datetime
    ) -> TurnContext | None:
        """``claim_inbound`` (when there is a ``message_id``) then ``load_turn``;
        None when the delivery was processed already."""
        ...

    # conversations (one per channel identity)
    async def get_conversation(self, channel: str, user_id: str) -> Conversation | None: ...
    async def save_conversation(self, conversation: Conversation) -> None:
        """Insert or update; raises ConflictError if ``version`` is stale. Bumps version."""
        ...

    # identities and invites
    async def bind_invite(
        self, code: str, channel: str, user_id: str, display_name: str | None, now: dt.datetime
    ) -> Officer:
        """Use an invite code (checked by hash): create the officer and bind the
        channel identity. Raises BindError. The code cannot be used again."""
        ...

    async def officer_for_identity(self, channel: str, user_id: str) -> Officer | None: ...
    async def touch_identity(self, channel: str, user_id: str, now: dt.datetime) -> None:
        """Remember when this identity last wrote to us (Zalo's messaging window)."""
        ...
    async def get_officer(self, officer_id: int) -> Officer | None: ...
    async def get_agency(self, agency_id: int) -> Agency | None: ...
    async def agency_by_abbreviation(self, abbreviation: str) -> Agency | None: ...

    # rounds and assignments
    async def get_round(self, round_id: int) -> Round | None: ...
    async def get_assignment(self, assignment_id: int) -> Assignment | None: ...
    async def open_assignments(self, agency_id: int) -> list[Assignment]:
        """Assignments of open rounds for the agency, newest round first."""
        ...

    async def set_assignment_status(
        self, assignment_id: int, status: str, now: dt.datetime
    ) -> None: ...

    # answers (with history)
    async def get_answers(self, assignment_id: int) -> dict[str, Any]: ...
    async def set_answer(
        self,
        assignment_id: int,
        question_id: str,
        value: Any,
        officer_id: int | None,
        now: dt.datetime,
        expected: Any = ...,
    ) -> None:
        """Store the value (``None`` deletes it), appending a history row with the
        old and new values, who and when. With ``expected``, raise ConflictError
        when the stored value is no longer that one (changed meanwhile). A write
        that finds the row changed since it was read also raises ConflictError,
        possibly at the unit of work's next call (writes may be sent together)."""
        ...

    async def previous_answers(self, assignment_id: int) -> dict[str, Any]:
        """The agency's answers in its latest earlier submission of the same template."""
        ...

    # submissions (immutable versions)
    async def add_submission(
        self,
        assignment_id: int,
        answers: dict[str, Any],
        docx: bytes,
        filename: str,
        officer_id: int | None,
        now: dt.datetime,
    ) -> SubmissionRecord:
        """Store a new version; marks the assignment submitted."""
        ...

    async def latest_submission(self, assignment_id: int) -> SubmissionRecord | None: ...
    async def submission_docx(self, submission_id: int) -> tuple[str, bytes] | None: ...

    async def document_references(
        self, round_id: int, assignment_id: int | None
    ) -> DocumentReferences:
        """The round's request documents, grounds, recipients and the agency's own."""
        ...

    async def own_references(self, assignment_id: int) -> dict[str, list[str]]: ...

    async def set_own_references(self, assignment_id: int, *, grounds: list[str] | None,
                                 recipients: list[str] | None,
                                 now: dt.datetime) -> dict[str, Any]: ...


class DeliveryError(Exception):
    """A channel could not deliver. ``permanent``: retrying will not help
    (user blocked the bot, Zalo's interaction window closed, unknown user)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Channel(Protocol):
    """A messaging channel able to push messages to one of its users."""

    name: str  # "web", "telegram", "zalo_oa", "zalo_bot"
    #: How long after the user's last message the platform lets us write to them
    #: (Zalo OA: 7 days); None: no limit.
    window: dt.timedelta | None

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        """Send the messages; raise DeliveryError on failure."""
        ...


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    channel: str
    user_id: str
    messages: list[Outbound]
    attempts: int
    dedupe_key: str | None


class BindGate(Protocol):
    """Limits invite-code guesses across senders (e.g. per network address)."""

    def wait(self, origin: str | None, now: dt.datetime) -> dt.timedelta | None:
        """How long before the next guess is allowed; None: now."""
        ...

    def failed(self, origin: str | None, now: dt.datetime) -> None:
        """Count one wrong invite code."""
        ...
