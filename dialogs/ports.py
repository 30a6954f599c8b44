"""Ports: what the core needs from the outside world, as small protocols.

``storage`` implements :class:`UnitOfWork`; tests may use fakes. The engine
never imports SQLAlchemy: it talks to these methods only. A unit of work holds one
repository per aggregate (``uow.rounds.get(...)``, ``uow.answers.set(...)``); the
protocols below are the parts of them the engine uses.

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


class Turns(Protocol):
    """A turn's first read (``uow.turns``)."""

    async def load(self, channel: str, user_id: str) -> TurnContext:
        """Everything a turn starts from, in one read (see :class:`TurnContext`)."""
        ...

    async def begin(
        self, channel: str, user_id: str, message_id: str | None, now: dt.datetime
    ) -> TurnContext | None:
        """``inbound.claim`` (when there is a ``message_id``) then :meth:`load`;
        None when the delivery was processed already."""
        ...


class Inbound(Protocol):
    """Delivery ids already processed (``uow.inbound``): inbound de-duplication."""

    async def claim(self, channel: str, message_id: str, now: dt.datetime) -> bool:
        """Record a delivery id; False when it was already processed."""
        ...

    async def keep_replies(self, channel: str, message_id: str, payload: dict) -> None:
        """Store the replies (:func:`dialogs.messages.to_payload`) of a claimed delivery."""
        ...

    async def kept_replies(self, channel: str, message_id: str) -> dict | None:
        """The replies stored with a processed delivery id, if any."""
        ...


class Conversations(Protocol):
    """One conversation per channel identity (``uow.conversations``)."""

    async def get(self, channel: str, user_id: str) -> Conversation | None: ...

    async def save(self, conversation: Conversation) -> None:
        """Insert or update; raises ConflictError if ``version`` is stale. Bumps version."""
        ...


class Invites(Protocol):
    """Invite codes (``uow.invites``)."""

    async def bind(
        self, code: str, channel: str, user_id: str, display_name: str | None, now: dt.datetime
    ) -> Officer:
        """Use an invite code (checked by hash): create the officer and bind the
        channel identity. Raises BindError. The code cannot be used again."""
        ...


class Identities(Protocol):
    """Chat identities bound to officers (``uow.identities``)."""

    async def officer_for(self, channel: str, user_id: str) -> Officer | None: ...

    async def touch(self, channel: str, user_id: str, now: dt.datetime) -> None:
        """Remember when this identity last wrote to us (Zalo's messaging window)."""
        ...


class Officers(Protocol):
    async def get(self, officer_id: int) -> Officer | None: ...


class Agencies(Protocol):
    async def get(self, agency_id: int) -> Agency | None: ...
    async def by_abbreviation(self, abbreviation: str) -> Agency | None: ...


class Rounds(Protocol):
    async def get(self, round_id: int) -> Round | None: ...


class Assignments(Protocol):
    async def get(self, assignment_id: int) -> Assignment | None: ...

    async def list_open(self, agency_id: int) -> list[Assignment]:
        """Assignments of open rounds for the agency, newest round first."""
        ...

    async def set_status(self, assignment_id: int, status: str, now: dt.datetime) -> None: ...


class Answers(Protocol):
    """Answers with their history (``uow.answers``)."""

    async def get(self, assignment_id: int) -> dict[str, Any]: ...

    async def set(
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

    async def previous(self, assignment_id: int) -> dict[str, Any]:
        """The agency's answers in its latest earlier submission of the same template."""
        ...


class Submissions(Protocol):
    """Submitted versions (immutable) of an assignment (``uow.submissions``)."""

    async def add(
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

    async def latest(self, assignment_id: int) -> SubmissionRecord | None: ...
    async def docx(self, submission_id: int) -> tuple[str, bytes] | None: ...


class References(Protocol):
    """What a document cites and whom it goes to (``uow.references``)."""

    async def for_document(
        self, round_id: int, assignment_id: int | None
    ) -> DocumentReferences:
        """The round's request documents, grounds, recipients and the agency's own."""
        ...

    async def own(self, assignment_id: int) -> dict[str, list[str]]: ...

    async def set_own(self, assignment_id: int, *, grounds: list[str] | None,
                      recipients: list[str] | None, now: dt.datetime) -> dict[str, Any]: ...


class AuditLog(Protocol):
    async def add(
        self,
        action: str,
        entity: str,
        entity_id: object,
        *,
        actor_officer_id: int | None,
        now: dt.datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one row to the audit log."""
        ...


class UnitOfWork(Protocol):
    """One transaction, with the repositories the engine uses (``storage.uow``
    implements it, with more repositories for the operator side)."""

    turns: Turns
    inbound: Inbound
    conversations: Conversations
    invites: Invites
    identities: Identities
    officers: Officers
    agencies: Agencies
    rounds: Rounds
    assignments: Assignments
    answers: Answers
    submissions: Submissions
    references: References
    audit: AuditLog

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


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
