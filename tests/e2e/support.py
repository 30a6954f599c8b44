"""Helpers for end-to-end tests: the ``baocao`` CLI in subprocesses, a served app,
and a generic questionnaire filler that answers any prompt with a valid value.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BAOCAO = Path(sys.executable).with_name("baocao")
STARTUP_TIMEOUT = 60.0

Message = dict[str, Any]
Send = Callable[..., list[Message]]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(database_url: str, workdir: Path, port: int | None = None) -> dict[str, str]:
    """A clean environment: only this test's database, data dir and port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_OA_ACCESS_TOKEN", "ZALO_BOT_TOKEN"):
        env.pop(name, None)
    env["BAOCAO_DATABASE_URL"] = database_url
    env["BAOCAO_DATA_DIR"] = str(workdir / "var")
    env["BAOCAO_LOG_LEVEL"] = "warning"
    env["PYTHONUNBUFFERED"] = "1"
    if port is not None:
        env["BAOCAO_PORT"] = str(port)
    return env


def baocao(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the console script; fail the test with its output if it fails."""
    result = subprocess.run(
        [str(BAOCAO), *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"baocao {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    env: dict[str, str], cwd: Path, port: int, name: str = "server", command: str = "run"
) -> Server:
    """``baocao run`` (or ``demo``) in a subprocess; returns once ``/healthz`` answers."""
    log_path = cwd / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BAOCAO), command], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            raise AssertionError(f"baocao run exited {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(server.base_url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"baocao run did not become healthy:\n{server.log()}")
        time.sleep(0.1)  # polling a process that is starting, not waiting on app time


@contextmanager
def running_server(env: dict[str, str], cwd: Path, port: int) -> Iterator[Server]:
    server = start_server(env, cwd, port)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def demo_server(tmp_path: Path, **extra_env: str) -> Iterator[tuple[Server, dict[str, str]]]:
    """``baocao init --demo`` on a fresh SQLite file, then ``baocao run`` until the end."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.sqlite3'}"
    env = {**cli_env(database_url, tmp_path, port=free_port()), **extra_env}
    baocao("init", "--demo", env=env, cwd=tmp_path)
    with running_server(env, tmp_path, int(env["BAOCAO_PORT"])) as server:
        yield server, env


def new_session() -> str:
    return secrets.token_hex(16)


def http_sender(http: httpx.Client, base_url: str, session: str) -> Send:
    """A ``send(text=…, callback=…)`` over the web chat JSON API."""

    def send(*, text: str | None = None, callback: str | None = None) -> list[Message]:
        payload: dict[str, Any] = {"session": session, "message_id": secrets.token_hex(8)}
        if callback is not None:
            payload["callback"] = callback
        else:
            payload["text"] = text
        response = http.post(base_url + "/api/chat", json=payload)
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])

    return send


def load_template_description(env: dict[str, str], cwd: Path, template_id: str) -> dict[str, Any]:
    result = baocao("templates", "show", template_id, "--json", env=env, cwd=cwd)
    return dict(json.loads(result.stdout))


# --------------------------------------------------------------------------- the filler

#: "Câu 7/46 · …" or, when questions before it do not apply, "Câu 7/46 (câu số 8) · …"
_QUESTION_LINE = re.compile(r"^Câu (\d+)/(\d+)(?: \(câu số (\d+)\))?")
_TABLE_CELL = re.compile(r'Dòng "(?P<row>.*)" · cột "(?P<column>.*)"')
_REPEAT_FIELD = re.compile(r"Mục (?P<index>\d+) · (?P<field>.+)$", re.MULTILINE)
_REPEAT_COUNT = re.compile(r"Đã nhập (\d+) mục")


def question_number(message: Message) -> int | None:
    match = _QUESTION_LINE.match(message.get("text", ""))
    return int(match.group(3) or match.group(1)) if match else None


def current_prompt(messages: list[Message]) -> Message | None:
    """The last message that asks a question (``Câu N/T · …``)."""
    for message in reversed(messages):
        if question_number(message) is not None:
            return message
    return None


def all_buttons(message: Message) -> list[dict[str, str]]:
    return [b for row in message.get("buttons", []) for b in row]


