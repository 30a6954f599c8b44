"""The conversation lifecycle: each turn's model starts at the stored state."""

from __future__ import annotations

import pytest

from dialogs.states import IllegalTransition, State, attached, fire


def test_a_turn_starts_at_the_stored_state_and_moves_by_its_triggers() -> None:
    with attached(State.IDLE) as lifecycle:
        fire(lifecycle, "answer")
        fire(lifecycle, "ask_submit")
        assert lifecycle.state == State.CONFIRMING.value
    # the next turn, even one reusing that model, starts where the database says
    with attached("answering") as lifecycle:
        assert lifecycle.state == State.ANSWERING.value


def test_a_trigger_not_allowed_from_the_state_is_refused_and_changes_nothing() -> None:
    with attached("unbound") as lifecycle:
        with pytest.raises(IllegalTransition):
            fire(lifecycle, "submit")
        assert lifecycle.state == State.UNBOUND.value


def test_concurrent_turns_have_their_own_state_and_unknown_states_are_unbound() -> None:
    with attached("confirming") as first, attached("no-such-state") as second:
        fire(first, "submit")
        assert (first.state, second.state) == (State.SUBMITTED.value, State.UNBOUND.value)
