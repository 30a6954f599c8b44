"""A saved package (DOCX, XLSX: a zip of XML parts) with some of its parts rewritten,
each streamed into its entry: a national roll-up's parts are tens of megabytes of XML
that are never whole in memory. Every other part is copied as it is, in order."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from typing import IO

__all__ = ["Rewrite", "rewrite_parts"]

#: Writes a part to the stream, given the part as the package held it.
Rewrite = Callable[[bytes, IO[bytes]], None]


def rewrite_parts(package: bytes, parts: Mapping[str, Rewrite]) -> bytes:
    """``package`` with each part named in ``parts`` written by its function."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)  # (before ``open`` resets the entry's sizes)
            write = parts.get(info.filename)
            if write is None:
                dst.writestr(info, data)
                continue
            with dst.open(info, "w") as stream:
                write(data, stream)
    return out.getvalue()
