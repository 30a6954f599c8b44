"""The conversation engine: one inbound message in, the replies out.

Each call is one turn in one unit of work: the delivery id is claimed, the
conversation state is loaded, the answer is validated and stored, the new
state is saved, and only then — after the commit — are the replies returned
for the channel to send. Nothing about a conversation is kept in memory.

The engine only dispatches: it routes a message, by the chat's binding, the
command or the conversation's state, to the handler module that does the work —

- ``dialogs.binding``: invite codes (an unbound chat), the phone question;
- ``dialogs.assignments``: which report the conversation is on, choosing one;
- ``dialogs.navigation``: resume, continue, back, next step, ``sửa N``;
- ``dialogs.answering``: typed and tapped answers, skip, keep, tables, repeats;
- ``dialogs.prompts``: the question prompt;
- ``dialogs.review``: the review and what still blocks submitting;
- ``dialogs.submission``: submit, confirm, cancel, the document and PDF again;
- ``dialogs.references_chat``: the officer's own grounds and Nơi nhận;
- ``dialogs.dashboard_link``: a DIC officer's dashboard login link.

They are functions taking the turn (``dialogs.turn.Turn``), which carries the
engine as its ``setup``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import answering, binding, navigation, review, submission, texts
from dialogs.assignments import (
    choose_assignment,
    load_assignment,
    open_reports,
    select_assignment,
    typed_choice,
)
from dialogs.commands import Command, cmd, parse_callback, parse_command
from dialogs.cursor import Outline
from dialogs.dashboard_link import dashboard
from dialogs.domain import AssignmentStatus, Conversation, DocumentInfo
from dialogs.invisible import has_invisible, strip_invisible
from dialogs.messages import Button, Inbound, Outbound, from_payload, to_payload
from dialogs.phone import PhoneBook
from dialogs.ports import BindGate, Clock, ConflictError, UnitOfWork
from dialogs.prompts import ask_current
from dialogs.references_chat import edit_references, parse_reference_edit
from dialogs.schema import Template
from dialogs.states import State, attached, fire
from dialogs.turn import DashboardLink, FilenameFor, Renderer, Reply, Turn
from dialogs.vn import parse_yes_no

log = logging.getLogger(__name__)

MAX_INPUT = 100_000  # characters of one inbound text that are looked at
#: How stale an identity's "last seen" may get before a turn refreshes it (it only
#: serves Zalo's days-long messaging window, so a write per minute is plenty).
TOUCH_EVERY = dt.timedelta(minutes=1)

#: Buttons honoured whatever was offered last: they only show where the officer is
#: (and reminders' "start" buttons come from outside a turn).
_ALWAYS_LIVE = frozenset({Command.START, Command.CONTINUE, Command.HELP})
_REPEAT_WORDS = {Command.ADD: "thêm", Command.DONE: "xong", Command.REMOVE_LAST: "xóa mục cuối"}
_WORD_OF = {Command.BACK: "quay lại", Command.SKIP: "bỏ qua", Command.KEEP: "giữ",
            **_REPEAT_WORDS}


def _default_filename(template: Template, info: DocumentInfo) -> str:
    return f"{template.type_code}-{info.agency.abbreviation}-{info.round.id}.docx"


class Engine:
    """Runs turns; its attributes are the :class:`dialogs.turn.Setup` the handlers use."""

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

    def outline(self, template: Template) -> Outline:
        key = (template.id, template.version)
        if key not in self._outlines:
            self._outlines[key] = Outline.of(template)
        return self._outlines[key]

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
                turn = Turn(self, uow, conv, officer, lifecycle, context=context)
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
            await binding.unbound(turn, inbound, text)
            return
        await load_assignment(turn)
        if turn.conv.data.get("ask_phone") and await binding.phone_answer(turn, inbound, text):
            return
        edit = parse_reference_edit(text) if text and inbound.callback is None else None
        if edit is not None and turn.assignment is not None and turn.template is not None:
            await edit_references(turn, edit)
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
                await navigation.resume(turn, attach=False)
            elif callback.kind == "cmd" and callback.command is not None:
                await self._command(turn, callback.command, callback.argument, inbound)
            else:
                await answering.button_answer(turn, callback.value or "", callback.step or "")
            return
        parsed = parse_command(text) if text else None
        if parsed is not None:
            await self._command(turn, parsed.command, parsed.argument, inbound)
        elif not text:
            await navigation.resume(turn)
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

    # -------------------------------------------------------------- commands
    async def _command(
        self, turn: Turn, command: Command, argument: str | None, inbound: Inbound
    ) -> None:
        """A typed command or a tapped command button, by name and state."""
        if command == Command.START and argument:
            await binding.bind(turn, inbound, argument)
            return
        if command == Command.DASHBOARD:
            await dashboard(turn)
            return
        if command == Command.DOCUMENT:
            await submission.send_document(turn)
            return
        if command == Command.HELP:
            turn.say(texts.HELP)
            if turn.lifecycle.state == State.ANSWERING:
                await ask_current(turn)
            return
        if command == Command.CONTINUE and argument:
            await select_assignment(turn, argument)
            if turn.assignment is None:
                return
            command = Command.CONTINUE
        if turn.assignment is None or turn.template is None:
            await choose_assignment(turn)
            return
        if command == Command.PDF_TO_SIGN:
            await submission.pdf_to_sign(turn)
            return
        if turn.assignment.status == AssignmentStatus.SUBMITTED:
            if command in (Command.START, Command.CONTINUE):
                others = await open_reports(turn, exclude=turn.assignment.id, unsubmitted=True)
                if len(others) == 1:  # nothing to choose: straight on to the next report
                    await self._command(turn, Command.CONTINUE, str(others[0][0].id), inbound)
                    return
            await submission.already_submitted(turn)
            return
        state = turn.lifecycle.state
        if command in (Command.START, Command.CONTINUE):
            await navigation.continue_answering(turn)
        elif command == Command.REVIEW:
            fire(turn.lifecycle, "review")
            review.show(turn, argument)
        elif command == Command.EDIT:
            await navigation.edit(turn, argument or "")
        elif command == Command.SUBMIT:
            submission.ask_submit(turn)
        elif command == Command.CONFIRM:
            if state == State.CONFIRMING:
                await submission.submit(turn)
            else:
                submission.ask_submit(turn)
        elif command == Command.CANCEL:
            submission.cancel(turn)
        else:  # navigation inside the questionnaire
            if state != State.ANSWERING:
                if state == State.IDLE and turn.conv.step:
                    fire(turn.lifecycle, "answer")
                else:
                    turn.say(texts.ONLY_WHILE_ANSWERING.format(word=_WORD_OF.get(command, "")))
                    await navigation.resume(turn)
                    return
            await self._navigate(turn, command)

    @staticmethod
    async def _navigate(turn: Turn, command: Command) -> None:
        """``quay lại``, ``bỏ qua``, ``giữ`` and a repeat's ``thêm`` / ``xong`` /
        ``xóa mục cuối`` at the current step."""
        step = turn.current_step()
        if command == Command.BACK:
            navigation.back(turn, step)
        elif command == Command.SKIP:
            await answering.skip(turn, step)
            return  # skip asks the next question itself
        elif command == Command.KEEP:
            await answering.keep(turn, step)
            return  # likewise
        elif command in (Command.ADD, Command.DONE, Command.REMOVE_LAST):
            if step.kind != "r":
                turn.say(texts.REPEAT_COMMAND_HERE.format(word=_REPEAT_WORDS[command]))
                await ask_current(turn)
                return
            await answering.repeat_gate(turn, step, command)
            return
        await ask_current(turn)

    # ------------------------------------------------------------ typed text
    async def _text(self, turn: Turn, text: str) -> None:
        """A typed message that is no command: a report's number, a yes/no to the
        confirmation, or (while answering) the answer to the current step."""
        choosing = turn.assignment is None \
            or turn.assignment.status == AssignmentStatus.SUBMITTED \
            or turn.lifecycle.state in (State.IDLE, State.SUBMITTED)
        choice = typed_choice(turn, text) if choosing else None
        if choice is not None:
            await self._command(turn, Command.CONTINUE, str(choice), Inbound("", ""))
            return
        if turn.assignment is not None and turn.assignment.status == AssignmentStatus.SUBMITTED:
            await submission.already_submitted(turn)
            return
        state = turn.lifecycle.state
        if state == State.CONFIRMING:
            try:
                yes = parse_yes_no(text)
            except ValueError:
                submission.confirm_prompt(turn)
                return
            await self._command(turn, Command.CONFIRM if yes else Command.CANCEL, None,
                                Inbound("", ""))
            return
        if state == State.REVIEWING:
            turn.say(texts.REVIEWING_HINT)
            review.show(turn)
            return
        if state != State.ANSWERING:
            if turn.conv.step is None:
                await self._command(turn, Command.CONTINUE, None, Inbound("", ""))
            else:
                turn.say(texts.IDLE_HINT, [[Button(texts.BUTTONS["continue"],
                                                   cmd(Command.CONTINUE))]])
            return
        await answering.answer(turn, turn.current_step(), text=text)
