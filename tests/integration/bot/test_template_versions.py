"""Templates in the database (SQLite and PostgreSQL): each publish is a version, a
round keeps the version it was opened with until it is moved on purpose, answers
to questions a new version dropped stay stored and in the audit, retiring keeps
open rounds working; and ``baocao templates add`` of an XLSForm end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot import template_service as ts
from bot.cli import cli
from bot.template_catalog import TemplateCatalog
from dialogs.loader import load_template
from dialogs.pinned import round_template
from dialogs.schema import Section, Template
from storage import admin
from tests.integration.dialogs.conftest import make_world
from tests.support.xlsform import workbook

HERE = Path(__file__).resolve().parent.parent / "dialogs"
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def mini() -> Template:
    return load_template(HERE / "mini.yaml")


def edited(template: Template, *, drop: set[str], changes: dict[str, dict[str, Any]]) -> Template:
    """A copy with questions dropped and some questions changed."""

    def items(section: Section) -> list[Any]:
        out: list[Any] = []
        for item in section.items:
            if isinstance(item, Section):
                out.append(item.model_copy(update={"items": items(item)}))
            elif item.id not in drop:
                out.append(item.model_copy(update=changes.get(item.id, {})))
        return out

    return template.model_copy(update={
        "sections": [s.model_copy(update={"items": items(s)}) for s in template.sections]})


async def test_a_round_keeps_its_version_until_moved(uow_factory: Any) -> None:
    first = await ts.publish(uow_factory, mini(), published_by="dic", move_open_rounds=False,
                             now=NOW)
    assert (first.version, first.open_rounds) == (1, [])
    world = await make_world(uow_factory, mini())
    catalog = TemplateCatalog(uow_factory)
    await catalog.refresh(force=True)
    world.engine.templates = catalog
    chat = world.chat("officer-sct")
    await chat.send(world.invites["SCT0"])
    assert "Tổng số cán bộ, công chức của đơn vị?" in chat.text
    await chat.send("40")  # staff: the question version 2 drops
    assert "Số CBCC được trang bị máy tính?" in chat.text

    version_2 = edited(mini(), drop={"staff", "computer_share"}, changes={"computers": {
        "prompt": "Số CBCC có máy tính (cả máy xách tay)?", "constraint": None}})
    kept = await ts.publish(uow_factory, version_2,
                            published_by="dic", move_open_rounds=False, now=NOW)
    assert (kept.version, kept.open_rounds, kept.moved_rounds) == (2, [world.round_id], [])
    await chat.send("30")
    await chat.send("/back")  # the round still asks version 1's wording
    assert "Số CBCC được trang bị máy tính?" in chat.text

    moved = await ts.publish(uow_factory, version_2,
                             published_by="dic", move_open_rounds=True, now=NOW)
    assert (moved.version, moved.moved_rounds) == (3, [world.round_id])
    await chat.send("30")
    await chat.send("/back")
    assert "Số CBCC có máy tính (cả máy xách tay)?" in chat.text

    async with uow_factory() as uow:
        round_ = await uow.rounds.get(world.round_id)
        answers = await uow.answers.get(1)
        history = await admin.answer_history(uow, 1)
        pinned = await round_template(catalog, round_, uow)
    assert round_.template_version == 3
    assert pinned is not None and "staff" not in {q.id for q in pinned.iter_questions()}
    assert answers["staff"] == 40  # the dropped question's answer is still stored
    assert any(change.question_id == "staff" for change in history)  # and in the audit


async def test_versions_are_listed_with_who_and_when_and_retire_keeps_open_rounds(
    uow_factory: Any,
) -> None:
    await ts.load_bundled(uow_factory, now=NOW)
    await ts.publish(uow_factory, mini(), published_by="nguyen.van.a", move_open_rounds=False,
                     now=NOW)
    await ts.publish(uow_factory, mini(), published_by="tran.thi.b", move_open_rounds=False,
                     now=NOW + dt.timedelta(hours=1))
    summaries = {s.template_id: s for s in await ts.list_templates(uow_factory)}
    assert set(summaries) == {"annual_it", "cong_van_ngan", "covid_cong_van", "ct02_chu_ky_so",
                              "periodic_it", "mini"}
    assert (summaries["mini"].latest_version, summaries["mini"].published_by) == (2, "tran.thi.b")
    versions = await ts.list_versions(uow_factory, "mini")
    assert [(v.version, v.published_by, v.published_at) for v in versions] == [
        (2, "tran.thi.b", NOW + dt.timedelta(hours=1)), (1, "nguyen.van.a", NOW)]
    assert summaries["annual_it"].published_by is None  # bundled

    world = await make_world(uow_factory, mini())
    catalog = TemplateCatalog(uow_factory, ttl=0)
    await catalog.refresh()
    assert "mini" in catalog
    assert await ts.retire(uow_factory, "mini", now=NOW)
    assert not await ts.retire(uow_factory, "khong_co", now=NOW)
    await catalog.refresh()
    assert "mini" not in catalog  # no new round may use it
    async with uow_factory() as uow:
        round_ = await uow.rounds.get(world.round_id)
    assert (await round_template(catalog, round_)).id == "mini"  # the open round goes on
    listed = {s.template_id: s.retired for s in await ts.list_templates(uow_factory)}
    assert listed["mini"] is True


def xlsform() -> bytes:
    return workbook([
        {"type": "begin_group", "name": "phan_1", "label": "I. THIẾT BỊ"},
        {"type": "integer", "name": "may_tinh_bang", "label": "Số máy tính bảng?",
         "required": "yes", "baocao::rollup": "sum"},
        {"type": "select_multiple bp", "name": "bien_phap", "label": "Biện pháp an toàn?"},
        {"type": "end_group"},
    ], [{"list_name": "bp", "name": "tuong_lua", "label": "Tường lửa"}],
        {"form_title": "Khảo sát thiết bị", "form_id": "khao_sat_thiet_bi"})


def test_templates_add_list_show_export_retire_from_the_cli(
    database_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    db = ["--database-url", database_url]
    path = tmp_path / "khao_sat.xlsx"
    path.write_bytes(xlsform())

    added = runner.invoke(cli, [*db, "templates", "add", str(path), "--by", "dic"])
    assert added.exit_code == 0, added.output
    assert "Đã xuất bản mẫu khao_sat_thiet_bi phiên bản 1: Khảo sát thiết bị" in added.output

    listed = runner.invoke(cli, [*db, "templates", "list"])
    assert "khao_sat_thiet_bi  1" in listed.output
    assert "annual_it" in listed.output  # the bundled ones are in the database too

    shown = runner.invoke(cli, [*db, "templates", "show", "khao_sat_thiet_bi"])
    assert "Số máy tính bảng?" in shown.output

    out = tmp_path / "ra.xlsx"
    exported = runner.invoke(cli, [*db, "templates", "export", "khao_sat_thiet_bi",
                                   "--format", "xlsform", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    again = ts.validate_upload(out.read_bytes(), "ra.xlsx").template
    assert again is not None and [q.id for q in again.iter_questions()] == [
        "may_tinh_bang", "bien_phap"]
    yaml_out = tmp_path / "ra.yaml"
    runner.invoke(cli, [*db, "templates", "export", "khao_sat_thiet_bi", "-o", str(yaml_out)])
    assert "id: khao_sat_thiet_bi" in yaml_out.read_text(encoding="utf-8")

    retired = runner.invoke(cli, [*db, "templates", "retire", "khao_sat_thiet_bi"])
    assert "Đã ngừng dùng mẫu khao_sat_thiet_bi." in retired.output
    assert "ngừng dùng" in runner.invoke(cli, [*db, "templates", "list"]).output


def test_a_file_with_errors_stores_nothing(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--database-url", database_url]
    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(workbook([
        {"type": "numbr", "name": "a", "label": "A?"},
        {"type": "integer", "name": "b", "label": "B?", "relevant": "${zz} > 0"},
        {"type": "integer", "name": "b", "label": "B lại?"},
    ], settings={"form_title": "Lỗi", "form_id": "mau_loi"}))

    result = runner.invoke(cli, [*db, "templates", "add", str(bad)])

    assert result.exit_code == 1
    assert "Trang survey, dòng 2, cột type: kiểu 'numbr' không có" in result.output
    assert "Trang survey, dòng 3, cột relevant: biểu thức nhắc tới câu hỏi không có" in (
        result.output)
    assert "Trang survey, dòng 4, cột name: tên 'b' bị trùng với dòng 3" in result.output
    assert "Lỗi: tệp loi.xlsx có 3 lỗi; chưa lưu gì." in result.output
    listed = runner.invoke(cli, [*db, "templates", "list"])
    assert "mau_loi" not in listed.output


def test_a_file_over_5_mb_is_refused_unread(database_url: str, tmp_path: Path) -> None:
    big = tmp_path / "lon.xlsx"
    with big.open("wb") as f:
        f.truncate(ts.MAX_UPLOAD_BYTES + 1)
    result = CliRunner().invoke(cli, ["--database-url", database_url, "templates", "add",
                                      str(big)])
    assert result.exit_code == 1
    assert "Tệp lớn hơn 5 MB" in result.output




async def test_open_rounds_are_reported_before_publishing(uow_factory: Any) -> None:
    await ts.publish(uow_factory, mini(), published_by="dic", move_open_rounds=False, now=NOW)
    assert await ts.open_rounds_of(uow_factory, "mini") == []
    world = await make_world(uow_factory, mini())
    assert await ts.open_rounds_of(uow_factory, "mini") == [ts.OpenRound(world.round_id, 1)]
