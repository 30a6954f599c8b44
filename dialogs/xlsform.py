"""Templates as XLSForm workbooks (the authoring convention of ODK and KoboToolbox).

This module is the spelling both directions share. Reading uses **pyxform**
(ODK's own library): it reads the workbook, checks it as an XLSForm and builds the
form tree; :mod:`dialogs.xlsform_read` turns that tree into template data.
Writing (export, :mod:`dialogs.xlsform_write`) uses openpyxl. Expressions are
translated by :mod:`dialogs.xlsform_expr`.

The spelling (README: "Soạn mẫu báo cáo bằng Excel (XLSForm)")
=============================================================

Sheet ``survey`` — one row per question:

* ``type``: ``integer``, ``decimal``, ``text``, ``date``, ``select_one L``,
  ``select_multiple L`` (L: a list of the ``choices`` sheet), ``calculate``
  (a computed figure), ``note``, ``begin_group``/``end_group`` (a section;
  groups inside groups are subsections), ``begin_repeat``/``end_repeat`` (a list
  of items, e.g. documents issued; the rows inside are the item's fields).
* **Tables** are a group with a ``baocao::table`` column naming a choices list:
  the list holds the table's rows, the questions inside the group are its
  columns (a ``calculate`` inside is a computed column over ``${other_column}``).
* Columns: ``name``, ``label`` (the question as asked; a group's title), ``hint``,
  ``required`` (yes), ``constraint`` (``.`` is the answer), ``constraint_message``,
  ``relevant``, ``default``, ``calculation``, ``read_only`` (a row with a
  calculation is computed).
* The project's extra columns: ``baocao::type`` (``percent`` on a ``decimal``,
  ``yes_no`` on a ``select_one``), ``baocao::label`` (short name in reviews and
  roll-ups), ``baocao::unit``, ``baocao::example``, ``baocao::render`` (how the
  answer is printed: ``sentence``, ``paragraphs``, ``bullets``, ``table``,
  ``hidden``, or a mapping such as ``{style: sentence, pattern: "- Số máy: {value}"}``),
  ``baocao::rollup`` (``sum``, ``ratio_of_sums``, ``list_by_agency``, ``compile``,
  ``count``, ``none``), ``baocao::min``/``baocao::max``, ``baocao::min_length``/
  ``baocao::max_length``, ``baocao::min_items``/``baocao::max_items``,
  ``baocao::pattern``/``baocao::pattern_message``, ``baocao::prefill``
  (``previous``), ``baocao::long`` (yes: multi-line text), ``baocao::group``
  (a header over adjacent table columns); on groups ``baocao::numbering``,
  ``baocao::intro``, ``baocao::show_title`` (no), ``baocao::appendix`` (yes: the
  group is the appendix) with ``baocao::summary`` (names of body questions whose
  figures the appendix repeats as one table, separated by spaces).

Sheet ``choices``: ``list_name``, ``name``, ``label``.

Sheet ``settings``: ``form_title`` (the template's name), ``form_id`` (its id),
``version``, and the document layout: ``baocao::kind`` (``bao_cao`` or
``cong_van``), ``baocao::type_code``, ``baocao::period_kind``,
``baocao::subject``, ``baocao::opening``, ``baocao::closing``,
``baocao::description``, and one line per entry in ``baocao::recipients``,
``baocao::addressee``, ``baocao::grounds``.

Without layout columns a sensible default applies: sections as headings,
"label: value" sentences, tables as tables, numbers summed in the roll-up.
"""

from __future__ import annotations

__all__ = ["NUMBER_EXTRAS", "PLAIN_EXTRAS", "SETTINGS_LINES", "SETTINGS_TEXT", "SURVEY_COLUMNS"]

SURVEY_COLUMNS = [
    "type", "name", "label", "hint", "required", "constraint", "constraint_message",
    "relevant", "default", "calculation", "read_only",
    "baocao::type", "baocao::label", "baocao::unit", "baocao::example", "baocao::render",
    "baocao::rollup", "baocao::min", "baocao::max", "baocao::min_length",
    "baocao::max_length", "baocao::min_items", "baocao::max_items", "baocao::pattern",
    "baocao::pattern_message", "baocao::prefill", "baocao::long", "baocao::table",
    "baocao::group", "baocao::numbering", "baocao::intro", "baocao::show_title",
    "baocao::appendix", "baocao::summary",
]
#: Settings (baocao::KEY) holding one text each.
SETTINGS_TEXT = ["description", "kind", "type_code", "period_kind", "subject", "opening",
                 "closing", "percent"]
#: Settings holding one entry per line.
SETTINGS_LINES = ["addressee", "grounds", "recipients"]
#: baocao:: columns copied as text.
PLAIN_EXTRAS = ["unit", "example", "pattern", "pattern_message", "prefill"]
#: baocao:: columns holding a number.
NUMBER_EXTRAS = ["min", "max", "min_length", "max_length", "min_items", "max_items"]
