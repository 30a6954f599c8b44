"""Expressions between XLSForm (ODK XPath) syntax and the project's language.

XLSForm → project (:func:`from_xlsform`):

=========================  ==========================  ==============================
XLSForm                    project                     note
=========================  ==========================  ==============================
``${x}``                   ``x``                       a question (or, inside a table
                                                       or repeat, a column / field)
``${t}/row/col``           ``t.row.col``               a table cell; ``${r}/f``: field
                                                       f of every item of repeat r
``.``                      ``value``                   the answer being checked
``./row/col``              ``value.row.col``
``../col``                 ``col``                     another column of the same
                                                       table row / repeat item
``=`` ``!=`` ``<`` …       ``==`` ``!=`` ``<`` …
``div`` ``mod``            ``/`` ``%``
``and`` ``or`` ``not()``   ``and`` ``or`` ``not()``
``true()`` ``false()``     ``true`` ``false``
``if(c, a, b)``            ``if(c, a, b)``
``selected(${x}, 'a')``    ``selected(x, 'a')``
``count-selected(${x})``   ``count(x)``
``sum()`` ``count()``      same; also ``min`` ``max`` ``round`` ``abs`` ``coalesce``
=========================  ==========================  ==============================

Anything else (``today()``, ``concat()``, ``string-length()``, a bare name, ``|``,
``[…]``) cannot be translated: :class:`UntranslatableTerm` names the term.
:func:`to_xlsform` is the reverse; whitespace is kept, so an expression exported
and imported again is the same text.
"""

from __future__ import annotations

import re

__all__ = ["UntranslatableTerm", "from_xlsform", "to_xlsform"]

#: XLSForm functions with a project equivalent (name there → name here).
FUNCTIONS = {
    "if": "if",
    "selected": "selected",
    "count-selected": "count",
    "sum": "sum",
    "count": "count",
    "min": "min",
    "max": "max",
    "round": "round",
    "abs": "abs",
    "coalesce": "coalesce",
    "not": "not",
    # the project's own, so that any project expression survives an export
    "empty": "empty",
    "len": "len",
    "column": "column",
}
_PROJECT_FUNCTIONS = {"if", "iif", "selected", "sum", "count", "min", "max", "round", "abs",
                      "coalesce", "empty", "len", "column", "not"}

_XLS_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<ref>\$\{(?P<refname>[^}]*)\}(?P<refpath>(?:/[A-Za-z_][A-Za-z0-9_]*)*))
  | (?P<sibling>\.\./[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<dot>\.(?P<dotpath>(?:/[A-Za-z_][A-Za-z0-9_]*)*))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_PY_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|//|\*\*|<|>|\+|-|\*|/|%|\(|\)|,)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UntranslatableTerm(ValueError):
    """A term of an expression with no equivalent on the other side."""

    def __init__(self, term: str, reason: str) -> None:
        self.term = term
        self.reason = reason
        super().__init__(f"'{term}': {reason}")


def _next_significant(tokens: list[tuple[str, str]], index: int) -> str:
    for kind, text in tokens[index + 1 :]:
        if kind != "space":
            return text
    return ""


def from_xlsform(source: str) -> str:
    """Translate an XLSForm expression; raise :class:`UntranslatableTerm`."""
    tokens = [(m.lastgroup or "other", m.group()) for m in _XLS_TOKEN.finditer(source)]
    out: list[str] = []
    for i, (kind, text) in enumerate(tokens):
        if kind in ("space", "string", "number"):
            out.append(text)
        elif kind == "ref":
            match = _XLS_TOKEN.match(text)
            assert match is not None
            name = match.group("refname").strip()
            if not _NAME_RE.match(name):
                raise UntranslatableTerm(text, "tên trong ${…} không hợp lệ")
            path = match.group("refpath") or ""
            out.append(name + path.replace("/", "."))
        elif kind == "sibling":
            out.append(text[3:])
        elif kind == "dot":
            out.append("value" + text[1:].replace("/", "."))
        elif kind == "op":
            out.append("==" if text == "=" else text)
        elif kind == "name":
            following = _next_significant(tokens, i)
            if text in ("and", "or"):
                out.append(text)
            elif text == "div":
                out.append("/")
            elif text == "mod":
                out.append("%")
            elif text in ("true", "false") and following == "(":
                # true() / false(): drop the empty brackets
                out.append(text)
                tokens[i + 1 :] = _drop_empty_call(tokens[i + 1 :], text)
            elif following == "(" and text in FUNCTIONS:
                out.append(FUNCTIONS[text])
            elif following == "(":
                raise UntranslatableTerm(text + "()", "hàm này không dùng được trong mẫu báo cáo")
            else:
                raise UntranslatableTerm(
                    text, "tên câu hỏi phải viết trong ${…}, ví dụ ${" + text + "}"
                )
        else:
            raise UntranslatableTerm(text, "ký hiệu này không dùng được trong biểu thức")
    return "".join(out)


def _drop_empty_call(rest: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    """Remove the ``( )`` after ``true``/``false`` (whitespace inside allowed)."""
    significant = [(j, t) for j, (k, t) in enumerate(rest) if k != "space"]
    if len(significant) >= 2 and significant[0][1] == "(" and significant[1][1] == ")":
        start, end = significant[0][0], significant[1][0]
        return rest[end + 1 :] if start == 0 else rest[:start] + rest[end + 1 :]
    raise UntranslatableTerm(name + "(…)", "true() và false() không nhận đối số")


def to_xlsform(source: str, *, siblings: bool = False) -> str:
    """Translate a project expression into XLSForm syntax (for export).

    ``siblings``: the expression of a table column or repeat field, whose names
    are the other columns of the row, written ``../name`` (pyxform wants a
    ``${name}`` to be unique in the whole form; column names repeat across tables).
    """
    tokens = [(m.lastgroup or "other", m.group()) for m in _PY_TOKEN.finditer(source)]
    out: list[str] = []
    for i, (kind, text) in enumerate(tokens):
        if kind in ("space", "string", "number"):
            out.append(text)
        elif kind == "op":
            if text in ("//", "**"):
                raise UntranslatableTerm(text, "XLSForm has no such operator")
            out.append({"==": "=", "/": "div", "%": "mod"}.get(text, text))
        elif kind == "name":
            following = _next_significant(tokens, i)
            head, _, rest = text.partition(".")
            path = "/" + rest.replace(".", "/") if rest else ""
            if text in ("and", "or"):
                out.append(text)
            elif text in ("true", "True", "false", "False"):
                out.append(text.lower() + "()")
            elif text in ("null", "None", "in", "is", "else"):
                raise UntranslatableTerm(text, "XLSForm has no equivalent")
            elif following == "(" and text in _PROJECT_FUNCTIONS:
                out.append("if" if text == "iif" else text)
            elif head == "value":
                out.append("." + path)
            elif siblings:
                out.append("../" + head + path)
            else:
                out.append("${" + head + "}" + path)
        else:
            raise UntranslatableTerm(text, "XLSForm has no equivalent")
    return "".join(out)
