"""A template file's YAML: parsed safely, with every item's place in the file.

:class:`TemplateSource` parses the text once (libyaml when available), refuses an
alias bomb before any value is built, infers each item's ``kind`` (a YAML item
without ``kind`` is a section when it has ``items``, or a ``title`` and no
``type``; otherwise a question) and remembers where every id sits, so that a
problem found later names its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from dialogs.template_errors import TemplateError

__all__ = ["MAX_YAML_NODES", "Loc", "TemplateSource", "expanded_size"]

#: libyaml's parser when PyYAML was built with it (about ten times faster).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A template has a few thousand values; an alias bomb has billions.
MAX_YAML_NODES = 200_000

#: A key path into the YAML document, e.g. ``("sections", 0, "items", 2)``.
Loc = tuple[str | int, ...]


class TemplateSource:
    """One template file: its name, its text, its node tree and where each id is."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.root_node: yaml.Node | None = None
        self.loc_by_id: dict[str, Loc] = {}

    # ---------------------------------------------------------------- errors

    def error(
        self,
        problem: str,
        item_id: str | None = None,
        *,
        loc: Sequence[str | int] | None = None,
        item_kind: str = "question",
    ) -> TemplateError:
        """A :class:`TemplateError` at ``loc`` (default: where ``item_id`` is)."""
        if loc is None and item_id is not None:
            loc = self.loc_by_id.get(item_id)
        line = self.line(loc) if loc is not None else None
        return TemplateError(self.file, problem, item_id, line=line, item_kind=item_kind)

    def line(self, loc: Sequence[str | int]) -> int | None:
        """The line (from 1) of the deepest node of ``loc`` that exists."""
        node = self.root_node
        if node is None:
            return None
        line = node.start_mark.line + 1
        for key in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == key:
                        child = v
                        line = k.start_mark.line + 1
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and 0 <= key < len(node.value)
            ):
                child = node.value[key]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    # ---------------------------------------------------------------- parsing

    def parse(self) -> dict[str, Any]:
        """Parse once (libyaml when available), refuse an alias bomb before the
        values are built, then build them from the same node tree."""
        try:
            try:
                data = self._compose_and_construct(_FAST_LOADER)
            except yaml.YAMLError:
                if _FAST_LOADER is yaml.SafeLoader:
                    raise
                data = self._compose_and_construct(yaml.SafeLoader)  # its messages are clearer
        except RecursionError:
            raise TemplateError(self.file, "the YAML is nested too deeply") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            hint = " (check the indentation)" if "block" in str(problem) else ""
            raise TemplateError(self.file, f"YAML syntax error{where}: {problem}{hint}") from None
        if not isinstance(data, dict):
            raise TemplateError(self.file, "the file must hold a mapping (id:, name:, sections:…)")
        return data

    def _compose_and_construct(self, loader_class: Any) -> Any:
        loader = loader_class(self.text)
        try:
            self.root_node = loader.get_single_node()
            if self.root_node is None:
                return None
            if expanded_size(self.root_node) > MAX_YAML_NODES:
                raise TemplateError(
                    self.file,
                    f"the YAML expands to more than {MAX_YAML_NODES} values through "
                    "anchors and aliases (&/*): refused (an 'alias bomb')",
                )
            return loader.construct_document(self.root_node)
        finally:
            loader.dispose()

    def prepare(self, data: dict[str, Any]) -> None:
        """Infer ``kind`` of items and index where every id sits in the file."""

        def walk(items: Any, loc: Loc) -> None:
            if not isinstance(items, list):
                return
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                item_loc = (*loc, index)
                if "kind" not in item:
                    is_section = "items" in item or ("title" in item and "type" not in item)
                    item["kind"] = "section" if is_section else "question"
                if isinstance(item.get("id"), str):
                    self.loc_by_id.setdefault(item["id"], item_loc)
                if item["kind"] == "section":
                    walk(item.get("items"), (*item_loc, "items"))

        sections = data.get("sections")
        if isinstance(sections, list):
            for section in sections:
                if isinstance(section, dict):
                    section.setdefault("kind", "section")
            walk(sections, ("sections",))
        appendix = data.get("appendix")
        if isinstance(appendix, dict):
            walk(appendix.get("items"), ("appendix", "items"))


def expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded (counting
    stops just past :data:`MAX_YAML_NODES`)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once (safe_load refuses it)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        total = min(total, MAX_YAML_NODES + 1)
        sizes[id(node)] = total
        return total

    return size(root)
