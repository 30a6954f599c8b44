"""Load report templates from YAML files and check them before anyone answers one.

A template is read in four steps, each in its own module:

1. :class:`~dialogs.template_yaml.TemplateSource` parses the YAML (refusing an
   alias bomb), infers each item's ``kind`` and remembers where every id sits;
2. the pydantic schema (:mod:`dialogs.schema`) validates it; its complaints are
   reworded by :mod:`dialogs.schema_errors`;
3. :mod:`dialogs.template_checks` (with :mod:`dialogs.template_expressions`)
   checks what the schema cannot;
4. every problem is a :class:`~dialogs.template_errors.TemplateError` naming the
   file, the question (or section), the problem and its line, e.g.::

    annual_it.yaml: question 'docs_total': constraint names unknown question 'foo' (line 42)
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from dialogs.schema import Template
from dialogs.schema_errors import schema_problems
from dialogs.template_checks import check_template
from dialogs.template_errors import TemplateError, TemplateErrors
from dialogs.template_yaml import TemplateSource

__all__ = [
    "bundled_template_dir",
    "load_template",
    "load_template_text",
    "load_templates",
    "template_to_yaml",
]


def bundled_template_dir() -> Path:
    """The directory of the templates shipped with the package."""
    return Path(__file__).resolve().parent / "templates"


def load_template(path: str | Path) -> Template:
    """Read, validate and return one template; raise :class:`TemplateError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(path.name, f"cannot read the file: {exc}") from None
    return load_template_text(text, path.name)


def load_template_text(text: str, name: str = "template.yaml") -> Template:
    """Validate and return a template from YAML text; raise :class:`TemplateError`."""
    source = TemplateSource(name, text)
    data = source.parse()
    source.prepare(data)
    try:
        template = Template.model_validate(data)
    except ValidationError as exc:
        problems = schema_problems(exc, data, source)
        raise (problems[0] if len(problems) == 1 else TemplateErrors(problems)) from None
    check_template(template, source)
    return template


def template_to_yaml(template: Template) -> str:
    """The template as YAML that :func:`load_template_text` reads back equal."""
    data = template.model_dump(mode="json", exclude_defaults=True)
    data["version"] = template.version
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_templates(directory: Path | str | None = None) -> dict[str, Template]:
    """Load every ``*.yaml``/``*.yml`` in ``directory`` (default: the bundled ones).

    The key is the template id; when several files hold the same id the highest
    ``version`` wins. Two files with the same id and version are an error.
    """
    folder = Path(directory) if directory is not None else bundled_template_dir()
    found: dict[str, tuple[Template, str]] = {}
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for file in files:
        template = load_template(file)
        previous = found.get(template.id)
        if previous is not None:
            other, other_file = previous
            if other.version == template.version:
                raise TemplateError(
                    file.name,
                    f"template id '{template.id}' version {template.version} "
                    f"is also defined in {other_file}",
                )
            if other.version > template.version:
                continue
        found[template.id] = (template, file.name)
    return {tid: template for tid, (template, _) in found.items()}
