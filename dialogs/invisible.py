"""Invisible formatting characters that must never reach a document, the XLSX or
the dashboard: bidi embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069), marks (U+200E, U+200F), zero-width characters (U+200B–U+200D,
U+2060) and the byte-order mark U+FEFF. Pasted from a web page or a PDF, they
hide in answers, reorder text on screen ("Trojan source") or break a search.

They are dropped where text comes in (the chat's input, the answer parser); the
raw text is kept in the audit log by the engine.
"""

from __future__ import annotations

import re

__all__ = ["INVISIBLE", "has_invisible", "strip_invisible"]

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def has_invisible(text: str) -> bool:
    return INVISIBLE.search(text) is not None


def strip_invisible(text: str) -> str:
    """``text`` without the invisible formatting characters."""
    return INVISIBLE.sub("", text)
