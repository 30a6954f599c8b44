"""A chat that is not bound to an officer yet: the invite code (``/start <code>``
or the code typed), throttled per chat and per network address; a revoked chat is
refused. Once bound, the officer's phone number is asked once when ZNS reminders
need it."""

from __future__ import annotations

import datetime as dt
import logging

from dialogs import phone, texts
from dialogs.assignments import load_assignment
from dialogs.commands import Command, parse_callback, parse_command
from dialogs.messages import Inbound
from dialogs.navigation import resume
from dialogs.ports import BindError
from dialogs.states import fire
from dialogs.turn import Turn

log = logging.getLogger(__name__)

#: Invite codes carry ~54 bits; on top, one chat identity gets this many wrong
#: codes per window before it must wait.
MAX_BIND_FAILURES = 5
BIND_WINDOW = dt.timedelta(minutes=15)


async def unbound(turn: Turn, inbound: Inbound, text: str) -> None:
    """Any message from a chat no officer is bound to."""
    collector = turn.setup.collector
    parsed = parse_command(text) if text else None
    code = text
    if turn.conv.data.get("revoked"):  # the DIC revoked this chat's access
        looks_like_code = parsed is not None and parsed.command == Command.START \
            and bool(parsed.argument)
        if not looks_like_code and not looks_like_invite(text):
            log.warning("message refused: %s:%s was revoked", inbound.channel,
                        inbound.user_id)
            turn.say(texts.REVOKED.format(collector=collector))
            return
    if parsed is not None:
        if parsed.command == Command.START and parsed.argument:
            code = parsed.argument
        else:
            if parsed.command != Command.START:
                log.warning("command %s refused: %s:%s is not bound", parsed.command.value,
                            inbound.channel, inbound.user_id)
            turn.say(texts.WELCOME_UNBOUND.format(collector=collector))
            return
    if not code or inbound.callback is not None:
        if inbound.callback is not None:
            log.warning("button refused: %s:%s is not bound", inbound.channel, inbound.user_id)
        turn.say(texts.ASK_INVITE)
        return
    await bind(turn, inbound, code)


async def bind(turn: Turn, inbound: Inbound, code: str) -> None:
    """Bind the chat with an invite code (also ``/start <code>`` from a bound chat)."""
    setup = turn.setup
    now = setup.clock.now()
    since = now - BIND_WINDOW
    recent = [t for t in turn.conv.data.get("bind_failures", [])
              if isinstance(t, str) and dt.datetime.fromisoformat(t) > since]
    if len(recent) >= MAX_BIND_FAILURES:
        log.warning("invite attempts throttled for %s:%s", inbound.channel, inbound.user_id)
        turn.conv.data["bind_failures"] = recent
        turn.say(texts.BIND_ERRORS["throttled"])
        return
    wait = setup.bind_gate.wait(inbound.origin, now) if setup.bind_gate else None
    if wait is not None:
        log.warning("invite attempts throttled for %s:%s from %s", inbound.channel,
                    inbound.user_id, inbound.origin)
        turn.say(texts.BIND_WAIT.format(wait=wait_text(wait)))
        return
    try:
        officer = await turn.uow.invites.bind(
            code[:64], inbound.channel, inbound.user_id, inbound.display_name,
            setup.clock.now(),
        )
    except BindError as exc:
        log.warning("invite refused (%s) for %s:%s", exc.reason, inbound.channel,
                    inbound.user_id)
        turn.conv.data["bind_failures"] = [*recent, now.isoformat()]
        if setup.bind_gate is not None:
            setup.bind_gate.failed(inbound.origin, now)
        message = texts.BIND_ERRORS.get(exc.reason, texts.BIND_ERRORS["unknown"])
        turn.say(message.format(collector=setup.collector))
        return
    turn.officer = officer
    turn.conv.officer_id = officer.id
    turn.conv.assignment_id = None
    turn.conv.step = None
    turn.conv.data = {}
    fire(turn.lifecycle, "bind")
    turn.agency = await turn.uow.agencies.get(officer.agency_id)
    turn.say(texts.BOUND.format(agency=turn.agency.name if turn.agency else ""))
    await load_assignment(turn)
    if setup.phones is not None:  # ZNS reminders need the officer's phone
        listed = await setup.phones.from_agency(turn.uow, officer.agency_id)
        if listed is not None:  # the agencies CSV gives it: not asked
            await setup.phones.save(turn.uow, officer.id, listed, "csv")
        else:  # asked once, before the questionnaire
            turn.conv.data["ask_phone"] = True
            turn.say(phone.ASK)
            return
    await resume(turn)


async def phone_answer(turn: Turn, inbound: Inbound, text: str) -> bool:
    """The answer to the phone question; False: not one (carry on as usual)."""
    phones = turn.setup.phones
    assert phones is not None and turn.officer is not None
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
        await phones.save(turn.uow, turn.officer.id, number, "chat")
        turn.conv.data.pop("ask_phone", None)
        turn.say(phone.SAVED.format(phone=phone.display(number)))
    await resume(turn)
    return True


def looks_like_invite(text: str) -> bool:
    """Whether a message could be an invite code (11 letters/digits; case, spaces and
    dashes ignored), so that a revoked officer can bind again with a new one."""
    raw = "".join(ch for ch in text.strip().upper() if ch not in " \t-_.")
    return len(raw) == 11 and raw.isascii() and raw.isalnum()


def wait_text(wait: dt.timedelta) -> str:
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    if seconds < 60:
        return f"{seconds} giây"
    return f"{-(-seconds // 60)} phút"
