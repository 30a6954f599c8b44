"""Hostile-input figures: server memory under a 200 MB chunked body, and how many
invite-code guesses per second get through the binding throttle.

Prints one JSON object:  .venv/bin/python bench/hostile.py [--mb 200] [--guesses 2000]

* ``body``: a real ``baocao`` web app under uvicorn in a child process (SQLite in
  a temp folder), fed one chunked ``POST /admin/login`` of ``--mb`` MB, then four
  in parallel; peak RSS of the child (``VmHWM``) before and after, with the
  body-limit middleware and without it (the previous behaviour).
* ``throttle``: ``--guesses`` wrong invite codes through ``POST /api/chat``, each
  from a new session, from one address and from 50 addresses, with the throttle
  and without it: requests/s served, and wrong codes actually tried per second.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def serve(port: int, limited: bool, data_dir: str) -> None:
    import uvicorn

    from bot.bootstrap import build_app
    from bot.settings import Settings
    from bot.webapp import create_web_app

    settings = Settings(secret_key="bench", data_dir=Path(data_dir),
                        database_url=f"sqlite+aiosqlite:///{data_dir}/b.sqlite3",
                        public_url=f"http://127.0.0.1:{port}")
    boot = await build_app(settings)
    app = create_web_app(boot)
    if not limited:
        app.user_middleware.clear()  # the previous code: no body limit
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    await uvicorn.Server(config).serve()


async def _post_big(port: int, megabytes: int) -> int | str:
    async def body():  # type: ignore[no-untyped-def]
        chunk = b"token=" + b"a" * (64 * 1024 - 6)
        for _ in range(megabytes * 16):
            yield chunk

    try:
        async with httpx.AsyncClient(timeout=120) as http:
            response = await http.post(f"http://127.0.0.1:{port}/admin/login", content=body(),
                                       headers={"content-type":
                                                "application/x-www-form-urlencoded"})
            return response.status_code
    except httpx.HTTPError as exc:  # the server answers 413 and closes while we still send
        return type(exc).__name__


async def body_figures(megabytes: int, limited: bool) -> dict[str, object]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(port),
                                  "--limited" if limited else "--unlimited", data_dir],
                                 cwd=ROOT)
        try:
            async with httpx.AsyncClient() as http:
                for _ in range(200):
                    try:
                        if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code:
                            break
                    except httpx.HTTPError:
                        await asyncio.sleep(0.1)
            idle = _status(child.pid, "VmRSS")
            started = time.perf_counter()
            one = await _post_big(port, megabytes)
            after_one = _status(child.pid, "VmHWM")
            four = await asyncio.gather(*(_post_big(port, megabytes) for _ in range(4)))
            return {
                "body_limit": limited, "statuses": [one, *four],
                "rss_idle_mb": round(idle, 1), "peak_rss_after_one_mb": round(after_one, 1),
                "peak_rss_after_four_parallel_mb": round(_status(child.pid, "VmHWM"), 1),
                "seconds": round(time.perf_counter() - started, 2),
            }
        finally:
            child.terminate()
            child.wait(10)


async def throttle_figures(guesses: int, addresses: int, throttled: bool) -> dict[str, object]:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.bind_throttle import BindThrottle
    from bot.bootstrap import Bootstrapped
    from bot.clock import SystemClock
    from bot.settings import Settings
    from bot.webapp import create_web_app
    from dialogs.engine import Engine
    from storage.db import create_engine, upgrade_async
    from storage.uow import uow_factory

    with tempfile.TemporaryDirectory() as data_dir:
        url = f"sqlite+aiosqlite:///{data_dir}/t.sqlite3"
        await upgrade_async(url)
        db: AsyncEngine = create_engine(url)
        factory = uow_factory(db)
        clock = SystemClock()
        engine = Engine(templates={}, uow_factory=factory, clock=clock, render=lambda *a: b"",
                        bind_gate=BindThrottle() if throttled else None)
        settings = Settings(secret_key="bench", data_dir=Path(data_dir), database_url=url)
        boot = Bootstrapped(settings=settings, db=db, uow_factory=factory, templates={},
                            engine=engine, clock=clock)
        app = create_web_app(boot)
        tried = 0
        started = time.perf_counter()
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(
            app=app, client=(f"10.0.{n // 250}.{n % 250 + 1}", 5000)), base_url="http://t")
            for n in range(addresses)]
        for n in range(guesses):
            response = await clients[n % addresses].post("/api/chat", json={
                "session": uuid.uuid4().hex, "text": f"SAI{n:06d}", "message_id": "1"})
            if "Mã mời không đúng" in response.json()["messages"][0]["text"]:
                tried += 1
        elapsed = time.perf_counter() - started
        for client in clients:
            await client.aclose()
        await db.dispose()
    return {"throttle": throttled, "addresses": addresses, "requests": guesses,
            "requests_per_s": round(guesses / elapsed, 1), "codes_tried": tried,
            "codes_tried_per_s": round(tried / elapsed, 2)}


async def main(args: argparse.Namespace) -> None:
    result: dict[str, object] = {"when": dt.date.today().isoformat(), "cpus": os.cpu_count()}
    result["body"] = [await body_figures(args.mb, limited) for limited in (True, False)]
    result["throttle"] = [await throttle_figures(args.guesses, addresses, throttled)
                          for addresses in (1, 50) for throttled in (True, False)]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), sys.argv[3] == "--limited", sys.argv[4]))
        sys.exit(0)
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--guesses", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
