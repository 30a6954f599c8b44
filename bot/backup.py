"""``baocao backup FILE`` / ``baocao restore FILE``: a consistent copy of the whole database.

SQLite: the file is copied with SQLite's online backup API (``sqlite3.Connection.backup``),
which gives a consistent snapshot even while the bot is answering; the backup is
itself a SQLite database. Restoring copies it back page by page over the target file.

PostgreSQL: ``pg_dump --format=custom`` writes the backup, ``pg_restore`` reads it.
Both come from the ``postgresql-client`` package and must be the server's major
version or newer. The password, if the URL has one, goes to them in ``PGPASSWORD``,
never on the command line. The equivalent commands by hand::

    pg_dump --format=custom --no-owner --no-privileges --file=baocao.dump \
        --dbname=postgresql://baocao@db:5432/baocao
    pg_restore --no-owner --no-privileges --single-transaction --exit-on-error \
        --dbname=postgresql://baocao@db:5432/baocao baocao.dump

A restore goes into an empty database (no tables, or the tables of ``baocao init``
with no rows); ``replace=True`` first removes what the target holds. Afterwards the
schema is migrated to this version's head, so a backup from an older release
restores into a newer one. Stop the bot processes during a restore.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from storage.db import normalize_url, upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: Tables that hold no user data: present in a freshly migrated, "empty" database.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "sqlite_sequence"})


class BackupError(Exception):
    """A backup or restore that cannot be done, explained in Vietnamese."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size: int
    backend: str


def _backend(url: str) -> tuple[str, URL]:
    parsed = make_url(normalize_url(url))
    return parsed.get_backend_name(), parsed


def _sqlite_path(parsed: URL) -> Path:
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("chỉ sao lưu/khôi phục được cơ sở dữ liệu SQLite nằm trong một tệp.")
    return Path(database)


def backup(url: str, target: Path) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``target`` (replaced atomically)."""
    backend, parsed = _backend(url)
    target = target.expanduser()
    if target.is_dir():
        raise BackupError(f"{target} là một thư mục; hãy đưa tên tệp sao lưu.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_path(parsed), partial)
        elif backend == "postgresql":
            _run_pg("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                f"--file={partial}"], parsed)
        else:
            raise BackupError(f"không hỗ trợ sao lưu cơ sở dữ liệu {backend}.")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, backend)


def restore(url: str, source: Path, *, replace: bool = False) -> str:
    """Load the backup ``source`` into the database at ``url``; return the backend name.

    Refuses (:class:`BackupError`) a file of the other backend or of another kind, and
    a target that already holds data unless ``replace``.
    """
    backend, parsed = _backend(url)
    source = source.expanduser()
    try:
        with source.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"không đọc được tệp sao lưu {source} ({exc.strerror}).") from exc
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(_wrong_kind(source, head, "SQLite"))
        _sqlite_restore(source, _sqlite_path(parsed), replace=replace)
    elif backend == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(_wrong_kind(source, head, "PostgreSQL (pg_dump)"))
        _pg_restore(source, parsed, replace=replace)
    else:
        raise BackupError(f"không hỗ trợ khôi phục cơ sở dữ liệu {backend}.")
    upgrade(url)
    return backend


def _wrong_kind(source: Path, head: bytes, expected: str) -> str:
    if head.startswith(SQLITE_MAGIC):
        found = "bản sao lưu SQLite"
    elif head.startswith(PG_DUMP_MAGIC):
        found = "bản sao lưu PostgreSQL"
    else:
        found = "không phải bản sao lưu của Báo cáo bot"
    return f"tệp {source} là {found}; cơ sở dữ liệu đích cần bản sao lưu {expected}."


# --------------------------------------------------------------------------- SQLite


def _sqlite_backup(path: Path, target: Path) -> None:
    if not path.exists():
        raise BackupError(f"không có tệp cơ sở dữ liệu {path}.")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def _sqlite_tables_with_rows(connection: sqlite3.Connection) -> list[str]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [name for name in names if name not in BOOKKEEPING_TABLES
            and connection.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()]


def _sqlite_restore(source: Path, path: Path, *, replace: bool) -> None:
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            has_schema = backup_db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"tệp sao lưu {source} bị hỏng ({exc}).") from exc
        if not has_schema:
            raise BackupError(f"tệp {source} không phải bản sao lưu của Báo cáo bot.")
        path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(path, timeout=10)
        try:
            if not replace and (filled := _sqlite_tables_with_rows(target)):
                raise BackupError(_not_empty(filled))
            backup_db.backup(target)
        finally:
            target.close()
    finally:
        backup_db.close()


def _not_empty(tables: list[str]) -> str:
    return (f"cơ sở dữ liệu đích đã có dữ liệu (bảng {', '.join(sorted(tables)[:5])}); "
            "hãy khôi phục vào một cơ sở dữ liệu trống, hoặc thêm --replace để xoá dữ liệu "
            "hiện có rồi khôi phục.")


# --------------------------------------------------------------------------- PostgreSQL


def libpq_url(parsed: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``parsed`` without the password, and the environment
    that carries it (``PGPASSWORD``). asyncpg's ``ssl=`` becomes libpq's ``sslmode=``."""
    env = {}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    query = dict(parsed.query)
    if "ssl" in query and "sslmode" not in query:
        query["sslmode"] = query.pop("ssl")
    query = {k: v for k, v in query.items() if k in {"sslmode", "sslrootcert", "application_name"}}
    uri = parsed.set(drivername="postgresql", password=None, query=query)
    return uri.render_as_string(hide_password=False), env


def _run_pg(tool: str, args: list[str], parsed: URL) -> str:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"không tìm thấy lệnh {tool}; hãy cài gói postgresql-client "
                          "(cùng phiên bản chính với máy chủ PostgreSQL hoặc mới hơn).")
    uri, extra_env = libpq_url(parsed)
    result = subprocess.run(
        [executable, *args, f"--dbname={uri}"],
        env={**os.environ, **extra_env}, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{tool} thất bại: {detail[-1] if detail else result.returncode}")
    return result.stdout


def _pg(parsed: URL, sql: str, *, fetch: bool = True) -> list[str]:
    """Run ``sql`` through asyncpg (no psql needed) on a loop of its own in a worker
    thread, so it works whether or not the caller runs an event loop; the first
    column of each row, or nothing when ``fetch`` is false (several statements)."""
    import asyncio
    import threading

    import asyncpg

    uri, extra_env = libpq_url(parsed)
    outcome: dict[str, Any] = {}

    async def go() -> list[str]:
        connection = await asyncpg.connect(uri, password=extra_env.get("PGPASSWORD"))
        try:
            if not fetch:
                await connection.execute(sql)
                return []
            return [row[0] for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    def work() -> None:
        try:
            outcome["value"] = asyncio.run(go())
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="baocao-backup")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _pg_restore(source: Path, parsed: URL, *, replace: bool) -> None:
    tables = _pg(parsed, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    if tables:
        union = " UNION ALL ".join(
            f"(SELECT '{name}' FROM \"{name}\" LIMIT 1)" for name in tables
            if name not in BOOKKEEPING_TABLES)
        filled = _pg(parsed, union) if union else []
        if filled and not replace:
            raise BackupError(_not_empty(filled))
        drop = "; ".join(f'DROP TABLE IF EXISTS "{name}" CASCADE' for name in tables)
        _pg(parsed, drop, fetch=False)
    _run_pg("pg_restore", ["--no-owner", "--no-privileges", "--single-transaction",
                           "--exit-on-error", str(source)], parsed)
