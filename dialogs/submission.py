"""Submitting a report, and what comes after: ``nộp`` asks for a confirmation
(or lists what is missing), ``xác nhận`` renders and stores the submission and
sends the DOCX; a submitted report says so, sends its document again
(``tải lại``) or the PDF to sign (``tải pdf``)."""

from __future__ import annotations

from dialogs import review, texts
from dialogs.assignments import offer, offer_others, open_reports
from dialogs.commands import Command, cmd
from dialogs.domain import AssignmentStatus, DocumentInfo
from dialogs.messages import Button, DocumentRef
from dialogs.prompts import ask_current
from dialogs.schema import Question
from dialogs.states import State, fire
from dialogs.turn import Turn


def ask_submit(turn: Turn) -> None:
    """``nộp``: the confirmation question, or the review listing what is missing."""
    if turn.lifecycle.state not in (State.ANSWERING, State.REVIEWING, State.CONFIRMING):
        fire(turn.lifecycle, "review")  # paused, or reopened after a return
    problems = review.problems(turn)
    if problems:
        fire(turn.lifecycle, "review")
        say_problems(turn, problems)
        return
    fire(turn.lifecycle, "ask_submit")
    confirm_prompt(turn)


def say_problems(turn: Turn, problems: list[tuple[Question, str]]) -> None:
    """Why it cannot be submitted yet: the review, which lists the problems first."""
    turn.say(texts.NOT_YET)
    review.show(turn)


def confirm_prompt(turn: Turn) -> None:
    assert turn.template is not None and turn.round is not None and turn.agency is not None
    turn.say(
        texts.CONFIRM.format(report=turn.phrase(), agency=turn.agency.name,
                             collector=turn.setup.collector),
        [[Button(texts.BUTTONS["confirm"], cmd(Command.CONFIRM)),
          Button(texts.BUTTONS["review"], cmd(Command.CANCEL))]],
    )


def cancel(turn: Turn) -> None:
    """``hủy``: back to the review from the confirmation; otherwise a pause."""
    if turn.lifecycle.state == State.CONFIRMING:
        fire(turn.lifecycle, "review")
        turn.say(texts.CONFIRM_CANCELLED)
        review.show(turn)
    else:
        fire(turn.lifecycle, "pause")
        turn.say(texts.PAUSED, [[Button(texts.BUTTONS["continue"], cmd(Command.CONTINUE))]])


async def submit(turn: Turn) -> None:
    """``xác nhận``: render the document, store the submission, send it."""
    assert turn.template is not None and turn.round is not None
    assert turn.agency is not None and turn.assignment is not None
    setup = turn.setup
    problems = review.problems(turn)
    if problems:
        fire(turn.lifecycle, "review")
        say_problems(turn, problems)
        return
    references = await turn.uow.references.for_document(turn.round.id, turn.assignment.id)
    info = DocumentInfo(agency=turn.agency, round=turn.round, references=references,
                        rendered_at=setup.clock.now())
    docx = setup.render(turn.template, turn.answers, info)
    filename = setup.filename(turn.template, info)
    record = await turn.uow.submissions.add(
        turn.assignment.id, dict(turn.answers), docx, filename,
        turn.officer.id if turn.officer else None, setup.clock.now(),
    )
    fire(turn.lifecycle, "submit")
    turn.conv.data = {}
    turn.say(
        texts.SUBMITTED.format(report=turn.phrase(), version=record.version,
                               time=turn.local_time(record.submitted_at)),
        document=DocumentRef(record.id, record.filename, caption=turn.title()),
    )
    await offer_others(turn)


async def already_submitted(turn: Turn, *, attach: bool = True) -> None:
    """The report is submitted: say so and offer the agency's other open reports
    (the document again only when there is nothing else to go on with)."""
    assert turn.assignment is not None and turn.template is not None
    record = await turn.uow.submissions.latest(turn.assignment.id)
    if turn.lifecycle.state not in (State.SUBMITTED, State.UNBOUND):
        fire(turn.lifecycle, "mark_submitted")  # the stored status wins
    assert turn.agency is not None
    others = await open_reports(turn, exclude=turn.assignment.id, unsubmitted=True)
    when = turn.local_time(record.submitted_at) if record else ""
    text = texts.ALREADY_SUBMITTED.format(
        title=turn.title(), version=record.version if record else 1, time=when,
        collector=turn.setup.collector,
    )
    document = DocumentRef(record.id, record.filename) \
        if record and attach and not others else None
    turn.say(text, document=document)
    if others:
        offer(turn, texts.OTHER_OPEN.format(agency=turn.agency.name, count=len(others)),
              others, buttons=False)


async def send_document(turn: Turn) -> None:
    """The conversation's last submitted document again (a fresh download link)."""
    record = None
    if turn.assignment is not None:
        record = await turn.uow.submissions.latest(turn.assignment.id)
    if record is None:
        turn.say(texts.NO_DOCUMENT)
        return
    turn.say(texts.DOCUMENT_AGAIN.format(version=record.version),
             document=DocumentRef(record.id, record.filename))


async def pdf_to_sign(turn: Turn) -> None:
    """The submitted report again: the channel turns its DocumentRef into the DOCX and
    the signed "Tải PDF để ký số" link. Only a submitted (not returned) report."""
    assert turn.assignment is not None and turn.template is not None
    round_ = turn.round
    assert round_ is not None
    record = await turn.uow.submissions.latest(turn.assignment.id)
    if record is None or turn.assignment.status != AssignmentStatus.SUBMITTED:
        turn.say(texts.PDF_NOT_READY.format(title=turn.title()))
        if turn.lifecycle.state == State.ANSWERING:
            await ask_current(turn)
        return
    if turn.lifecycle.state not in (State.SUBMITTED, State.UNBOUND):
        fire(turn.lifecycle, "mark_submitted")  # the stored status wins
    turn.say(
        texts.PDF_TO_SIGN.format(title=turn.title(), version=record.version,
                                 time=turn.local_time(record.submitted_at)),
        document=DocumentRef(record.id, record.filename, caption=turn.title()),
    )
