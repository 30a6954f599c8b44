"""JSON from the network, parsed without surprises.

``loads`` refuses (``ValueError``) what would otherwise escape as a 500 further on:
nesting deeper than ``max_depth`` (the stdlib parser raises ``RecursionError`` at
~1000 levels, and code walking the result recursively may fail earlier) and
invalid UTF-8. Lone surrogates (``"\\ud800"``, valid JSON but not encodable as
UTF-8, so no database can store them) are replaced with U+FFFD.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "loads"]

MAX_DEPTH = 64


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    return _checked(value, max_depth)


def _clean(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def _checked(value: Any, max_depth: int) -> Any:
    """``value`` with every string cleaned; iterative, so depth cannot overflow."""
    if isinstance(value, str):
        return _clean(value)
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [value]
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            raise ValueError("JSON nested too deep")
        items = container.items() if isinstance(container, dict) else enumerate(container)
        replacements: list[tuple[Any, Any, Any]] = []
        for key, item in items:
            if isinstance(item, str):
                cleaned = _clean(item)
                if cleaned is not item:
                    replacements.append((key, cleaned, None))
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))
            if isinstance(key, str) and _clean(key) is not key:
                replacements.append((key, None, _clean(key)))
        for key, cleaned, new_key in replacements:
            if new_key is not None:
                container[new_key] = container.pop(key)
            else:
                container[key] = cleaned
    return root[0]
