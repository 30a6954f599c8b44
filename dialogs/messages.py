"""Channel-neutral messages: what a channel hands the engine and gets back.

A channel adapter translates its platform's update into an :class:`Inbound`
and each :class:`Outbound` into the platform's send calls. Nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: str  # "web", "telegram", "zalo_oa", "zalo_bot", "terminal"
    user_id: str  # the platform's id of the sender (chat id, Zalo user id, web session)
    text: str | None = None  # what the user typed
    callback: str | None = None  # data of a tapped button
    message_id: str | None = None  # platform id of this delivery, for de-duplication
    display_name: str | None = None
    #: the sender id is chosen by the client (web sessions): until it is bound to an
    #: officer, a turn stores nothing (no conversation row, no delivery id)
    anonymous_until_bound: bool = False
    #: a repeated ``message_id`` is answered with the replies of its first handling
    replay_replies: bool = False
    #: the network address it came from, when the channel knows it (web chat)
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # callback data: an engine command, e.g. "cmd:back", "ans:<step>:<value>"


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A finished document the channel should deliver (file or download link)."""

    submission_id: int
    filename: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Outbound:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)  # rows of buttons
    document: DocumentRef | None = None


def to_payload(messages: list[Outbound]) -> dict:
    """Outbound messages as JSON-able data (for the outbox)."""
    return {
        "messages": [
            {
                "text": m.text,
                "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in m.buttons],
                "document": None
                if m.document is None
                else {
                    "submission_id": m.document.submission_id,
                    "filename": m.document.filename,
                    "caption": m.document.caption,
                },
            }
            for m in messages
        ]
    }


def from_payload(payload: dict) -> list[Outbound]:
    out = []
    for m in payload.get("messages", []):
        doc = m.get("document")
        out.append(
            Outbound(
                text=m["text"],
                buttons=[
                    [Button(b["label"], b["data"]) for b in row] for row in m.get("buttons", [])
                ],
                document=DocumentRef(doc["submission_id"], doc["filename"], doc.get("caption", ""))
                if doc
                else None,
            )
        )
    return out
