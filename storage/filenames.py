"""File names of stored submissions: one per version, so a resubmission never
overwrites the file of an earlier one wherever the files are saved."""

from __future__ import annotations

import re

__all__ = ["versioned_filename"]

_VERSION = re.compile(r"-v\d+$")


def versioned_filename(filename: str, version: int) -> str:
    """``"BC-SCT-annual_it-nam-2026.docx", 2 -> "BC-SCT-annual_it-nam-2026-v2.docx"``."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    stem = _VERSION.sub("", stem)
    return f"{stem}-v{version}" + (f".{ext}" if ext else "")
