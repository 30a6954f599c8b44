"""``same_json`` decides whether an edit changes a stored answer (no write, no
history entry when it does not), so it must agree with the JSON the answer is
stored as."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from storage.rows import same_json

scalars = (st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5])
           | st.sampled_from(["", "a", "Có", "1"]))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.sampled_from(["a", "b", "1"]), inner, max_size=3),
    max_leaves=8)


def as_stored(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@given(values, values)
def test_agrees_with_the_stored_json(a: Any, b: Any) -> None:
    assert same_json(a, b) == (as_stored(a) == as_stored(b))


@given(values)
def test_a_value_equals_its_stored_copy(a: Any) -> None:
    assert same_json(a, json.loads(as_stored(a)))


def test_numbers_of_another_type_are_a_change() -> None:
    table = {"r1": {"c1": 1}}
    assert not same_json(table, {"r1": {"c1": 1.0}})
    assert not same_json(table, {"r1": {"c1": True}})
    assert not same_json(table, {"r1": {"c1": 1, "c2": None}})
    assert same_json(table, {"r1": {"c1": 1}})
