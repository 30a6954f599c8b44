"""Reading a body of bounded size, from any stream of byte chunks.

Used for incoming webhook and upload bodies (``request.stream()``) and for files
fetched from a platform (``response.aiter_bytes()``): the reading stops as soon
as the size is known to exceed the limit, so nothing larger is held in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterable


async def read_at_most(chunks: AsyncIterable[bytes], limit: int,
                       declared: str | None = None) -> bytes | None:
    """All of ``chunks``; None as soon as they are known to exceed ``limit`` bytes
    (a declared ``Content-Length`` first, then while streaming)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)