def find_button(messages: list[Message], data_prefix: str) -> dict[str, str] | None:
    for message in reversed(messages):
        for button in all_buttons(message):
            if button["data"].startswith(data_prefix):
                return button
    return None


def typed_value(spec: dict[str, Any], attempt: int = 0) -> str:
    """A valid typed answer for a question/column/field description."""
    kind = spec["type"]
    rules = spec.get("rules", spec)
    if kind in ("integer", "decimal", "percent"):
        low = rules.get("min")
        base = int(low) if low is not None and low > 0 else 0
        return str(base + attempt)
    if kind == "date":
        return "15/06/2026"
    if kind == "yes_no":
        return "có"
    if kind in ("select_one", "select_multiple"):
        return "1"
    if spec.get("example") and attempt == 0:
        return str(spec["example"])
    min_length = rules.get("min_length") or 0
    text = "Nội dung kiểm thử tự động"
    return text if len(text) >= min_length else text + " ." * min_length


@dataclass
class Filler:
    """Answers whatever the bot asks with a valid value, using the template description."""

    template: dict[str, Any]
    send: Send
    answered: dict[int, str] = field(default_factory=dict)  # question number -> first answer
    turns: int = 0

    def question(self, number: int) -> dict[str, Any]:
        for q in self.template["questions"]:
            if q["number"] == number:
                return dict(q)
        raise AssertionError(f"no question number {number} in the template description")

    def spec_for(self, prompt: Message) -> dict[str, Any]:
        number = question_number(prompt)
        assert number is not None
        question = self.question(number)
        text = prompt["text"]
        cell = _TABLE_CELL.search(text)
        if question["type"] == "table" and cell:
            label = cell.group("column")
            for column in question["columns"]:
                if label == column["label"] or label.endswith(f"– {column['label']}"):
                    return dict(column)
            raise AssertionError(f"unknown column {label!r} in question {number}")
        item = _REPEAT_FIELD.search(text)
        if question["type"] == "repeat" and item:
            label = item.group("field").strip()
            for repeat_field in question["fields"]:
                if repeat_field["label"] == label:
                    return dict(repeat_field)
            raise AssertionError(f"unknown field {label!r} in question {number}")
        return question

    def step(self, messages: list[Message], attempt: int = 0) -> list[Message]:
        """Answer the question asked in ``messages``; return the bot's replies."""
        prompt = current_prompt(messages)
        assert prompt is not None, f"no question in {messages!r}"
        number = question_number(prompt)
        assert number is not None
        self.turns += 1
        choice = next((b for b in all_buttons(prompt) if b["data"].startswith("ans:")), None)
        if choice is not None:
            return self.send(callback=choice["data"])
        datas = {b["data"] for b in all_buttons(prompt)}
        if {"cmd:add", "cmd:done"} <= datas:
            question = self.question(number)
            count_match = _REPEAT_COUNT.search(prompt["text"])
            count = int(count_match.group(1)) if count_match else 0
            wanted = question["rules"].get("min_items") or 0
            return self.send(callback="cmd:add" if count < wanted else "cmd:done")
        value = typed_value(self.spec_for(prompt), attempt)
        self.answered.setdefault(number, value)
        return self.send(text=value)

    def answer(self, messages: list[Message], count: int) -> list[Message]:
        """Answer ``count`` prompts, starting from the one shown in ``messages``."""
        for _ in range(count):
            messages = self._answer_one(messages)
        return messages

    def fill_to_review(self, messages: list[Message], limit: int = 2000) -> list[Message]:
        """Answer until the bot offers to submit (the review after the last question)."""
        for _ in range(limit):
            if find_button(messages, "cmd:submit") and current_prompt(messages) is None:
                return messages
            messages = self._answer_one(messages)
        raise AssertionError(f"questionnaire not finished after {limit} answers")

    def _answer_one(self, messages: list[Message]) -> list[Message]:
        before = current_prompt(messages)
        for attempt in range(4):
            replies = self.step(messages, attempt)
            after = current_prompt(replies)
            if after is None or before is None or after["text"] != before["text"]:
                return replies
            messages = replies  # refused: the same prompt again; try another value
        raise AssertionError(f"the bot keeps refusing answers to:\n{before and before['text']}")
