"""The conversation engine: one inbound message in, the replies out.

Each call is one turn in one unit of work: the delivery id is claimed, the
conversation state is loaded, the answer is validated and stored, the new
state is saved, and only then — after the commit — are the replies returned
for the channel to send. Nothing about a conversation is kept in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import phone, review, texts
from dialogs.answers import constraint_holds, find_problems, is_answered, with_computed
from dialogs.commands import Command, ans, cmd, parse_callback, parse_command
from dialogs.cursor import Outline, Step, field_step, main_steps, parse_step, question_steps
from dialogs.domain import (
    Agency,
    Assignment,
    AssignmentStatus,
    Conversation,
    DocumentInfo,
    Officer,
    Round,
)
from dialogs.expressions import ExpressionError
from dialogs.invisible import has_invisible, strip_invisible
from dialogs.messages import Button, DocumentRef, Inbound, Outbound, from_payload, to_payload
from dialogs.phone import PhoneBook
from dialogs.pinned import round_template
from dialogs.ports import BindError, BindGate, Clock, ConflictError, TurnContext, UnitOfWork
from dialogs.references import ReferencesError
from dialogs.references_chat import ReferenceEdit, parse_reference_edit
from dialogs.references_chat import confirmation as references_confirmation
from dialogs.schema import Column, Question, QuestionType, Template
from dialogs.states import State, attached, fire
from dialogs.titles import fill, report_phrase, report_title
from dialogs.values import InvalidAnswer, display_value, parse_answer, shown_example
from dialogs.vn import format_date, format_number, parse_yes_no

log = logging.getLogger(__name__)

Renderer = Callable[[Template, Mapping[str, Any], DocumentInfo], bytes]
#: Issues a single-use dashboard login link for a DIC officer, in the turn's unit of
#: work; returns (url, minutes valid).
DashboardLink = Callable[[UnitOfWork, Officer, Any], Awaitable[tuple[str, int]]]
FilenameFor = Callable[[Template, DocumentInfo], str]

MAX_MESSAGE = 3500  # characters per outbound message (under every channel's limit)
MAX_INPUT = 100_000  # characters of one inbound text that are looked at
#: Invite codes carry ~54 bits; on top, one chat identity gets this many wrong
#: codes per window before it must wait.
MAX_BIND_FAILURES = 5
BIND_WINDOW = dt.timedelta(minutes=15)
#: How stale an identity's "last seen" may get before a turn refreshes it (it only
#: serves Zalo's days-long messaging window, so a write per minute is plenty).
TOUCH_EVERY = dt.timedelta(minutes=1)


_NO_CONTEXT = TurnContext(None, None, None, None, None, None)
#: Buttons honoured whatever was offered last: they only show where the officer is
#: (and reminders' "start" buttons come from outside a turn).
_ALWAYS_LIVE = frozenset({Command.START, Command.CONTINUE, Command.HELP})
_TYPED_CHOICE = re.compile(r"^\[?\s*(\d{1,3})\s*\]?\.?$")
_REPEAT_WORDS = {Command.ADD: "thêm", Command.DONE: "xong", Command.REMOVE_LAST: "xóa mục cuối"}
_WORD_OF = {Command.BACK: "quay lại", Command.SKIP: "bỏ qua", Command.KEEP: "giữ",
            **_REPEAT_WORDS}


def _wait_text(wait: dt.timedelta) -> str:
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    if seconds < 60:
        return f"{seconds} giây"
    return f"{-(-seconds // 60)} phút"


def _default_filename(template: Template, info: DocumentInfo) -> str:
    return f"{template.type_code}-{info.agency.abbreviation}-{info.round.id}.docx"


class Reply(Exception):
    """Raised inside a turn to answer at once (e.g. a validation message)."""

    def __init__(self, *messages: Outbound) -> None:
        super().__init__()
        self.messages = list(messages)


@dataclass
class Turn:
    """Everything one turn needs; loaded lazily from the unit of work."""

    uow: UnitOfWork
    conv: Conversation
    officer: Officer | None
    lifecycle: Any
    context: TurnContext | None = None  # what the turn's first read returned
    out: list[Outbound] = field(default_factory=list)
    agency: Agency | None = None
    assignment: Assignment | None = None
    round: Round | None = None
    template: Template | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    _previous: dict[str, Any] | None = None

    _env: dict[str, Any] | None = None
    _steps: list[Step] | None = None

    def env(self) -> dict[str, Any]:
        """The answers with computed values (cached until an answer changes)."""
        if self._env is None:
            assert self.template is not None
            self._env = with_computed(self.template, self.answers)
        return self._env

    def steps(self) -> list[Step]:
        """The steps that apply now, in order (cached until an answer changes)."""
        if self._steps is None:
            assert self.template is not None
            self._steps = main_steps(self.template, self.env())
        return self._steps

    def answers_changed(self) -> None:
        self._env = None
        self._steps = None

    def say(self, text: str, buttons: list[list[Button]] | None = None,
            document: DocumentRef | None = None) -> None:
        self.out.append(Outbound(text, buttons or [], document))

    async def previous(self) -> dict[str, Any]:
        if self._previous is None:
            assert self.assignment is not None
            self._previous = await self.uow.answers.previous(self.assignment.id)
        return self._previous


class Engine:
    def __init__(
        self,
        *,
        templates: Mapping[str, Template],
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        render: Renderer,
        filename: FilenameFor | None = None,
        timezone: str = "Asia/Ho_Chi_Minh",
        collector: str = "Sở Khoa học và Công nghệ",
        dashboard_link: DashboardLink | None = None,
        bind_gate: BindGate | None = None,
        phones: PhoneBook | None = None,
    ) -> None:
        self.templates = templates
        self.bind_gate = bind_gate
        #: set (ZNS configured): ask a newly bound officer's phone number once
        self.phones = phones
        self.dashboard_link = dashboard_link
        self.uow_factory = uow_factory
        self.clock = clock
        self.render = render
        self.filename = filename or _default_filename
        self.tz = ZoneInfo(timezone)
        self.collector = collector
        self._outlines: dict[tuple[str, int], Outline] = {}

    # ------------------------------------------------------------------ turn
    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Process one inbound message in one transaction; return the replies."""
        for _ in range(3):
            try:
                return await self._handle_once(inbound)
            except ConflictError:
                log.info("conversation %s:%s changed concurrently; retrying",
                         inbound.channel, inbound.user_id)
        return [Outbound(texts.BUSY)]

    async def _handle_once(self, inbound: Inbound) -> list[Outbound]:
        now = self.clock.now()
        message_id = inbound.message_id or None
        async with self.uow_factory() as uow:
            if inbound.anonymous_until_bound:
                # the sender id is the client's choice: claim nothing until it is bound
                context = await uow.turns.load(inbound.channel, inbound.user_id)
                if context.officer is None:
                    message_id = None
                elif message_id is not None and not await uow.inbound.claim(
                        inbound.channel, message_id, now):
                    context = None
            else:
                context = await uow.turns.begin(inbound.channel, inbound.user_id, message_id, now)
            if context is None:  # a re-delivery: it was processed once already
                return await self._replayed(uow, inbound, message_id)
            conv = context.conversation
            if conv is None:
                conv = Conversation(inbound.channel, inbound.user_id, state=State.UNBOUND)
            officer = context.officer
            if officer is None:
                conv.state, conv.officer_id, conv.assignment_id = State.UNBOUND, None, None
            else:
                seen = context.last_seen_at
                if seen is None or now - seen >= TOUCH_EVERY:
                    await uow.identities.touch(inbound.channel, inbound.user_id, now)
                if conv.state == State.UNBOUND:  # bound elsewhere (CLI, another process)
                    conv.state = State.IDLE.value
            with attached(conv.state) as lifecycle:
                turn = Turn(uow, conv, officer, lifecycle, context=context)
                try:
                    await self._dispatch(turn, inbound)
                except Reply as reply:
                    turn.out.extend(reply.messages)
                conv.state = lifecycle.state
            if officer is not None and turn.out:
                # every reply supersedes the keyboards before it (see _live)
                conv.data["offered"] = sorted(
                    {b.data for m in turn.out for row in m.buttons for b in row})
            if not (inbound.anonymous_until_bound and turn.officer is None
                    and context.conversation is None):
                await uow.conversations.save(conv)
            if inbound.replay_replies and message_id is not None:
                await uow.inbound.keep_replies(inbound.channel, message_id, to_payload(turn.out))
            await uow.commit()
        return turn.out

    @staticmethod
    async def _replayed(uow: UnitOfWork, inbound: Inbound,
                        message_id: str | None) -> list[Outbound]:
        """What a repeated delivery gets: nothing, or (``replay_replies``) the replies
        of its first handling."""
        if not inbound.replay_replies or message_id is None:
            return []
        kept = await uow.inbound.kept_replies(inbound.channel, message_id)
        return from_payload(kept) if kept else []

    async def _dispatch(self, turn: Turn, inbound: Inbound) -> None:
        text = (inbound.text or "")[:MAX_INPUT].strip()
        if has_invisible(text):  # dropped on input; the raw text stays in the audit
            raw, text = text, strip_invisible(text).strip()
            await turn.uow.audit.add(
                "input.invisible", "conversation", f"{inbound.channel}:{inbound.user_id}",
                actor_officer_id=turn.officer.id if turn.officer else None,
                now=self.clock.now(), detail={"raw": raw, "step": turn.conv.step})
        if turn.officer is None:
            await self._unbound(turn, inbound, text)
            return
        await self._load_assignment(turn)
        if turn.conv.data.get("ask_phone") and await self._phone_answer(turn, inbound, text):
            return
        edit = parse_reference_edit(text) if text and inbound.callback is None else None
        if edit is not None and turn.assignment is not None and turn.template is not None:
            await self._edit_references(turn, edit)
            return
        if inbound.callback is not None:
            callback = parse_callback(inbound.callback)
            if callback is None or not self._live(turn, inbound.callback, callback):
                log.info("button %r refused for %s:%s: not on the newest keyboard",
                         inbound.callback[:80], inbound.channel, inbound.user_id)
                if callback is None:
                    turn.say(texts.UNKNOWN_BUTTON)
                else:
                    turn.say(texts.STALE_BUTTON if turn.lifecycle.state == State.ANSWERING
                             else texts.OLD_BUTTON)
                await self._resume(turn, attach=False)
            elif callback.kind == "cmd" and callback.command is not None:
                await self._command(turn, callback.command, callback.argument, inbound)
            else:
                await self._button_answer(turn, callback.value or "", callback.step or "")
            return
        parsed = parse_command(text) if text else None
        if parsed is not None:
            await self._command(turn, parsed.command, parsed.argument, inbound)
        elif not text:
            await self._resume(turn)
        else:
            await self._text(turn, text)

    @staticmethod
    def _live(turn: Turn, data: str, callback: Any) -> bool:
        """Is the tapped button on the newest keyboard this conversation was sent?
        Older keyboards are retired on every channel, even where the platform cannot
        remove them (Zalo OA) or a client replays them."""
        offered = turn.conv.data.get("offered")
        if not isinstance(offered, list):  # a conversation from before keyboards were kept
            return True
        if callback.kind == "cmd" and callback.command in _ALWAYS_LIVE:
            return True
        return data in offered

    # --------------------------------------------------------------- binding
    async def _unbound(self, turn: Turn, inbound: Inbound, text: str) -> None:
        parsed = parse_command(text) if text else None
        code = text
        if turn.conv.data.get("revoked"):  # the DIC revoked this chat's access
            looks_like_code = parsed is not None and parsed.command == Command.START \
                and bool(parsed.argument)
            if not looks_like_code and not _looks_like_invite(text):
                log.warning("message refused: %s:%s was revoked", inbound.channel,
                            inbound.user_id)
                turn.say(texts.REVOKED.format(collector=self.collector))
                return
        if parsed is not None:
            if parsed.command == Command.START and parsed.argument:
                code = parsed.argument
            else:
                if parsed.command != Command.START:
                    log.warning("command %s refused: %s:%s is not bound", parsed.command.value,
                                inbound.channel, inbound.user_id)
                turn.say(texts.WELCOME_UNBOUND.format(collector=self.collector))
                return
        if not code or inbound.callback is not None:
            if inbound.callback is not None:
                log.warning("button refused: %s:%s is not bound", inbound.channel, inbound.user_id)
            turn.say(texts.ASK_INVITE)
            return
        await self._bind(turn, inbound, code)

    async def _bind(self, turn: Turn, inbound: Inbound, code: str) -> None:
        now = self.clock.now()
        since = now - BIND_WINDOW
        recent = [t for t in turn.conv.data.get("bind_failures", [])
                  if isinstance(t, str) and dt.datetime.fromisoformat(t) > since]
        if len(recent) >= MAX_BIND_FAILURES:
            log.warning("invite attempts throttled for %s:%s", inbound.channel, inbound.user_id)
            turn.conv.data["bind_failures"] = recent
            turn.say(texts.BIND_ERRORS["throttled"])
            return
        wait = self.bind_gate.wait(inbound.origin, now) if self.bind_gate else None
        if wait is not None:
            log.warning("invite attempts throttled for %s:%s from %s", inbound.channel,
                        inbound.user_id, inbound.origin)
            turn.say(texts.BIND_WAIT.format(wait=_wait_text(wait)))
            return
        try:
            officer = await turn.uow.invites.bind(
                code[:64], inbound.channel, inbound.user_id, inbound.display_name,
                self.clock.now(),
            )
        except BindError as exc:
            log.warning("invite refused (%s) for %s:%s", exc.reason, inbound.channel,
                        inbound.user_id)
            turn.conv.data["bind_failures"] = [*recent, now.isoformat()]
            if self.bind_gate is not None:
                self.bind_gate.failed(inbound.origin, now)
            message = texts.BIND_ERRORS.get(exc.reason, texts.BIND_ERRORS["unknown"])
            turn.say(message.format(collector=self.collector))
            return
        turn.officer = officer
        turn.conv.officer_id = officer.id
        turn.conv.assignment_id = None
        turn.conv.step = None
        turn.conv.data = {}
        fire(turn.lifecycle, "bind")
        turn.agency = await turn.uow.agencies.get(officer.agency_id)
        turn.say(texts.BOUND.format(agency=turn.agency.name if turn.agency else ""))
        await self._load_assignment(turn)
        if self.phones is not None:  # ZNS reminders need the officer's phone
            listed = await self.phones.from_agency(turn.uow, officer.agency_id)
            if listed is not None:  # the agencies CSV gives it: not asked
                await self.phones.save(turn.uow, officer.id, listed, "csv")
            else:  # asked once, before the questionnaire
                turn.conv.data["ask_phone"] = True
                turn.say(phone.ASK)
                return
        await self._resume(turn)

    async def _phone_answer(self, turn: Turn, inbound: Inbound, text: str) -> bool:
        """The answer to the phone question; False: not one (carry on as usual)."""
        assert self.phones is not None and turn.officer is not None
        parsed = parse_command(text) if text else None
        callback = parse_callback(inbound.callback) if inbound.callback else None
        skipped = (parsed is not None and parsed.command == Command.SKIP) or (
            callback is not None and callback.command == Command.SKIP)
        if not skipped and (inbound.callback is not None or parsed is not None):
            turn.conv.data.pop("ask_phone", None)  # another command: asked once is enough
            return False
        if skipped:
            turn.conv.data.pop("ask_phone", None)
            turn.say(phone.SKIPPED)
        elif not text:
            turn.say(phone.ASK)
            return True
        else:
            number = phone.normalize_phone(text)
            if number is None:
                turn.say(phone.problem(text))
                return True
            await self.phones.save(turn.uow, turn.officer.id, number, "chat")
            turn.conv.data.pop("ask_phone", None)
            turn.say(phone.SAVED.format(phone=phone.display(number)))
        await self._resume(turn)
        return True

    # ------------------------------------------------------------ assignment
    async def _load_assignment(self, turn: Turn) -> None:
        """Load the conversation's assignment, or pick the only open one."""
        assert turn.officer is not None
        uow, context = turn.uow, turn.context or _NO_CONTEXT
        if turn.agency is not None and turn.agency.id == turn.officer.agency_id:
            pass  # just read (binding)
        elif context.agency is not None and context.agency.id == turn.officer.agency_id:
            turn.agency = context.agency
        else:
            turn.agency = await uow.agencies.get(turn.officer.agency_id)
        assignment = None
        if turn.conv.assignment_id is not None:
            prefetched = context.assignment is not None \
                and context.assignment.id == turn.conv.assignment_id
            assignment = context.assignment if prefetched \
                else await uow.assignments.get(turn.conv.assignment_id)
            if assignment is not None and assignment.agency_id != turn.officer.agency_id:
                assignment = None
            if assignment is not None:
                round_ = context.round if prefetched \
                    else await uow.rounds.get(assignment.round_id)
                if round_ is None or round_.status != "open":
                    assignment, turn.conv.assignment_id, turn.conv.step = None, None, None
                else:
                    turn.round = round_
        if assignment is None:
            open_ = await uow.assignments.list_open(turn.officer.agency_id)
            if len(open_) == 1:
                assignment = open_[0]
                turn.conv.assignment_id = assignment.id
                turn.conv.step = None
        if assignment is None:
            return
        round_ = turn.round if turn.round is not None and turn.round.id == assignment.round_id \
            else await uow.rounds.get(assignment.round_id)
        template = await round_template(self.templates, round_, uow)
        if round_ is None or template is None:
            log.error("assignment %s: round or template missing", assignment.id)
            return
        turn.assignment, turn.round, turn.template = assignment, round_, template
        turn.answers = await uow.answers.get(assignment.id)
        turn.answers_changed()

    def _outline(self, template: Template) -> Outline:
        key = (template.id, template.version)
        if key not in self._outlines:
            self._outlines[key] = Outline.of(template)
        return self._outlines[key]

    async def _open_reports(self, turn: Turn, *, exclude: int | None = None,
                            unsubmitted: bool = False) -> list[tuple[Assignment, str]]:
        """The agency's open reports with their titles, those still to do first."""
        assert turn.officer is not None
        found: list[tuple[Assignment, str]] = []
        for assignment in await turn.uow.assignments.list_open(turn.officer.agency_id):
            if assignment.id == exclude:
                continue
            if unsubmitted and assignment.status == AssignmentStatus.SUBMITTED:
                continue
            round_ = await turn.uow.rounds.get(assignment.round_id)
            template = await round_template(self.templates, round_, turn.uow)
            if round_ is None or template is None:
                continue
            title = report_title(template.name, round_.period_label)
            found.append((assignment, title))
        found.sort(key=lambda item: item[0].status == AssignmentStatus.SUBMITTED)
        return found

    def _offer(self, turn: Turn, heading: str, reports: list[tuple[Assignment, str]], *,
               buttons: bool) -> None:
        """A numbered list of reports; the officer taps one or types its number."""
        lines = [heading]
        rows: list[list[Button]] = []
        for i, (assignment, title) in enumerate(reports, start=1):
            mark = f" {texts.SUBMITTED_MARK}" if assignment.status == AssignmentStatus.SUBMITTED \
                else ""
            lines.append(f"{i}. {title}{mark}")
            rows.append([Button(f"{i}. {title}"[:120], cmd(Command.CONTINUE, str(assignment.id)))])
        lines.append(texts.CHOOSE_BY_NUMBER)
        turn.conv.data["choices"] = [a.id for a, _ in reports]
        turn.say("\n".join(lines), rows if buttons else None)

    async def _choose_assignment(self, turn: Turn) -> None:
        assert turn.officer is not None and turn.agency is not None
        reports = await self._open_reports(turn)
        if not reports:
            turn.say(texts.NO_OPEN_ROUND.format(agency=turn.agency.name))
            return
        self._offer(turn, texts.CHOOSE_ROUND.format(agency=turn.agency.name, count=len(reports)),
                    reports, buttons=True)

    async def _offer_others(self, turn: Turn) -> bool:
        """After a submission: the agency's other reports still to do (typed numbers,
        no keyboard: nothing of the submitted report stays tappable). True if any."""
        assert turn.agency is not None and turn.assignment is not None
        others = await self._open_reports(turn, exclude=turn.assignment.id, unsubmitted=True)
        if others:
            self._offer(turn, texts.OTHER_OPEN.format(agency=turn.agency.name,
                                                      count=len(others)), others, buttons=False)
        return bool(others)

    def _typed_choice(self, turn: Turn, text: str) -> int | None:
        """The report picked by typing its number ("2", "[2]") from the last list."""
        choices = turn.conv.data.get("choices")
        match = _TYPED_CHOICE.match(text)
        if not isinstance(choices, list) or match is None:
            return None
        index = int(match.group(1))
        return choices[index - 1] if 1 <= index <= len(choices) else None

    async def _select_assignment(self, turn: Turn, argument: str) -> None:
        assert turn.officer is not None
        open_ = await turn.uow.assignments.list_open(turn.officer.agency_id)
        chosen = next((a for a in open_ if str(a.id) == argument), None)
        if chosen is None:
            log.warning("assignment %r refused: not open for officer %s of agency %s", argument,
                        turn.officer.id, turn.officer.agency_id)
            turn.say(texts.UNKNOWN_BUTTON)
            await self._choose_assignment(turn)
            return
        turn.conv.assignment_id, turn.conv.step, turn.conv.data = chosen.id, None, {}
        await self._load_assignment(turn)

    # --------------------------------------------------------------- resume
    async def _edit_references(self, turn: Turn, edit: ReferenceEdit) -> None:
        """The officer's own grounds and Nơi nhận (``dialogs.references_chat``)."""
        assert turn.assignment is not None and turn.template is not None
        assert turn.round is not None
        if turn.assignment.status == AssignmentStatus.SUBMITTED:
            await self._already_submitted(turn)
            return
        own = await turn.uow.references.own(turn.assignment.id)
        grounds: list[str] | None = None
        recipients: list[str] | None = None
        if edit.action == "add_ground" and edit.lines:
            grounds = [*own["grounds"], *edit.lines]
        elif edit.action == "clear_grounds":
            grounds = []
        elif edit.action == "set_recipients":
            recipients = list(edit.lines)
        elif edit.action == "reset_recipients":
            recipients = []
        if grounds is not None or recipients is not None:
            try:
                value = await turn.uow.references.set_own(
                    turn.assignment.id, grounds=grounds, recipients=recipients,
                    now=self.clock.now())
            except ReferencesError as exc:
                turn.say(str(exc))
                return
            await turn.uow.audit.add("references.set", "assignment", turn.assignment.id,
                                 actor_officer_id=turn.officer.id if turn.officer else None,
                                 now=self.clock.now(), detail=value)
        refs = await turn.uow.references.for_document(turn.round.id, turn.assignment.id)
        turn.say(references_confirmation(refs.grounds_lines(turn.template.grounds),
                                         refs.recipient_lines(turn.template.recipients)))
        await self._resume(turn)

    async def _resume(self, turn: Turn, *, attach: bool = True) -> None:
        """Show where the officer is: the current question, review or status."""
        if turn.assignment is None or turn.template is None:
            await self._choose_assignment(turn)
            return
        if turn.assignment.status == AssignmentStatus.SUBMITTED:
            await self._already_submitted(turn, attach=attach)
            return
        state = turn.lifecycle.state
        if state == State.SUBMITTED and turn.assignment.status == AssignmentStatus.RETURNED:
            # the DIC returned it: review, fix, submit again
            assert turn.round is not None
            turn.say(texts.RETURNED_FOR_CORRECTION.format(
                title=self._title(turn), collector=self.collector))
            fire(turn.lifecycle, "review")
            self._review(turn)
            return
        if state == State.REVIEWING:
            self._review(turn)
            return
        if state == State.CONFIRMING:
            self._confirm_prompt(turn)
            return
        if state != State.ANSWERING:
            fire(turn.lifecycle, "answer")
        if turn.conv.step is None:
            outline = self._outline(turn.template)
            round_ = turn.round
            assert round_ is not None
            turn.say(texts.ROUND_INTRO.format(
                title=self._title(turn), deadline=format_date(round_.deadline),
                total=outline.total,
            ))
            step = self._first_open_step(turn)
            if step is None:
                fire(turn.lifecycle, "review")
                self._review(turn)
                return
            turn.conv.step = step.key
        await self._ask_current(turn)

    async def _already_submitted(self, turn: Turn, *, attach: bool = True) -> None:
        """The report is submitted: say so and offer the agency's other open reports
        (the document again only when there is nothing else to go on with)."""
        assert turn.assignment is not None and turn.template is not None
        record = await turn.uow.submissions.latest(turn.assignment.id)
        if turn.lifecycle.state not in (State.SUBMITTED, State.UNBOUND):
            fire(turn.lifecycle, "mark_submitted")  # the stored status wins
        assert turn.agency is not None
        others = await self._open_reports(turn, exclude=turn.assignment.id, unsubmitted=True)
        when = self._local_time(record.submitted_at) if record else ""
        text = texts.ALREADY_SUBMITTED.format(
            title=self._title(turn), version=record.version if record else 1, time=when,
            collector=self.collector,
        )
        document = DocumentRef(record.id, record.filename) \
            if record and attach and not others else None
        turn.say(text, document=document)
        if others:
            self._offer(turn, texts.OTHER_OPEN.format(agency=turn.agency.name,
                                                      count=len(others)), others, buttons=False)

    async def _send_document(self, turn: Turn) -> None:
        """The conversation's last submitted document again (a fresh download link)."""
        record = None
        if turn.assignment is not None:
            record = await turn.uow.submissions.latest(turn.assignment.id)
        if record is None:
            turn.say(texts.NO_DOCUMENT)
            return
        turn.say(texts.DOCUMENT_AGAIN.format(version=record.version),
                 document=DocumentRef(record.id, record.filename))

    async def _pdf_to_sign(self, turn: Turn) -> None:
        """The submitted report again: the channel turns its DocumentRef into the DOCX and
        the signed "Tải PDF để ký số" link. Only a submitted (not returned) report."""
        assert turn.assignment is not None and turn.template is not None
        round_ = turn.round
        assert round_ is not None
        record = await turn.uow.submissions.latest(turn.assignment.id)
        if record is None or turn.assignment.status != AssignmentStatus.SUBMITTED:
            turn.say(texts.PDF_NOT_READY.format(title=self._title(turn)))
            if turn.lifecycle.state == State.ANSWERING:
                await self._ask_current(turn)
            return
        if turn.lifecycle.state not in (State.SUBMITTED, State.UNBOUND):
            fire(turn.lifecycle, "mark_submitted")  # the stored status wins
        turn.say(
            texts.PDF_TO_SIGN.format(title=self._title(turn), version=record.version,
                                     time=self._local_time(record.submitted_at)),
            document=DocumentRef(record.id, record.filename, caption=self._title(turn)),
        )

    def _first_open_step(self, turn: Turn) -> Step | None:
        assert turn.template is not None
        for step in turn.steps():
            q = step.question
            value = turn.answers.get(q.id)
            if step.kind == "t":
                assert step.row is not None and step.column is not None
                if ((value or {}).get(step.row.id) or {}).get(step.column.id) is None:
                    return step
            elif step.kind == "r":
                if value is None:
                    return step
            elif not is_answered(q, value):
                return step
        return None

    # -------------------------------------------------------------- commands
    async def _command(
        self, turn: Turn, command: Command, argument: str | None, inbound: Inbound
    ) -> None:
        if command == Command.START and argument:
            await self._bind(turn, inbound, argument)
            return
        if command == Command.DASHBOARD:
            await self._dashboard(turn)
            return
        if command == Command.DOCUMENT:
            await self._send_document(turn)
            return
        if command == Command.HELP:
            turn.say(texts.HELP)
            if turn.lifecycle.state == State.ANSWERING:
                await self._ask_current(turn)
            return
        if command == Command.CONTINUE and argument:
            await self._select_assignment(turn, argument)
            if turn.assignment is None:
                return
            command = Command.CONTINUE
        if turn.assignment is None or turn.template is None:
            await self._choose_assignment(turn)
            return
        if command == Command.PDF_TO_SIGN:
            await self._pdf_to_sign(turn)
            return
        if turn.assignment.status == AssignmentStatus.SUBMITTED:
            if command in (Command.START, Command.CONTINUE):
                others = await self._open_reports(turn, exclude=turn.assignment.id,
                                                  unsubmitted=True)
                if len(others) == 1:  # nothing to choose: straight on to the next report
                    await self._command(turn, Command.CONTINUE, str(others[0][0].id), inbound)
                    return
            await self._already_submitted(turn)
            return
        state = turn.lifecycle.state
        if command in (Command.START, Command.CONTINUE):
            if state == State.SUBMITTED:  # e.g. returned for correction: _resume knows
                await self._resume(turn)
                return
            if state == State.REVIEWING:
                # back to the questionnaire: the first open question, else where they were
                first_open = self._first_open_step(turn)
                if first_open is not None:
                    turn.conv.step = first_open.key
                turn.conv.data.pop("return", None)
            if state != State.ANSWERING:
                fire(turn.lifecycle, "answer")
            await self._resume(turn)
        elif command == Command.REVIEW:
            fire(turn.lifecycle, "review")
            self._review(turn, argument)
        elif command == Command.EDIT:
            await self._edit(turn, argument or "")
        elif command == Command.SUBMIT:
            self._ask_submit(turn)
        elif command == Command.CONFIRM:
            if state == State.CONFIRMING:
                await self._submit(turn)
            else:
                self._ask_submit(turn)
        elif command == Command.CANCEL:
            if state == State.CONFIRMING:
                fire(turn.lifecycle, "review")
                turn.say(texts.CONFIRM_CANCELLED)
                self._review(turn)
            else:
                fire(turn.lifecycle, "pause")
                turn.say(texts.PAUSED, [[Button(texts.BUTTONS["continue"],
                                                cmd(Command.CONTINUE))]])
        else:  # navigation inside the questionnaire
            if state != State.ANSWERING:
                if state == State.IDLE and turn.conv.step:
                    fire(turn.lifecycle, "answer")
                else:
                    turn.say(texts.ONLY_WHILE_ANSWERING.format(word=_WORD_OF.get(command, "")))
                    await self._resume(turn)
                    return
            await self._navigate(turn, command)

    async def _navigate(self, turn: Turn, command: Command) -> None:
        step = self._current_step(turn)
        if command == Command.BACK:
            self._back(turn, step)
        elif command == Command.SKIP:
            await self._skip(turn, step)
            return  # _skip asks the next question itself
        elif command == Command.KEEP:
            await self._keep(turn, step)
            return  # likewise
        elif command in (Command.ADD, Command.DONE, Command.REMOVE_LAST):
            if step.kind != "r":
                turn.say(texts.REPEAT_COMMAND_HERE.format(word=_REPEAT_WORDS[command]))
                await self._ask_current(turn)
                return
            await self._repeat_gate(turn, step, command)
            return
        await self._ask_current(turn)

    def _current_step(self, turn: Turn) -> Step:
        assert turn.template is not None
        step = parse_step(turn.template, turn.conv.step) if turn.conv.step else None
        if step is None:
            step = self._first_open_step(turn)
            if step is None:
                step = turn.steps()[-1]
            turn.conv.step = step.key
        return step

    # ----------------------------------------------------------- navigation
    def _steps(self, turn: Turn) -> list[Step]:
        assert turn.template is not None
        return turn.steps()

    def _back(self, turn: Turn, step: Step) -> None:
        if step.kind == "f":
            assert step.index is not None
            fields = step.question.fields
            pos = [f.id for f in fields].index(step.column.id) if step.column else 0
            if pos > 0:
                turn.conv.step = field_step(step.question, step.index, fields[pos - 1]).key
            else:
                turn.conv.step = f"r:{step.question.id}"
            return
        steps = self._steps(turn)
        keys = [s.key for s in steps]
        if step.key in keys and keys.index(step.key) > 0:
            turn.conv.step = keys[keys.index(step.key) - 1]
        elif step.key not in keys and steps:
            order = self._order(turn)
            earlier = [s for s in steps if order[s.question.id] < order[step.question.id]]
            if earlier:
                turn.conv.step = earlier[-1].key
            else:
                turn.say(texts.FIRST_QUESTION)
        else:
            turn.say(texts.FIRST_QUESTION)

    def _order(self, turn: Turn) -> dict[str, int]:
        assert turn.template is not None
        return {q.id: i for i, q in enumerate(turn.template.iter_questions())}

    async def _advance(self, turn: Turn, after: Step) -> None:
        """Move past ``after`` (a main step) to the next step, or to the review."""
        steps = self._steps(turn)
        keys = [s.key for s in steps]
        nxt: Step | None = None
        if after.key in keys:
            idx = keys.index(after.key)
            nxt = steps[idx + 1] if idx + 1 < len(steps) else None
        else:
            order = self._order(turn)
            later = [s for s in steps if order[s.question.id] > order[after.question.id]]
            nxt = later[0] if later else None
        editing = turn.conv.data.get("return") == "review"
        leaving_question = nxt is None or nxt.question.id != after.question.id
        if editing and leaving_question:
            turn.conv.data.pop("return", None)
            fire(turn.lifecycle, "review")
            self._review(turn)
            return
        if nxt is None:
            fire(turn.lifecycle, "review")
            self._review(turn)
            return
        turn.conv.step = nxt.key
        await self._ask_current(turn)

    async def _skip(self, turn: Turn, step: Step) -> None:
        if step.kind == "r":
            await self._repeat_gate(turn, step, Command.DONE)
            return
        if self._step_required(step):
            turn.say(texts.REQUIRED_NO_SKIP)
            await self._ask_current(turn)
            return
        if step.kind == "f":
            await self._next_field(turn, step)
            return
        await self._advance(turn, step)

    @staticmethod
    def _step_required(step: Step) -> bool:
        """One rule for the prompt's "Bỏ qua" and the skip itself: a table cell is
        required when its question and its column are; a repeat field when its field is."""
        if step.kind == "f":
            return bool(step.column and step.column.required)
        if step.kind == "t" and step.column is not None:
            return step.question.required and step.column.required
        return step.question.required

    async def _keep(self, turn: Turn, step: Step) -> None:
        q = step.question
        current = turn.answers.get(q.id)
        if step.kind == "f":
            item_value = self._item_value(turn, step)
            if item_value is None:
                turn.say(texts.NOTHING_TO_KEEP)
                await self._ask_current(turn)
                return
            await self._next_field(turn, step)
            return
        if current is not None and step.kind != "r":
            cell = self._cell_value(step, current)
            if step.kind != "t" or cell is not None:
                await self._advance(turn, step)
                return
        if step.kind == "r" and current is not None:
            await self._repeat_gate(turn, step, Command.DONE)
            return
        candidate = await self._candidate(turn, q)
        if candidate is None:
            turn.say(texts.NOTHING_TO_KEEP)
            await self._ask_current(turn)
            return
        await self._store(turn, q.id, candidate)
        # the whole question takes the kept value: continue after its last step
        last = question_steps(q)[-1]
        await self._advance(turn, last)

    async def _candidate(self, turn: Turn, q: Question) -> Any:
        """Last period's answer (prefill: previous) or the template default."""
        if q.prefill == "previous":
            previous = (await turn.previous()).get(q.id)
            if previous is not None:
                return previous
        return q.default

    # ---------------------------------------------------------------- edit
    async def _edit(self, turn: Turn, argument: str) -> None:
        assert turn.template is not None
        outline = self._outline(turn.template)
        plain = argument.isascii() and argument.isdigit() and len(argument) < 7
        number = int(argument) if plain else -1
        qid = next((k for k, v in outline.numbers.items() if v == number), None)
        if qid is None:
            turn.say(texts.NO_SUCH_QUESTION.format(n=argument, total=outline.total))
            return
        q = turn.template.question(qid)
        steps = [s for s in self._steps(turn) if s.question.id == qid]
        if not steps:
            turn.say(texts.NOT_APPLICABLE.format(n=number))
            return
        state = turn.lifecycle.state
        if state in (State.REVIEWING, State.CONFIRMING):
            turn.conv.data["return"] = "review"
        fire(turn.lifecycle, "answer")
        turn.conv.step = steps[0].key if q.type != QuestionType.REPEAT else f"r:{qid}"
        await self._ask_current(turn)

    # ------------------------------------------------------------- answers
    async def _text(self, turn: Turn, text: str) -> None:
        choosing = turn.assignment is None \
            or turn.assignment.status == AssignmentStatus.SUBMITTED \
            or turn.lifecycle.state in (State.IDLE, State.SUBMITTED)
        choice = self._typed_choice(turn, text) if choosing else None
        if choice is not None:
            await self._command(turn, Command.CONTINUE, str(choice), Inbound("", ""))
            return
        if turn.assignment is not None and turn.assignment.status == AssignmentStatus.SUBMITTED:
            await self._already_submitted(turn)
            return
        state = turn.lifecycle.state
        if state == State.CONFIRMING:
            try:
                yes = parse_yes_no(text)
            except ValueError:
                self._confirm_prompt(turn)
                return
            await self._command(turn, Command.CONFIRM if yes else Command.CANCEL, None,
                                Inbound("", ""))
            return
        if state == State.REVIEWING:
            turn.say(texts.REVIEWING_HINT)
            self._review(turn)
            return
        if state != State.ANSWERING:
            if turn.conv.step is None:
                await self._command(turn, Command.CONTINUE, None, Inbound("", ""))
            else:
                turn.say(texts.IDLE_HINT, [[Button(texts.BUTTONS["continue"],
                                                   cmd(Command.CONTINUE))]])
            return
        step = self._current_step(turn)
        await self._answer(turn, step, text=text)

    async def _button_answer(self, turn: Turn, value: str, step_key: str) -> None:
        if turn.lifecycle.state != State.ANSWERING or step_key != turn.conv.step:
            turn.say(texts.STALE_BUTTON)
            await self._resume(turn)
            return
        step = self._current_step(turn)
        await self._answer(turn, step, button=value)

    async def _answer(self, turn: Turn, step: Step, *, text: str | None = None,
                      button: str | None = None) -> None:
        if step.kind == "r":
            await self._repeat_text(turn, step, text if text is not None else button or "")
            return
        if self._changed_meanwhile(turn, step):
            current = display_value(step.spec, self._existing(turn, step)) or texts.NOT_ANSWERED
            turn.say(texts.CHANGED_MEANWHILE.format(value=current))
            await self._ask_current(turn)
            return
        spec = step.spec
        try:
            value = self._parse(spec, text, button)
        except InvalidAnswer as exc:
            turn.say(exc.message)
            await self._ask_current(turn)
            return
        q = step.question
        if step.kind == "q":
            self._check_constraint(turn, q, value)
            await self._store(turn, q.id, value)
            await self._advance(turn, step)
        elif step.kind == "t":
            assert step.row is not None and step.column is not None
            table = {r: dict(c) for r, c in (turn.answers.get(q.id) or {}).items()}
            table.setdefault(step.row.id, {})[step.column.id] = value
            if is_answered(q, table):
                self._check_constraint(turn, q, table)
            await self._store(turn, q.id, table)
            await self._advance(turn, step)
        else:  # a repeat item's field
            assert step.index is not None and step.column is not None
            items = [dict(i) for i in (turn.answers.get(q.id) or [])]
            if step.index >= len(items):
                items.append({})
            items[min(step.index, len(items) - 1)][step.column.id] = value
            await self._store(turn, q.id, items)
            await self._next_field(turn, step)

    @staticmethod
    def _parse(spec: Question | Column, text: str | None, button: str | None) -> Any:
        if button is None:
            return parse_answer(spec, text or "")
        if spec.type == QuestionType.YES_NO and button in ("1", "0"):
            return button == "1"
        if spec.type == QuestionType.SELECT_ONE and any(c.value == button for c in spec.choices):
            return button
        return parse_answer(spec, button)

    def _check_constraint(self, turn: Turn, q: Question, value: Any) -> None:
        assert turn.template is not None
        try:
            env = with_computed(turn.template, {**turn.answers, q.id: value})
            holds = constraint_holds(q, env.get(q.id, value), env)
        except ExpressionError:  # e.g. a figure so large a computed value overflows
            raise Reply(
                Outbound(texts.CANNOT_COMPUTE),
                *self._prompt_messages(turn, self._current_step(turn)),
            ) from None
        if not holds:
            message = q.constraint_message or texts.CONSTRAINT_DEFAULT
            raise Reply(
                Outbound(texts.CONSTRAINT_FAILED.format(message=message)),
                *self._prompt_messages(turn, self._current_step(turn)),
            )

    async def _store(self, turn: Turn, question_id: str, value: Any) -> None:
        assert turn.assignment is not None and turn.officer is not None
        await turn.uow.answers.set(
            turn.assignment.id, question_id, value, turn.officer.id, self.clock.now(),
            expected=turn.answers.get(question_id),
        )
        turn.answers[question_id] = value
        turn.answers_changed()

    # -------------------------------------------------------------- repeats
    async def _repeat_text(self, turn: Turn, step: Step, text: str) -> None:
        try:
            more = parse_yes_no(text)
        except ValueError:
            turn.say(texts.REPEAT_ADD_OR_DONE)
            await self._ask_current(turn)
            return
        await self._repeat_gate(turn, step, Command.ADD if more else Command.DONE)

    async def _repeat_gate(self, turn: Turn, step: Step, command: Command) -> None:
        q = step.question
        items = list(turn.answers.get(q.id) or [])
        if command == Command.ADD:
            if q.max_items is not None and len(items) >= q.max_items:
                turn.say(texts.REPEAT_MAX.format(max=q.max_items))
                await self._ask_current(turn)
                return
            turn.conv.step = field_step(q, len(items), q.fields[0]).key
            await self._ask_current(turn)
        elif command == Command.REMOVE_LAST:
            if items:
                await self._store(turn, q.id, items[:-1])
                turn.say(texts.REPEAT_REMOVED)
            else:
                turn.say(texts.REPEAT_EMPTY)
            await self._ask_current(turn)
        else:  # DONE
            if q.min_items and len(items) < q.min_items:
                turn.say(texts.REPEAT_TOO_FEW.format(min=q.min_items))
                await self._ask_current(turn)
                return
            if q.id not in turn.answers:
                await self._store(turn, q.id, [])  # "none" is an answer too
            await self._advance(turn, step)

    async def _next_field(self, turn: Turn, step: Step) -> None:
        q = step.question
        assert step.index is not None and step.column is not None
        ids = [f.id for f in q.fields]
        pos = ids.index(step.column.id)
        if pos + 1 < len(q.fields):
            turn.conv.step = field_step(q, step.index, q.fields[pos + 1]).key
        else:
            turn.conv.step = f"r:{q.id}"
        await self._ask_current(turn)

    def _item_value(self, turn: Turn, step: Step) -> Any:
        items = turn.answers.get(step.question.id) or []
        if step.index is None or step.index >= len(items) or step.column is None:
            return None
        return items[step.index].get(step.column.id)

    def _existing(self, turn: Turn, step: Step) -> Any:
        """The stored value this step would change (None at a repeat gate)."""
        if step.kind == "f":
            return self._item_value(turn, step)
        if step.kind == "r":
            return None
        return self._cell_value(step, turn.answers.get(step.question.id))

    def _changed_meanwhile(self, turn: Turn, step: Step) -> bool:
        """Did someone else change this answer after it was shown to this officer?"""
        seen = turn.conv.data.get("seen")
        if not isinstance(seen, dict) or seen.get("step") != step.key:
            return False
        return _canonical(seen.get("value")) != _canonical(self._existing(turn, step))

    @staticmethod
    def _cell_value(step: Step, value: Any) -> Any:
        if step.kind != "t" or step.row is None or step.column is None:
            return value
        return ((value or {}).get(step.row.id) or {}).get(step.column.id)

    # -------------------------------------------------------------- prompts
    async def _ask_current(self, turn: Turn) -> None:
        step = self._current_step(turn)
        prefill = None
        asks_whole = step.kind in ("q", "r") or (step.kind == "t" and self._is_first_cell(step))
        if asks_whole and turn.answers.get(step.question.id) is None:
            prefill = await self._candidate(turn, step.question)
        turn.conv.data["seen"] = {"step": step.key, "value": self._existing(turn, step)}
        turn.out.extend(self._prompt_messages(turn, step, prefill))

    @staticmethod
    def _is_first_cell(step: Step) -> bool:
        return question_steps(step.question)[0].key == step.key

    def _prompt_messages(self, turn: Turn, step: Step, prefill: Any = None) -> list[Outbound]:
        assert turn.template is not None
        outline = self._outline(turn.template)
        q = step.question
        applicable = list(dict.fromkeys(s.question.id for s in turn.steps()))
        position = applicable.index(q.id) + 1 if q.id in applicable else 0
        section = fill(outline.sections.get(q.id, ""), **self._placeholders(turn))
        number = outline.numbers.get(q.id, 0)
        progress = texts.PROGRESS if number == position else texts.PROGRESS_NUMBERED
        lines = [progress.format(number=number, position=position, total=len(applicable),
                                 section=section)]
        lines.append(q.prompt)
        if q.help and (step.kind in ("q", "r") or self._is_first_cell(step)):
            lines.append(q.help)
        current = turn.answers.get(q.id)
        buttons: list[list[Button]] = []
        if step.kind == "r":
            items = list(current or [])
            lines.append(texts.REPEAT_GATE.format(count=len(items)))
            for i, item in enumerate(items, start=1):
                parts = [display_value(f, item.get(f.id)) for f in q.fields
                         if item.get(f.id) is not None]
                lines.append(f"{i}. " + "; ".join(parts))
            lines.append(texts.REPEAT_ADD_OR_DONE)
            row = [Button(texts.BUTTONS["add"], cmd(Command.ADD)),
                   Button(texts.BUTTONS["done"], cmd(Command.DONE))]
            buttons.append(row)
            if items:
                buttons.append([Button(texts.BUTTONS["remove_last"], cmd(Command.REMOVE_LAST))])
            if prefill:
                lines.append(f"Kỳ trước: {len(prefill)} mục.")
                buttons.append([Button(texts.BUTTONS["keep_previous"], cmd(Command.KEEP))])
        else:
            spec = step.spec
            if step.kind == "t":
                assert step.row is not None and step.column is not None
                column = step.column.label
                if step.column.group:
                    column = f"{step.column.group} – {column}"
                cell = texts.TABLE_CELL.format(row=step.row.label, column=column)
                if not self._step_required(step):
                    cell = f"{cell} {texts.OPTIONAL_CELL}"
                lines.append(cell)
            elif step.kind == "f":
                assert step.index is not None and step.column is not None
                lines.append(texts.REPEAT_ITEM.format(index=step.index + 1,
                                                      field=step.column.label))
            lines.append(self._hint(spec))
            existing = self._cell_value(step, current) if step.kind != "f" \
                else self._item_value(turn, step)
            if existing is not None:
                lines.append(f"Đã trả lời: {display_value(spec, existing)}")
            buttons.extend(self._choice_buttons(step, spec))
            if prefill is not None:
                shown = display_value(q, prefill)
                source = "Kỳ trước" if q.prefill == "previous" else "Giá trị mặc định"
                lines.append(f"{source}: {shown}")
                key = "keep_previous" if q.prefill == "previous" else "keep_default"
                buttons.append([Button(texts.BUTTONS[key], cmd(Command.KEEP))])
            elif existing is not None:
                buttons.append([Button(texts.BUTTONS["keep_current"], cmd(Command.KEEP))])
        nav = [Button(texts.BUTTONS["back"], cmd(Command.BACK))]
        if not self._step_required(step) and step.kind != "r":
            nav.append(Button(texts.BUTTONS["skip"], cmd(Command.SKIP)))
        nav.append(Button(texts.BUTTONS["review"], cmd(Command.REVIEW)))
        buttons.append(nav)
        return [Outbound(_clip("\n".join(line for line in lines if line)), buttons)]

    @staticmethod
    def _choice_buttons(step: Step, spec: Question | Column) -> list[list[Button]]:
        if spec.type == QuestionType.YES_NO:
            return [[Button(texts.BUTTONS["yes"], ans(step.key, "1")),
                     Button(texts.BUTTONS["no"], ans(step.key, "0"))]]
        if spec.type == QuestionType.SELECT_ONE:
            return [[Button(c.label, ans(step.key, c.value))] for c in spec.choices]
        return []

    @staticmethod
    def _hint(spec: Question | Column) -> str:
        t = spec.type
        parts: list[str] = []
        if t == QuestionType.INTEGER:
            parts.append("Nhập một số nguyên")
        elif t == QuestionType.DECIMAL:
            parts.append("Nhập một số (dấu phẩy cho phần thập phân)")
        elif t == QuestionType.PERCENT:
            parts.append("Nhập tỷ lệ phần trăm")
        elif t == QuestionType.DATE:
            parts.append("Nhập ngày dạng ngày/tháng/năm")
        elif t == QuestionType.YES_NO:
            parts.append("Trả lời Có hoặc Không")
        elif t == QuestionType.SELECT_ONE:
            options = "; ".join(f"{i}. {c.label}" for i, c in enumerate(spec.choices, 1))
            parts.append(f"Chọn một: {options}")
        elif t == QuestionType.SELECT_MULTIPLE:
            options = "; ".join(f"{i}. {c.label}" for i, c in enumerate(spec.choices, 1))
            parts.append(f"Chọn một hoặc nhiều (gõ các số, cách nhau bởi dấu phẩy): {options}")
        elif t == QuestionType.TEXT and getattr(spec, "long", False):
            parts.append("Trả lời bằng một đoạn văn; mỗi ý một dòng, có thể bắt đầu bằng \"-\"")
        lo, hi = spec.min, spec.max
        if t in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT):
            if lo is not None and hi is not None:
                parts.append(f"từ {format_number(lo)} đến {format_number(hi)}")
            elif lo is not None:
                parts.append(f"từ {format_number(lo)} trở lên")
        unit = getattr(spec, "unit", None)
        example = shown_example(spec)
        if unit and unit != "%" and example and example.replace(".", "").isdigit():
            parts.append(f"ví dụ: {example} {unit}")  # "ví dụ: 25.430 văn bản"
        else:
            if unit and unit != "%":
                parts.append(f"đơn vị tính: {unit}")
            if example:
                parts.append(f"ví dụ: {example}")
        return ("(" + ", ".join(parts) + ")") if parts else ""

    # --------------------------------------------------------------- review
    def _problems(self, turn: Turn) -> list[tuple[Question, str]]:
        assert turn.template is not None
        out = [(p.question, p.reason) for p in find_problems(turn.template, turn.answers)]
        for q in turn.template.iter_questions():
            if q.type == QuestionType.REPEAT:
                items = turn.answers.get(q.id) or []
                if any(item.get(f.id) is None for item in items for f in q.fields
                       if f.required):
                    out.append((q, "incomplete"))
        return out

    def _review(self, turn: Turn, argument: str | None = None) -> None:
        """The compact review (``argument`` None or ``p<page>``) or one section's
        answers (``s<k>`` or ``s<k>p<page>``)."""
        assert turn.template is not None and turn.round is not None
        assert turn.agency is not None
        facts = self._review_facts(turn)
        match = re.fullmatch(r"(?:s(\d{1,3}))?(?:p(\d{1,3}))?", argument or "")
        section = int(match.group(1)) if match and match.group(1) else 0
        page = int(match.group(2)) if match and match.group(2) else 1
        if 1 <= section <= len(facts.sections):
            turn.out.append(review.details(facts, section, page))
            return
        heading = f"{turn.agency.name} · {self._title(turn)}"
        turn.out.append(review.summary(facts, heading, page))

    def _review_facts(self, turn: Turn) -> review.ReviewFacts:
        assert turn.template is not None
        outline = self._outline(turn.template)
        problems: list[tuple[Question, str]] = []
        reasons: dict[str, str] = {}
        for q, reason in self._problems(turn):
            if q.id in reasons:
                continue
            problems.append((q, reason))
            reasons[q.id] = texts.PROBLEM_REASONS[reason].format(
                min=q.min_items, message=q.constraint_message or texts.CONSTRAINT_DEFAULT)
        return review.gather(
            turn.template, outline.numbers, self._section_labels(turn), turn.env(),
            {s.question.id for s in turn.steps()}, problems, reasons)

    def _section_labels(self, turn: Turn) -> dict[str, str]:
        """Question id -> its section's title, placeholders filled ("{period}")."""
        assert turn.template is not None
        values = self._placeholders(turn)
        return {qid: fill(label, **values)
                for qid, label in self._outline(turn.template).sections.items()}

    def _placeholders(self, turn: Turn) -> dict[str, str]:
        return {"period": turn.round.period_label if turn.round else "",
                "agency": turn.agency.name if turn.agency else "",
                "collector": self.collector}

    def _title(self, turn: Turn) -> str:
        assert turn.template is not None and turn.round is not None
        return report_title(turn.template.name, turn.round.period_label)

    def _phrase(self, turn: Turn) -> str:
        assert turn.template is not None and turn.round is not None
        return report_phrase(turn.template.name, turn.round.period_label)

    # --------------------------------------------------------------- submit
    async def _dashboard(self, turn: Turn) -> None:
        """A DIC officer asks for the web dashboard: a single-use login link."""
        assert turn.officer is not None
        if turn.officer.role != "dic":
            log.warning("dashboard link refused: officer %s is not dic", turn.officer.id)
            turn.say(texts.DASHBOARD_REFUSED.format(collector=self.collector))
        elif self.dashboard_link is None:
            turn.say(texts.DASHBOARD_UNAVAILABLE)
        else:
            url, minutes = await self.dashboard_link(turn.uow, turn.officer, self.clock.now())
            turn.say(texts.DASHBOARD_LINK.format(url=url, minutes=minutes))

    def _ask_submit(self, turn: Turn) -> None:
        if turn.lifecycle.state not in (State.ANSWERING, State.REVIEWING, State.CONFIRMING):
            fire(turn.lifecycle, "review")  # paused, or reopened after a return
        problems = self._problems(turn)
        if problems:
            fire(turn.lifecycle, "review")
            self._say_problems(turn, problems)
            return
        fire(turn.lifecycle, "ask_submit")
        self._confirm_prompt(turn)

    def _say_problems(self, turn: Turn, problems: list[tuple[Question, str]]) -> None:
        """Why it cannot be submitted yet: the review, which lists the problems first."""
        turn.say(texts.NOT_YET)
        self._review(turn)

    def _confirm_prompt(self, turn: Turn) -> None:
        assert turn.template is not None and turn.round is not None and turn.agency is not None
        turn.say(
            texts.CONFIRM.format(report=self._phrase(turn), agency=turn.agency.name,
                                 collector=self.collector),
            [[Button(texts.BUTTONS["confirm"], cmd(Command.CONFIRM)),
              Button(texts.BUTTONS["review"], cmd(Command.CANCEL))]],
        )

    async def _submit(self, turn: Turn) -> None:
        assert turn.template is not None and turn.round is not None
        assert turn.agency is not None and turn.assignment is not None
        problems = self._problems(turn)
        if problems:
            fire(turn.lifecycle, "review")
            self._say_problems(turn, problems)
            return
        references = await turn.uow.references.for_document(turn.round.id, turn.assignment.id)
        info = DocumentInfo(agency=turn.agency, round=turn.round, references=references,
                            rendered_at=self.clock.now())
        docx = self.render(turn.template, turn.answers, info)
        filename = self.filename(turn.template, info)
        record = await turn.uow.submissions.add(
            turn.assignment.id, dict(turn.answers), docx, filename,
            turn.officer.id if turn.officer else None, self.clock.now(),
        )
        fire(turn.lifecycle, "submit")
        turn.conv.data = {}
        turn.say(
            texts.SUBMITTED.format(report=self._phrase(turn), version=record.version,
                                   time=self._local_time(record.submitted_at)),
            document=DocumentRef(record.id, record.filename, caption=self._title(turn)),
        )
        await self._offer_others(turn)

    def _local_time(self, moment: Any) -> str:
        local = moment.astimezone(self.tz)
        return f"{local:%H:%M} ngày {local.day:02d}/{local.month:02d}/{local.year}"


def _looks_like_invite(text: str) -> bool:
    """Whether a message could be an invite code (11 letters/digits; case, spaces and
    dashes ignored), so that a revoked officer can bind again with a new one."""
    raw = "".join(ch for ch in text.strip().upper() if ch not in " \t-_.")
    return len(raw) == 11 and raw.isascii() and raw.isalnum()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
