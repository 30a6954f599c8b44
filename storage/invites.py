"""Invite codes: generated once, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

#: No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 11 symbols of a 31-symbol alphabet: about 54 bits of entropy.
CODE_LENGTH = 11
GROUP = 4


def generate_invite_code() -> str:
    """A fresh random code such as ``"7K4P-Q2XM-AB3"`` (dashes are cosmetic)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalize_invite_code(code: str) -> str:
    """What the officer typed, reduced to the symbols that count.

    Case, spaces, dashes, underscores and dots are ignored, so ``"7k4p q2xm-ab3"``
    and ``"7K4P-Q2XM-AB3"`` are the same code.
    """
    return "".join(ch for ch in code.strip().upper() if ch not in " \t-_.")


def hash_invite_code(code: str) -> str:
    """The sha256 (hex) of the normalised code: the only form kept in the database."""
    return hashlib.sha256(normalize_invite_code(code).encode("utf-8")).hexdigest()
