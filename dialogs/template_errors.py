"""What is wrong with a template file: :class:`TemplateError` (one problem) and
:class:`TemplateErrors` (every problem found in one pass).

Each names the file, the item (question or section) and the problem, e.g.::

    annual_it.yaml: question 'docs_total': constraint names unknown question 'foo' (line 42)
"""

from __future__ import annotations

__all__ = ["TemplateError", "TemplateErrors"]


class TemplateError(ValueError):
    """A template file that cannot be used, with where and why."""

    def __init__(
        self,
        file: str,
        problem: str,
        question_id: str | None = None,
        *,
        line: int | None = None,
        item_kind: str = "question",
    ) -> None:
        self.file = file
        self.question_id = question_id
        self.problem = problem
        self.line = line
        self.item_kind = item_kind
        where = f"{item_kind} '{question_id}': " if question_id else ""
        at = f" (line {line})" if line else ""
        super().__init__(f"{file}: {where}{problem}{at}")


class TemplateErrors(TemplateError):
    """Several problems of one template, all found in one pass (``errors``)."""

    def __init__(self, errors: list[TemplateError]) -> None:
        first = errors[0]
        super().__init__(first.file, first.problem, first.question_id, line=first.line,
                         item_kind=first.item_kind)
        self.errors = errors
        self.args = ("\n".join(str(e) for e in errors),)
