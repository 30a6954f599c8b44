"""Invite codes and binding (``uow.invites``), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from dialogs.ports import BindError, ConflictError
from storage import admin
from storage.models import InviteRow
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def _invite(uow: SqlUnitOfWork, agency_id: int, now: dt.datetime, **kw: object) -> str:
    return await admin.create_invite(uow, agency_id, now=now, **kw)  # type: ignore[arg-type]


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
