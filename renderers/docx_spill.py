"""Finished blocks of a long document kept as serialized XML instead of a live tree.

A roll-up of thousands of agencies builds a python-docx tree of hundreds of
thousands of elements (~0.4 MB of lxml nodes an agency; 1.7 GB at 4,080). Blocks
far enough back that nothing will touch them again are serialized to text and
emptied in place (a stand-in), and kept deflated; the document part's XML is
streamed into the saved package with the texts put back in place, so the saved
document is byte for byte the same, and the whole part is never in memory at once.

Blocks can also be held from the start (:meth:`Spill.hold`): a roll-up's narrative
paragraphs and its data tables are written as XML text and measured from their texts,
never made into a tree; their stand-ins are spilled with the blocks around them, and
restored from within those.

Only the share padding (:func:`renderers.percent.uniform_document_percents`) looks
back over the whole body: the decimals a spilled block prints are recorded when it
is spilled, and the shares of a block that holds one are padded in its XML text at
save time (a share is marked, digits and "%" are never escaped, so the text padded
is the text the tree would have serialized after padding its runs).
"""

from __future__ import annotations

import io
import re
import zlib
from typing import IO, Any

from lxml import etree

from renderers.package_parts import rewrite_parts
from renderers.percent import MARK, _pad_text, _places_in

__all__ = ["Spill"]


_MARK = MARK.encode()
_DOCUMENT_PART = "word/document.xml"
_DRAWING = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}drawing"
#: What holds the place of spilled blocks in the tree until the document is saved.
_STAND_IN = "{urn:baocao:spill}block"
_PLACEHOLDER = re.compile(rb'<(\w+):block xmlns:\1="urn:baocao:spill" n="(\d+)"/>')


def _marker(n: int | str) -> re.Pattern[bytes]:
    return re.compile(rb'<(\w+):block xmlns:\1="urn:baocao:spill" n="%s"/>' % str(n).encode())


def _xml(element: Any) -> bytes:
    return etree.tostring(element, encoding="UTF-8", xml_declaration=False, with_tail=False)


class Spill:
    def __init__(self, body: Any, sect_pr: Any) -> None:
        self.body = body
        self.sect_pr = sect_pr
        self.blocks: list[tuple[bytes, bool]] = []  # (xml deflated, holds a share)
        self.places = 0  # the most decimals a spilled share prints
        self.kept: set[int] = set()  # ids of blocks with a picture, left in the tree
        self.held: set[int] = set()  # ids of the stand-ins of blocks written as text
        self.kept_alive: list[Any] = []  # (their proxies, so that the ids stay theirs)

    def hold(self, data: bytes) -> Any:
        """A stand-in for blocks written as XML text (UTF-8) from the start (never a
        tree), to be put in the body where they go: spilled blocks of their own."""
        has_share = _MARK in data
        if has_share:
            self.places = max(self.places, *_places_in(data.decode()), 0)
        stand_in = etree.Element(_STAND_IN, n=str(len(self.blocks)))
        self.blocks.append((zlib.compress(data, 1), has_share))
        self.held.add(id(stand_in))
        self.kept_alive.append(stand_in)
        return stand_in

    def spill(self, keep: int = 20) -> None:
        """Serialize every body block but the last ``keep`` (and the final sectPr),
        back to the previous spill's last block."""
        element = self.sect_pr.getprevious() if self.sect_pr is not None else self.body[-1]
        for _ in range(keep):
            if element is None:
                return
            element = element.getprevious()
        todo = []
        while element is not None and (element.tag != _STAND_IN or id(element) in self.held):
            todo.append(element)
            element = element.getprevious()
            while element is not None and id(element) in self.kept:
                element = element.getprevious()  # a picture left in the tree
        run: list[Any] = []  # consecutive blocks, spilled together
        for element in reversed(todo):
            if run and run[-1].getnext() is not element:
                self._spill_run(run)
                run = []
            if next(element.iter(_DRAWING), None) is not None:
                # python-docx numbers a new picture after those in the tree
                self.kept.add(id(element))
                self.kept_alive.append(element)
                continue
            run.append(element)
        if run:
            self._spill_run(run)

    def _spill_run(self, run: list[Any]) -> None:
        """Serialize consecutive blocks as one text, held by one stand-in in their place.

        The text is cut out of one serialization of the body between two markers put
        around the blocks: what is left of the body is short (the blocks kept and the
        stand-ins), and serializing blocks one by one (each writing the document's
        namespace declarations, then taken out again) or moving them into a holder
        (lxml walks every node moved) costs several times more. The blocks are emptied
        before they leave the tree, so that nothing walks their content again."""
        start = etree.SubElement(self.body, _STAND_IN)
        end = etree.SubElement(self.body, _STAND_IN)
        run[0].addprevious(start)
        run[-1].addnext(end)
        index = len(self.blocks)
        start.set("n", str(index))
        end.set("n", "end")
        body = _xml(self.body)
        first = _marker(index).search(body)
        assert first is not None
        last = body.rindex(b"<", 0, body.index(b' n="end"/>', first.end()))
        xml = body[first.end() : last]
        has_share = _MARK in xml
        if has_share:
            self.places = max(self.places, *_places_in(xml.decode()), 0)
        self.blocks.append((zlib.compress(xml, 1), has_share))
        for element in [*run, end]:
            element.clear()
            self.body.remove(element)

    def restore(self, docx: bytes, places: int) -> bytes:
        """The saved package ``docx`` with the blocks back in place in its document
        part, their shares padded to ``places`` decimals: the part is written into the
        zip block by block, never whole in memory (128 MB of XML at 4,080 agencies)."""
        return rewrite_parts(docx, {_DOCUMENT_PART: lambda skeleton, stream:
                                    self._write(skeleton, places, stream)})

    def written(self) -> bytes:
        """Every block of the body (all spilled), in order, shares unpadded."""
        out = io.BytesIO()
        for element in self.body:
            if element.tag == _STAND_IN:
                self._write(b'<x:block xmlns:x="urn:baocao:spill" n="%s"/>'
                            % element.get("n").encode(), None, out)
            elif element is not self.sect_pr:
                raise ValueError("a block of the body was not spilled")
        return out.getvalue()

    def _write(self, xml: bytes, places: int | None, stream: IO[bytes]) -> None:
        """``xml`` to ``stream`` with each stand-in replaced by its block (and the blocks
        held within that block, spilled with it); shares padded to ``places``
        decimals, or left as they are (None)."""
        at = 0
        for m in _PLACEHOLDER.finditer(xml):
            stream.write(xml[at : m.start()])
            packed, has_share = self.blocks[int(m.group(2))]
            text = zlib.decompress(packed)
            if has_share and places is not None:  # shares padded, marks removed
                text = _pad_text(text.decode(), places).encode()
            self._write(text, places, stream)
            at = m.end()
        stream.write(xml[at:])
