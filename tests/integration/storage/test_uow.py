"""Contract tests of the SQL unit of work, run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from dialogs.domain import AssignmentStatus, Conversation
from dialogs.ports import BindError, ConflictError
from storage import admin
from storage.models import AuditRow, InviteRow
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)


# --- inbound de-duplication ----------------------------------------------------------


async def test_a_delivery_is_claimed_once(uow_factory: UowFactory, now: dt.datetime) -> None:
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "1001", now) is True
        assert await uow.inbound.claim("telegram", "1001", now) is False
        assert await uow.inbound.claim("zalo_oa", "1001", now) is True
        # the transaction is still usable after a duplicate
        await uow.conversations.save(Conversation("telegram", "u1"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "1001", now) is False
        assert await uow.conversations.get("telegram", "u1") is not None


async def test_a_claim_that_was_rolled_back_can_be_claimed_again(
    uow_factory: UowFactory, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "7", now)
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "7", now)


async def test_begin_turn_claims_the_delivery_once_and_loads_the_turn(
    uow_factory: UowFactory, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        context = await uow.turns.begin("telegram", "u1", "m1", now)
        assert context is not None and context.conversation is None and context.officer is None
        await uow.conversations.save(Conversation("telegram", "u1", state="idle", step="q:2"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.turns.begin("telegram", "u1", "m1", now) is None  # a re-delivery
        context = await uow.turns.begin("telegram", "u1", "m2", now)
        assert context is not None and context.conversation is not None
        assert (context.conversation.step, context.conversation.version) == ("q:2", 1)
        assert await uow.turns.begin("telegram", "u1", None, now) is not None  # no id to check
    async with uow_factory() as uow:  # m2's claim was rolled back with its unit of work
        assert await uow.turns.begin("telegram", "u1", "m2", now) is not None
        assert await uow.turns.begin("zalo_oa", "u1", "m1", now) is not None  # another channel


# --- conversations -------------------------------------------------------------------


async def test_conversation_round_trip_and_stale_version_conflict(
    uow_factory: UowFactory,
) -> None:
    async with uow_factory() as uow:
        assert await uow.conversations.get("webchat", "abc") is None
        conversation = Conversation(
            "webchat", "abc", state="answering", step="q:3", data={"return_to": "review"}
        )
        await uow.conversations.save(conversation)
        assert conversation.version == 1
        await uow.commit()

    # Two officers' turns read version 1; the first to save wins, the second's save
    # (of what it read before) is refused instead of overwriting.
    async with uow_factory() as uow:
        theirs = await uow.conversations.get("webchat", "abc")
    async with uow_factory() as uow:
        mine = await uow.conversations.get("webchat", "abc")
        assert mine == Conversation(
            "webchat", "abc", state="answering", step="q:3", data={"return_to": "review"}, version=1
        )
        mine.step = "q:4"
        await uow.conversations.save(mine)
        await uow.commit()
        assert mine.version == 2
    assert theirs is not None
    async with uow_factory() as uow:
        theirs.step = "q:9"
        with pytest.raises(ConflictError):
            await uow.conversations.save(theirs)
        assert theirs.version == 1

    async with uow_factory() as uow:
        stored = await uow.conversations.get("webchat", "abc")
        assert stored is not None and stored.step == "q:4" and stored.version == 2
        with pytest.raises(ConflictError):  # a second "new" conversation for the same user
            await uow.conversations.save(Conversation("webchat", "abc"))


# --- invites and binding ---------------------------------------------------------------


async def _invite(uow: SqlUnitOfWork, agency_id: int, now: dt.datetime, **kw: object) -> str:
    return await admin.create_invite(uow, agency_id, now=now, **kw)  # type: ignore[arg-type]


async def test_orm_and_turn_writes_share_the_unit_of_works_transactions(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    """A turn's statements and the ORM's writes (on PostgreSQL a session made on
    first use, on the unit of work's connection) commit and roll back together,
    transaction after transaction, whichever comes first."""
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbound.claim("web", "m1", now)  # turn statement first
        await _invite(uow, agency.id, now)  # then the ORM
        await uow.rollback()
        await _invite(uow, agency.id, now)  # ORM first
        assert await uow.inbound.claim("web", "m2", now)
        await uow.commit()
        assert await uow.inbound.claim("web", "m3", now)  # a third transaction, left open
    async with uow_factory() as uow:
        assert await uow.inbound.claim("web", "m1", now)  # rolled back
        assert not await uow.inbound.claim("web", "m2", now)  # committed
        assert await uow.inbound.claim("web", "m3", now)  # never committed
        assert len((await uow.session.scalars(select(InviteRow))).all()) == 1


async def test_binding_with_an_invite_creates_the_officer_and_identity(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        code = await _invite(uow, agency.id, now)
        await uow.commit()

    typed = code.lower().replace("-", " ")  # what a person may type
    async with uow_factory() as uow:
        officer = await uow.invites.bind(typed, "telegram", "42", "Trần Thị Mai", now)
        await uow.commit()
    assert (officer.agency_id, officer.full_name, officer.role) == (
        agency.id,
        "Trần Thị Mai",
        "officer",
    )

    async with uow_factory() as uow:
        assert await uow.identities.officer_for("telegram", "42") == officer
        assert await uow.officers.get(officer.id) == officer
        assert await uow.identities.officer_for("telegram", "43") is None
        with pytest.raises(BindError) as used:
            await uow.invites.bind(code, "telegram", "99", None, now)
        assert used.value.reason == "used"
        binds = await uow.audit.entries(entity="officer")
        assert [(e.action, e.entity_id, e.detail["user_id"]) for e in binds] == [
            ("identity.bind", str(officer.id), "42")
        ]


async def test_unknown_and_expired_codes_are_refused(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        code = await _invite(uow, agency.id, now, ttl=dt.timedelta(days=2))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(BindError) as unknown:
            await uow.invites.bind("ZZZZ-ZZZZ-ZZZ", "telegram", "1", None, now)
        assert unknown.value.reason == "unknown"
        with pytest.raises(BindError) as expired:
            await uow.invites.bind(code, "telegram", "1", None, now + 2 * DAY)
        assert expired.value.reason == "expired"
        # one second before expiry it still works
        officer = await uow.invites.bind(
            code, "telegram", "1", None, now + 2 * DAY - dt.timedelta(seconds=1)
        )
        assert officer.full_name == "Cán bộ SCT"


async def test_invite_code_is_stored_only_as_its_hash(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        code = await _invite(uow, agency.id, now, role="dic")
        await uow.commit()
        normalized = code.replace("-", "")
        invite = await uow.session.scalar(select(InviteRow))
        assert invite is not None
        assert invite.code_hash == hashlib.sha256(normalized.encode()).hexdigest()
        dump = " ".join(
            str(cell)
            for row in (await uow.session.execute(text("SELECT * FROM invites"))).all()
            for cell in row
        )
        assert code not in dump and normalized not in dump
        assert invite.role == "dic" and invite.expires_at == now + 30 * DAY


async def test_one_code_used_concurrently_binds_exactly_one_identity(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        code = await _invite(uow, agency.id, now)
        await uow.commit()

    async def attempt(user_id: str) -> str:
        async with uow_factory() as uow:
            try:
                await uow.invites.bind(code, "telegram", user_id, None, now)
            except BindError as exc:
                return exc.reason
            await uow.commit()
            return "bound"

    outcomes = await asyncio.gather(*(attempt(f"user{i}") for i in range(4)))
    assert sorted(outcomes) == ["bound", "used", "used", "used"]
    async with uow_factory() as uow:
        bound = [i for i in range(4) if await uow.identities.officer_for("telegram", f"user{i}")]
        assert len(bound) == 1 and outcomes[bound[0]] == "bound"
        assert len(await uow.officers.list(agency.id)) == 1


async def test_two_codes_sent_at_once_from_one_chat_bind_it_once(
    uow_factory: UowFactory, engine, new_agency, now: dt.datetime
) -> None:
    """The second binding finds the identity made meanwhile: a ConflictError (the
    engine retries the turn), never a database error, and one identity."""
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        codes = [await _invite(uow, agency.id, now) for _ in range(2)]
        await uow.commit()
    first_read, second_read, first_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    one_at_a_time = engine.dialect.name == "sqlite"  # the second enters when the first is done

    async def bind(code: str, second: bool) -> str:
        async with uow_factory() as uow:
            try:
                if second:
                    await first_read.wait()
                await uow.invites.bind(code, "telegram", "5", "Hoa", now)
                if second:  # both have read "no identity yet"; the first commits first
                    second_read.set()
                    await first_done.wait()
                else:
                    first_read.set()
                    if not one_at_a_time:
                        await second_read.wait()
                await uow.commit()
            except ConflictError:
                return "conflict"
            finally:
                if not second:
                    first_done.set()
            return "bound"

    outcomes = await asyncio.gather(bind(codes[0], False), bind(codes[1], True))
    assert outcomes[0] == "bound" and outcomes[1] in ("bound", "conflict")
    async with uow_factory() as uow:
        officer = await uow.identities.officer_for("telegram", "5")
        assert officer is not None
        assert len(await uow.identities.list(agency_id=agency.id)) == 1


async def test_a_second_invite_reuses_or_replaces_the_officer(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        first, same_agency_dic, other_agency = (
            await _invite(uow, sct.id, now),
            await _invite(uow, sct.id, now, role="dic"),
            await _invite(uow, snv.id, now),
        )
        await uow.commit()
    async with uow_factory() as uow:
        officer = await uow.invites.bind(first, "zalo_oa", "z1", "Lê Văn An", now)
        again = await uow.invites.bind(same_agency_dic, "zalo_oa", "z1", "Lê Văn An", now)
        assert again.id == officer.id and again.role == "dic"
        moved = await uow.invites.bind(other_agency, "zalo_oa", "z1", "Lê Văn An", now)
        assert moved.id != officer.id and moved.agency_id == snv.id
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identities.officer_for("zalo_oa", "z1") == moved
        assert [i.user_id for i in await uow.identities.list(agency_id=snv.id)] == ["z1"]
        assert await uow.identities.list(agency_id=sct.id) == []


async def test_what_binding_wrote_is_read_back_in_the_same_transaction(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    """Binding's writes may wait for the turn's next statement (PostgreSQL); every
    read of the tables they change still sees them, before and after commit."""
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        code = await _invite(uow, agency.id, now)
        await uow.commit()
    async with uow_factory() as uow:
        officer = await uow.invites.bind(code, "telegram", "42", "Trần Thị Mai", now)
        turn = await uow.turns.load("telegram", "42")
        assert (turn.officer, turn.agency, turn.last_seen_at) == (officer, agency, now)
        assert await uow.officers.list(agency.id) == [officer]
        assert [e.action for e in await uow.audit.entries(entity="officer")] == [
            "identity.bind"]
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identities.officer_for("telegram", "42") == officer
        invite = await uow.session.scalar(select(InviteRow))
        assert invite is not None and invite.used_by_officer_id == officer.id


async def test_a_new_officer_after_others_gets_a_fresh_id(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    """Ids of officers made by binding follow the ones before, whichever way made."""
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        codes = [await _invite(uow, agency.id, now) for _ in range(3)]
        await uow.commit()
    officers = []
    for i, code in enumerate(codes):
        async with uow_factory() as uow:
            officers.append(await uow.invites.bind(code, "web", f"u{i}", None, now))
            await uow.commit()
    assert len({o.id for o in officers}) == 3
    async with uow_factory() as uow:
        assert await uow.officers.list(agency.id) == officers


async def test_a_refused_code_changes_nothing_and_says_why(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        used, stale = await _invite(uow, agency.id, now), await _invite(uow, agency.id, now)
        await uow.invites.bind(used, "web", "first", None, now)
        await uow.commit()
    async with uow_factory() as uow:
        # used and since expired: "used" is the reason an officer can act on
        with pytest.raises(BindError) as refused:
            await uow.invites.bind(used, "web", "second", None, now + 40 * DAY)
        assert refused.value.reason == "used"
        with pytest.raises(BindError) as refused:
            await uow.invites.bind(stale, "web", "second", None, now + 40 * DAY)
        assert refused.value.reason == "expired"
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.identities.officer_for("web", "second") is None
        assert len(await uow.officers.list(agency.id)) == 1
        assert len(await uow.audit.entries(entity="officer")) == 1


# --- answers ---------------------------------------------------------------------------


async def test_answers_keep_their_history_and_none_deletes(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        officer_code = await _invite(uow, agency.id, now)
        officer = await uow.invites.bind(officer_code, "telegram", "1", "Mai", now)
        await uow.commit()
    assert assignment.status is AssignmentStatus.NOT_STARTED

    later = now + dt.timedelta(hours=2)
    async with uow_factory() as uow:
        await uow.answers.set(assignment.id, "staff_total", 35, officer.id, now)
        await uow.answers.set(assignment.id, "systems", [{"name": "QLVB", "level": 2}], None, now)
        await uow.answers.set(assignment.id, "staff_total", 36, officer.id, later)
        await uow.answers.set(assignment.id, "staff_total", 36, officer.id, later)  # no change
        await uow.answers.set(assignment.id, "systems", None, officer.id, later)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"staff_total": 36}
        history = await uow.answers.history(assignment.id)
        assert [(h.question_id, h.old, h.new, h.officer_id, h.at) for h in history] == [
            ("staff_total", None, 35, officer.id, now),
            ("systems", None, [{"name": "QLVB", "level": 2}], None, now),
            ("staff_total", 35, 36, officer.id, later),
            ("systems", [{"name": "QLVB", "level": 2}], None, officer.id, later),
        ]
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None and stored.status is AssignmentStatus.IN_PROGRESS
        # the history is the answers' audit trail: no second copy in the audit log
        audit = await uow.audit.entries(entity="assignment")
        assert [e for e in audit if e.action == "answer.set"] == []


async def test_a_stale_answer_write_is_refused_and_changes_nothing(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime, database_url: str
) -> None:
    """Two officers' turns read the same answer; the second to write loses with a
    ConflictError (the engine retries its turn) and none of its writes stay."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one unit of work at a time (BEGIN IMMEDIATE): no stale reads")
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.answers.set(assignment.id, "staff_total", 40, None, now)
        await uow.commit()

    async with uow_factory() as first:
        assert await first.answers.get(assignment.id) == {"staff_total": 40}
        async with uow_factory() as second:
            await second.answers.get(assignment.id)
            await second.answers.set(assignment.id, "staff_total", 41, None, now)
            await second.conversations.save(Conversation("web", "second", state="answering"))
            await second.commit()
        await first.answers.set(assignment.id, "staff_total", 42, None, now)
        with pytest.raises(ConflictError, match="staff_total"):
            await first.conversations.save(Conversation("web", "first", state="answering"))

    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"staff_total": 41}
        assert [h.new for h in await uow.answers.history(assignment.id)] == [40, 41]
        assert await uow.conversations.get("web", "first") is None


