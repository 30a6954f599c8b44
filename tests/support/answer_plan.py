"""An officer who answers a questionnaire from a fixed plan, whatever step the
conversation is at: what to type for each scalar question, table cell and repeat
field. Steps the plan does not know are skipped ("bỏ qua"), like an officer would
skip an optional question. Used by the seed tests (``tests/support/seed00X.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

SKIP = "bỏ qua"


@dataclass(frozen=True)
class AnswerPlan:
    scalars: dict[str, str] = field(default_factory=dict)  # question id -> typed text
    cells: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (q, row, col)
    repeats: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # q -> items

    def reply_for(self, step: str, answers: dict[str, Any]) -> str:
        """What the officer types at ``step`` (a conversation step key)."""
        kind, qid, *rest = step.split(":")
        if kind == "q":
            return self.scalars.get(qid, SKIP)
        if kind == "t":
            return self.cells.get((qid, rest[0], rest[1]), SKIP)
        if kind == "r":
            have = len(answers.get(qid) or [])
            return "thêm" if have < len(self.repeats.get(qid, [])) else "xong"
        if kind == "f":
            return self.repeats[qid][int(rest[0])].get(rest[1], SKIP)
        raise AssertionError(f"unknown step {step}")

    async def answer_everything(
        self,
        send: Callable[[str], Awaitable[Any]],
        current_step: Callable[[], Awaitable[tuple[str | None, dict[str, Any]]]],
        limit: int = 400,
    ) -> int:
        """Answer until the conversation leaves the questionnaire; return the turns used."""
        for turn in range(limit):
            step, answers = await current_step()
            if step is None:
                return turn
            await send(self.reply_for(step, answers))
        raise AssertionError("the questionnaire did not end")
