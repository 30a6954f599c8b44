"""The conversation lifecycle as a finite-state machine on ``transitions``.

States are declared together (aiogram-style). One shared :class:`Machine`
holds no officer: a :class:`Lifecycle` model serves a single turn, set to the
stored state at its start, and the engine stores its state at the end, so the
state itself only ever lives in the database (finished turns' models are kept
for later turns, holding no officer's data).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from transitions import Machine, MachineError


class State(StrEnum):
    UNBOUND = "unbound"  # no agency yet: waiting for an invite code
    IDLE = "idle"  # bound; no report open, or paused
    ANSWERING = "answering"  # walking through the questions
    REVIEWING = "reviewing"  # looking at all answers by section
    CONFIRMING = "confirming"  # asked "submit now?"
    SUBMITTED = "submitted"  # the report was submitted


_ALL = [s.value for s in State]
_BOUND = [s.value for s in State if s is not State.UNBOUND]

TRANSITIONS = [
    {"trigger": "bind", "source": _ALL, "dest": State.IDLE.value},
    {"trigger": "answer", "source": _BOUND, "dest": State.ANSWERING.value},
    {"trigger": "review", "source": _BOUND, "dest": State.REVIEWING.value},
    {"trigger": "ask_submit", "source": [State.ANSWERING.value, State.REVIEWING.value,
                                          State.CONFIRMING.value], "dest": State.CONFIRMING.value},
    {"trigger": "submit", "source": State.CONFIRMING.value, "dest": State.SUBMITTED.value},
    {"trigger": "pause", "source": _BOUND, "dest": State.IDLE.value},
    {"trigger": "mark_submitted", "source": _BOUND, "dest": State.SUBMITTED.value},
]


class Lifecycle:
    """The per-turn model; ``state`` is set by the machine."""

    state: str


_machine = Machine(
    model=None,
    states=_ALL,
    transitions=TRANSITIONS,
    initial=State.UNBOUND.value,
    auto_transitions=False,
)


class IllegalTransition(Exception):
    pass


#: models attached to the machine and free for a turn: attaching one costs ~0.1 ms
#: (transitions builds its trigger methods), so a finished turn's model is reused
_free: list[Lifecycle] = []


@contextmanager
def attached(state: str) -> Iterator[Lifecycle]:
    """A model in ``state`` for one turn (set from the stored state every time)."""
    state = str(state.value if isinstance(state, State) else state)
    if _free:
        model = _free.pop()
    else:
        model = Lifecycle()
        _machine.add_model(model, initial=State.UNBOUND.value)
    _machine.set_state(state if state in _ALL else State.UNBOUND.value, model)
    try:
        yield model
    finally:
        _free.append(model)


def fire(model: Lifecycle, trigger: str) -> None:
    try:
        model.trigger(trigger)  # type: ignore[attr-defined]
    except MachineError as exc:
        raise IllegalTransition(f"{trigger} from {model.state}") from exc
