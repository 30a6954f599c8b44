"""`baocao audit ASSIGNMENT`: answer, submission and deadline changes with who and when."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.bootstrap import build_app
from bot.clock import FixedClock
from bot.settings import Settings
from dialogs.messages import Inbound
from storage import admin
from tests.support.cli import Invoke, ok


async def _answer_and_move_deadline(database_url: str, tmp_path) -> None:
    settings = Settings(database_url=database_url, data_dir=tmp_path / "var", secret_key="k")
    clock = FixedClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC))
    boot = await build_app(settings, clock=clock)
    try:
        async with boot.uow_factory() as uow:
            sct = await uow.agencies.by_abbreviation("SCT")
            code = await admin.create_invite(uow, sct.id, now=clock.now())
            await uow.commit()
        said = 0

        async def say(text: str) -> None:
            nonlocal said
            said += 1
            await boot.engine.handle(Inbound("web", "w" * 20, text=text, display_name="Lê Thị Thu",
                                             message_id=f"m{said}"))

        await say(code)
        await say("bỏ qua")  # optional narrative
        await say("thêm")
        await say("1")
        await say("927/KH-SCT")
        await say("26/2/2021")
        await say("ứng dụng công nghệ thông tin giai đoạn 2021-2025")
        await say("xong")
        await say("56")
        await say("quay lại")
        clock.advance(dt.timedelta(minutes=5))
        await say("58")
        async with boot.uow_factory() as uow:
            await admin.set_deadline(uow, 1, dt.date(2026, 12, 25), now=clock.now())
            await uow.commit()
    finally:
        await boot.aclose()


def test_audit_lists_changes_with_who_and_when(
    run_cli: Invoke, database_url: str, tmp_path
) -> None:
    ok(run_cli("init", "--demo"))
    asyncio.run(_answer_and_move_deadline(database_url, tmp_path))
    out = ok(run_cli("audit", "1"))
    assert "Thời điểm" in out and "Người thực hiện" in out
    assert "Tổng số CBCC: (trống) → 56" in out
    assert "Tổng số CBCC: 56 → 58" in out
    assert "Lê Thị Thu" in out
    assert "23/11/2026 09:00" in out and "23/11/2026 09:05" in out  # local time
    assert "đổi hạn nộp" in out and "hạn nộp 18/12/2026 → 25/12/2026" in out
    missing = run_cli("audit", "999")
    assert missing.exit_code == 1 and "Không có phiếu số 999" in missing.output