async def test_leaving_without_commit_rolls_everything_back(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.commit()

    async with uow_factory() as uow:
        await uow.answers.set(assignment.id, "staff_total", 35, None, now)
        await uow.conversations.save(Conversation("telegram", "1", state="answering"))
        await uow.inbound.claim("telegram", "m1", now)
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.answers.set(assignment.id, "staff_total", 40, None, now)
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        await uow.answers.set(assignment.id, "staff_total", 50, None, now)
        await uow.rollback()
        assert await uow.answers.get(assignment.id) == {}
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {}
        assert await uow.answers.history(assignment.id) == []
        assert await uow.conversations.get("telegram", "1") is None
        assert await uow.inbound.claim("telegram", "m1", now) is True
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None and stored.status is AssignmentStatus.NOT_STARTED


# --- submissions -----------------------------------------------------------------------


async def test_submissions_are_immutable_numbered_versions(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.answers.set(assignment.id, "staff_total", 35, None, now)
        first = await uow.submissions.add(
            assignment.id, {"staff_total": 35}, b"PK-v1", "bao-cao-v1.docx", None, now
        )
        await uow.commit()
    assert (first.version, first.answers, first.submitted_at) == (1, {"staff_total": 35}, now)

    later = now + DAY
    async with uow_factory() as uow:
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None
        assert (stored.status, stored.submitted_at) == (AssignmentStatus.SUBMITTED, now)
        with pytest.raises(ConflictError):  # submitted once: a second submit is refused
            await uow.submissions.add(assignment.id, {}, b"PK-x", "x.docx", None, later)
    async with uow_factory() as uow:
        await uow.assignments.set_status(assignment.id, "returned", later)  # DIC returns it
        await uow.answers.set(assignment.id, "staff_total", 36, None, later)
        second = await uow.submissions.add(
            assignment.id, {"staff_total": 36}, b"PK-v2", "bao-cao-v2.docx", None, later
        )
        await uow.commit()
    assert second.version == 2 and second.id != first.id

    async with uow_factory() as uow:
        assert await uow.submissions.latest(assignment.id) == second
        assert [s.answers for s in await uow.submissions.list(assignment.id)] == [
            {"staff_total": 35},
            {"staff_total": 36},
        ]
        assert await uow.submissions.docx(first.id) == ("bao-cao-v1.docx", b"PK-v1")
        assert await uow.submissions.docx(second.id) == ("bao-cao-v2.docx", b"PK-v2")
        assert await uow.submissions.docx(second.id + 100) is None
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None and stored.submitted_at == later
        actions = [e.action for e in await uow.audit.entries(entity="assignment")]
        assert actions.count("submission.add") == 2


async def test_previous_answers_come_from_the_latest_earlier_submission(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        _, [old_sct, old_snv] = await make_round(uow, [sct.id, snv.id], now=now - 365 * DAY)
        _, [other_template] = await make_round(
            uow, [sct.id], template_id="it_periodic", now=now - 100 * DAY
        )
        _, [current_sct, _] = await make_round(uow, [sct.id, snv.id], now=now)
        await uow.submissions.add(old_sct.id, {"staff_total": 30}, b"1", "a.docx", None, now)
        await uow.assignments.set_status(old_sct.id, "returned", now)
        await uow.submissions.add(old_sct.id, {"staff_total": 31}, b"2", "a.docx", None, now)
        await uow.submissions.add(old_snv.id, {"staff_total": 99}, b"3", "b.docx", None, now)
        await uow.submissions.add(other_template.id, {"staff_total": 77}, b"4", "c.docx", None, now)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answers.previous(current_sct.id) == {"staff_total": 31}
        assert await uow.answers.previous(old_sct.id) == {}
        assert await uow.answers.previous(other_template.id) == {}


async def test_open_assignments_lists_open_rounds_newest_first(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        _, [q1] = await make_round(uow, [sct.id], now=now - 60 * DAY, label="quý I")
        closed, _ = await make_round(uow, [sct.id], now=now - 30 * DAY, label="quý II")
        _, [q3] = await make_round(uow, [sct.id], now=now, label="quý III")
        await make_round(uow, [snv.id], now=now + DAY, label="quý IV")
        await admin.close_round(uow, closed.id, now=now)
        await uow.commit()

    async with uow_factory() as uow:
        assert [a.id for a in await uow.assignments.list_open(sct.id)] == [q3.id, q1.id]


async def test_rounds_and_answers_read_with_open_assignments_stay_current(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    """open_assignments brings each assignment's round and answers along; a change
    made in the same transaction is what later reads return."""
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        round_, [assignment] = await make_round(uow, [sct.id], now=now)
        await uow.answers.set(assignment.id, "q1", 5, None, now)
        await uow.commit()
    async with uow_factory() as uow:
        [listed] = await uow.assignments.list_open(sct.id)
        assert (listed.id, listed.status) == (assignment.id, AssignmentStatus.IN_PROGRESS)
        assert await uow.rounds.get(round_.id) == round_
        assert await uow.answers.get(assignment.id) == {"q1": 5}
        await uow.answers.set(assignment.id, "q1", 6, None, now)
        assert await uow.answers.get(assignment.id) == {"q1": 6}
        later = now.date() + 10 * DAY
        await uow.rounds.update(round_.id, deadline=later)
        assert (await uow.rounds.get(round_.id)).deadline == later  # type: ignore[union-attr]
        renamed = await uow.agencies.save({"abbreviation": "SCT", "name": "Sở Công Thương mới"})
        assert await uow.agencies.get(sct.id) == renamed
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"q1": 6}
        assert (await uow.rounds.get(round_.id)).deadline == later  # type: ignore[union-attr]


# --- time ----------------------------------------------------------------------------


async def test_datetimes_come_back_timezone_aware_in_utc(
    uow_factory: UowFactory, new_agency, make_round
) -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    local = dt.datetime(2026, 12, 31, 23, 30, tzinfo=hanoi)
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.submissions.add(assignment.id, {}, b"x", "x.docx", None, local)
        await uow.commit()
    async with uow_factory() as uow:
        submission = await uow.submissions.latest(assignment.id)
        assert submission is not None
        assert submission.submitted_at == local
        assert submission.submitted_at.utcoffset() == dt.timedelta(0)
        assert submission.submitted_at.date() == dt.date(2026, 12, 31) - dt.timedelta(0)
        assert submission.submitted_at.hour == 16


async def test_naive_datetimes_are_refused(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.inbound.claim("telegram", "1", dt.datetime(2026, 1, 1, 8, 0))


async def test_audit_log_rows_are_written_with_the_actor(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        round_, _ = await make_round(uow, [agency.id])
        await admin.set_deadline(
            uow, round_.id, dt.date(2027, 1, 5), now=now, actor_officer_id=None
        )
        await uow.commit()
    async with uow_factory() as uow:
        rows = (await uow.session.scalars(select(AuditRow).order_by(AuditRow.id))).all()
        deadline = [r for r in rows if r.action == "round.deadline"]
        assert [(r.entity, r.entity_id, r.detail) for r in deadline] == [
            ("round", str(round_.id), {"old": "2026-12-20", "new": "2027-01-05"})
        ]
        assert (await uow.rounds.get(round_.id)).deadline == dt.date(2027, 1,
                                                                     5)  # type: ignore[union-attr]
