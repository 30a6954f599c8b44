"""Render timings: one agency's annual report, the same report rendered by docxtpl
from a template, and the DIC's roll-up of 100 agencies.

Prints JSON. Targets: single report ≤ 150 ms, roll-up of 100 agencies ≤ 3 s,
verifying a signed 10-page report PDF ≤ 300 ms (``bot.signatures.verify_signed_pdf``:
integrity, the modification analysis, the chain to the trust root, the signed
revision's metadata), side by side with pyHanko's validation alone without the
modification analysis. The signed PDF is the annual report through LibreOffice with
longer narratives (10 pages), its empty fields added, signed with the tests' PKI;
without LibreOffice that part is skipped with the reason.
Run: ``.venv/bin/python bench/render.py [--runs N]``. Figures are the minimum and
the median of N runs (the first run, which imports matplotlib and builds the blank
document, is reported apart as ``*_cold``).

The docxtpl template is made once, before any timing, from our own rendering of the
report: the same header and closing tables, the same named paragraph styles, and
Jinja tags where the content goes — a ``{%p for %}`` loop over the paragraphs
between two tables, one ``{%tr for %}`` row per data table plus its total row. Its
context holds the finished texts (figures already formatted, computed values already
computed); docxtpl only has to place them. Both outputs are read back and must hold
the same paragraphs and cells, in the same styles.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "unit", "renderers"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))  # tests.support.pki

from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from fake_answers import fake_answers
from lxml import etree

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_templates
from dialogs.schema import QuestionType, Template
from renderers.report import render_report
from renderers.rollup import LATE, ON_TIME, AgencyEntry, RollupInfo, render_rollup

AGENCIES = 100
UTC = dt.UTC


def _agency(i: int, collector: bool = False) -> Agency:
    return Agency(id=i, name=f"Sở thử nghiệm số {i}", abbreviation=f"S{i:03d}",
                  governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                  signer_name="Nguyễn Văn A", is_collector=collector)


def _varied(template: Template, base: dict[str, Any], i: int) -> dict[str, Any]:
    """Agency ``i``'s answers: ``base`` with every figure, date, choice and text made its
    own (seeded by ``i``), so the 100 agencies do not repeat one another's cells and
    narratives (a cache keyed by value would gain nothing a real round would not give)."""
    rnd = random.Random(i)
    scale = 0.3 + 1.7 * rnd.random()

    def figure(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if isinstance(value, float):
            return round(value * scale * (0.5 + rnd.random()), 2)
        return max(0, round(value * scale * (0.5 + rnd.random())))

    def scalar(q_type: QuestionType, choices: Sequence[Any], value: Any) -> Any:
        if q_type is QuestionType.PERCENT:
            return round(40 + 60 * rnd.random(), 2)
        if q_type in (QuestionType.INTEGER, QuestionType.DECIMAL):
            return figure(value)
        if q_type is QuestionType.DATE:
            return (dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randrange(340))).isoformat()
        if q_type is QuestionType.YES_NO:
            return rnd.random() < 0.7
        if q_type is QuestionType.SELECT_ONE and choices:
            return rnd.choice(choices).value
        if q_type is QuestionType.SELECT_MULTIPLE and choices:
            return [c.value for c in choices if rnd.random() < 0.5] or [choices[0].value]
        if isinstance(value, str):
            return f"{value} ({i}.{rnd.randrange(1000)})"
        return value

    out: dict[str, Any] = {}
    for q in template.iter_questions():
        value = base.get(q.id)
        if value is None:
            continue
        if q.type is QuestionType.TABLE:
            out[q.id] = {row: {c.id: scalar(c.type, c.choices, cells.get(c.id))
                               for c in q.columns if c.id in cells}
                         for row, cells in value.items()}
        elif q.type is QuestionType.REPEAT:
            items = [dict(value[n % len(value)]) for n in range(1 + rnd.randrange(3))]
            out[q.id] = [{f.id: scalar(f.type, f.choices, item.get(f.id))
                          for f in q.fields if f.id in item} for item in items]
        elif q.type is QuestionType.TEXT and q.long:
            out[q.id] = (f"Sở thử nghiệm số {i} đã triển khai {rnd.randrange(2, 40)} nội dung "
                         f"của câu {q.id}.\n- Hoàn thành {rnd.randrange(100)}% kế hoạch;\n"
                         f"+ Còn {rnd.randrange(1, 9)} việc chuyển sang năm sau.")
        else:
            out[q.id] = scalar(q.type, q.choices, value)
    return out


def _timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    """Wall-clock seconds: the first call apart (cold), then min and median of ``runs``;
    ``cpu``: the least CPU time of the process (all threads) in one run, which other
    programs on the machine do not inflate as much as wall-clock time."""
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"cold": cold, "min": min(times), "median": statistics.median(times), "cpu": min(cpu)}


# ----------------------------------------------------------------------------- docxtpl

_P, _R, _T, _TR, _TC = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tr"), qn("w:tc")
_PPR, _PSTYLE, _SECT_PR, _VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:sectPr"), qn("w:val")
_TBL_STYLE, _TBL_HEADER, _GRID_SPAN = qn("w:tblStyle"), qn("w:tblHeader"), qn("w:gridSpan")


def _text(el: Any) -> str:
    return "".join(t.text or "" for t in el.iter(_T))


def _style(p: Any) -> str | None:
    ppr = p.find(_PPR)
    pstyle = ppr.find(_PSTYLE) if ppr is not None else None
    return pstyle.get(_VAL) if pstyle is not None else None


def _flowing(p: Any) -> bool:
    """A paragraph that only has a style and text: it can come from a loop."""
    ppr = p.find(_PPR)
    if ppr is None or len(ppr) != 1 or ppr[0].tag != _PSTYLE:
        return False
    return all(child.tag == _PPR or (child.tag == _R and len(child) == 1
                                     and child[0].tag == _T) for child in p)


def _set_text(p: Any, text: str) -> Any:
    """``p`` with its runs replaced by one run holding ``text``."""
    for child in list(p):
        if child.tag != _PPR:
            p.remove(child)
    etree.SubElement(etree.SubElement(p, _R), _T).text = text
    return p


def _tag_paragraph(text: str, style: str | None = None) -> Any:
    p = etree.Element(_P)
    if style:
        etree.SubElement(etree.SubElement(p, _PPR), _PSTYLE).set(_VAL, style)
    return _set_text(p, text)


def _cell_paragraphs(tc: Any) -> list[Any]:
    return tc.findall(_P)


def _template_cells(tr: Any, expression: Callable[[int], str]) -> None:
    """Each cell of ``tr`` holds ``{{ expression(i) }}`` (its first paragraph, style kept)."""
    for i, tc in enumerate(tr.findall(_TC)):
        paragraphs = _cell_paragraphs(tc)
        for extra in paragraphs[1:]:
            tc.remove(extra)
        _set_text(paragraphs[0], "{{ " + expression(i) + " }}")


def _row_tag(like: Any, text: str) -> Any:
    """A row that is only a docxtpl ``{%tr … %}`` tag (removed by docxtpl)."""
    tr = copy.deepcopy(like)
    for tc in tr.findall(_TC)[1:]:
        tr.remove(tc)
    tc = tr.find(_TC)
    for p in _cell_paragraphs(tc)[1:]:
        tc.remove(p)
    _set_text(_cell_paragraphs(tc)[0], text)
    return tr


def docxtpl_template(rendered: bytes) -> tuple[bytes, dict[str, Any]]:
    """(template, context): ``rendered`` turned into a docxtpl template, and the
    context that renders the same content from it."""
    document = Document(io.BytesIO(rendered))
    body = document.element.body
    context: dict[str, Any] = {"fixed": [], "segments": [], "tables": []}
    layout_tables = 0
    segment: list[Any] = []

    def close_segment() -> None:
        if not segment:
            return
        name = len(context["segments"])
        items = [{"s": _style(p), "t": _text(p)} for p in segment]
        context["segments"].append(items)
        styles: dict[str, Any] = {}
        for p in segment:
            styles.setdefault(_style(p), p)
        anchor = segment[0]
        tags = [_tag_paragraph(f"{{%p for b in segments[{name}] %}}")]
        for n, (style_id, like) in enumerate(styles.items()):
            keyword = "if" if n == 0 else "elif"
            tags.append(_tag_paragraph(f"{{%p {keyword} b.s == '{style_id}' %}}"))
            tags.append(_set_text(copy.deepcopy(like), "{{ b.t }}"))
        tags += [_tag_paragraph("{%p endif %}"), _tag_paragraph("{%p endfor %}")]
        for tag in tags:
            anchor.addprevious(tag)
        for p in segment:
            body.remove(p)
        segment.clear()

    for el in list(body):
        if el.tag == _P and _flowing(el):
            segment.append(el)
            continue
        close_segment()
        if el.tag == _P and el.find(_PPR) is not None and el.find(_PPR).find(_SECT_PR) is None:
            if _text(el):  # a paragraph with its own formatting: its text is a variable
                context["fixed"].append(_text(el))
                _set_text(el, f"{{{{ fixed[{len(context['fixed']) - 1}] }}}}")
        elif el.tag == qn("w:tbl") and el.find(qn("w:tblPr")).find(_TBL_STYLE) is None:
            layout_tables += 1
            _layout_variables(el, context, "header" if layout_tables == 1 else "closing")
        elif el.tag == qn("w:tbl"):
            _data_table(el, context)
    close_segment()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), context


def _layout_variables(tbl: Any, context: dict[str, Any], name: str) -> None:
    """The header and closing tables: every line a variable, as a template author
    would write ``{{ agency_name }}``, ``{{ signer_name }}``…"""
    lines: list[str] = []
    for p in tbl.iter(_P):
        text = _text(p)
        if text:
            lines.append(text)
            _set_text(p, f"{{{{ {name}[{len(lines) - 1}] }}}}")
    context[name] = lines


def _data_table(tbl: Any, context: dict[str, Any]) -> None:
    """Header rows stay as they are; the body rows become one looped row; the total
    row (a first cell spanning columns) gets its cells from the context."""
    rows = tbl.findall(_TR)
    header = [tr for tr in rows if tr.find(qn("w:trPr")) is not None
              and tr.find(qn("w:trPr")).find(_TBL_HEADER) is not None]
    rest = rows[len(header):]
    total = None
    if rest and rest[-1].find(_TC).find(qn("w:tcPr")).find(_GRID_SPAN) is not None:
        total = rest.pop()
    name = len(context["tables"])
    data: dict[str, Any] = {
        "rows": [[_text(tc) for tc in tr.findall(_TC)] for tr in rest],
        "total": [_text(tc) for tc in total.findall(_TC)] if total is not None else [],
    }
    context["tables"].append(data)
    if rest:
        like = rest[0]
        like.addprevious(_row_tag(like, f"{{%tr for r in tables[{name}].rows %}}"))
        like.addnext(_row_tag(like, "{%tr endfor %}"))
        _template_cells(like, lambda i: f"r[{i}]")
        for tr in rest[1:]:
            tbl.remove(tr)
    if total is not None:
        _template_cells(total, lambda i: f"tables[{name}].total[{i}]")


def docxtpl_render(template: bytes, context: dict[str, Any]) -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    document.render(context, autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def content(data: bytes) -> list[tuple[str | None, str]]:
    """(style, text) of every paragraph with text, tables' cells included, in order."""
    body = Document(io.BytesIO(data)).element.body
    return [(_style(p), _text(p)) for p in body.iter(_P) if _text(p)]


# ----------------------------------------------------------------------------- main


def signed_pdf_of(pages: int, template: Template, answers: dict[str, Any],
                  info: DocumentInfo) -> tuple[bytes, int, Any]:
    """The report made ``pages`` long (narratives repeated), prepared and signed."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from renderers.pdf import to_pdf
    from renderers.pdf_sign_fields import SIGNER_FIELD, add_signature_fields, answers_sha256
    from tests.support.pki import make_pki, sign_pdf

    def rendered(factor: int) -> tuple[bytes, int]:
        longer = {k: ("\n".join([v] * factor) if isinstance(v, str) and len(v) > 40 else v)
                  for k, v in answers.items()}
        pdf = to_pdf(render_report(template, longer, info))
        return pdf, int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])

    factor, (pdf, count) = 3, rendered(3)
    for _ in range(4):
        if count == pages:
            break
        factor = max(1, factor + (1 if count < pages else -1))
        pdf, count = rendered(factor)
    pki = make_pki()
    prepared = add_signature_fields(pdf, submission_id=1, answers_hash=answers_sha256(answers),
                                    has_appendix=False)
    signed = sign_pdf(prepared, pki.signer, chain=(pki.intermediate,), field=SIGNER_FIELD)
    return signed, count, pki


def signature_timings(template: Template, answers: dict[str, Any], info: DocumentInfo,
                      runs: int) -> dict[str, Any]:
    from renderers.pdf import find_soffice

    if find_soffice() is None:
        return {"signature_skipped": "LibreOffice (soffice) is not installed"}
    import tempfile
    from pathlib import Path

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from bot.signatures import load_trust_roots, verify_signed_pdf

    signed, pages, pki = signed_pdf_of(10, template, answers, info)
    with tempfile.TemporaryDirectory() as tmp:
        roots = load_trust_roots(pki.write_trust_roots(Path(tmp)))
    verdict = verify_signed_pdf(signed, roots)
    if not verdict.ok:
        raise SystemExit(f"the bench's signed PDF was refused: {verdict.reason}")

    def validate_only() -> None:
        reader = PdfFileReader(io.BytesIO(signed), strict=False)
        sig = reader.embedded_signatures[0]
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(sig, signer_validation_context=context, skip_diff=True)
        assert status.intact and status.valid

    ours = _timed(lambda: verify_signed_pdf(signed, roots), runs)
    bare = _timed(validate_only, runs)
    return {
        "verify_signed_pdf_ms": round(ours["min"] * 1000, 1),
        "verify_signed_pdf_median_ms": round(ours["median"] * 1000, 1),
        "verify_signed_pdf_cold_ms": round(ours["cold"] * 1000, 1),
        "verify_signed_pdf_cpu_ms": round(ours["cpu"] * 1000, 1),
        "verify_signed_pdf_target_ms": 300,
        "pyhanko_validate_no_diff_median_ms": round(bare["median"] * 1000, 1),
        "signed_pdf_pages": pages,
        "signed_pdf_bytes": len(signed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each document")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    template = load_templates()["annual_it"]
    answers = fake_answers(template)
    round_ = Round(id=1, template_id=template.id, template_version=template.version,
                   period_label="năm 2026", period_start=dt.date(2025, 12, 15),
                   period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18))
    info = DocumentInfo(agency=_agency(1), round=round_)
    single = _timed(lambda: render_report(template, answers, info), args.runs)

    ours = render_report(template, answers, info)
    tpl, context = docxtpl_template(ours)
    theirs = docxtpl_render(tpl, context)
    if content(theirs) != content(ours):
        raise SystemExit("docxtpl's document does not hold the same content as ours")
    docxtpl = _timed(lambda: docxtpl_render(tpl, context), args.runs)

    entries = [
        AgencyEntry(_agency(i), ON_TIME if i % 4 else LATE, _varied(template, answers, i),
                    dt.datetime(2026, 12, 17, 3, tzinfo=UTC) + dt.timedelta(minutes=7 * i), 1)
        for i in range(1, AGENCIES + 1)
    ]
    rollup_info = RollupInfo(round=round_, collector=_agency(999, collector=True))
    size = len(render_rollup(template, entries, rollup_info))
    rollup = _timed(lambda: render_rollup(template, entries, rollup_info), max(3, args.runs // 2))
    signature = signature_timings(template, answers, info, args.runs)
    ms = {k: round(v * 1000, 1) for k, v in single.items()}
    tpl_ms = {k: round(v * 1000, 1) for k, v in docxtpl.items()}
    print(json.dumps({
        "single_report_ms": ms["min"],
        "single_report_median_ms": ms["median"],
        "single_report_cold_ms": ms["cold"],
        "single_report_cpu_ms": ms["cpu"],
        "single_report_target_ms": 150,
        "docxtpl_same_report_ms": tpl_ms["min"],
        "docxtpl_same_report_median_ms": tpl_ms["median"],
        "docxtpl_same_report_cold_ms": tpl_ms["cold"],
        "docxtpl_same_report_cpu_ms": tpl_ms["cpu"],
        "docxtpl_over_ours_median": round(docxtpl["median"] / single["median"], 2),
        "docxtpl_paragraphs_and_cells": len(content(theirs)),
        "rollup_agencies": AGENCIES,
        "rollup_s": round(rollup["min"], 2),
        "rollup_median_s": round(rollup["median"], 2),
        "rollup_cold_s": round(rollup["cold"], 2),
        "rollup_cpu_s": round(rollup["cpu"], 2),
        "rollup_target_s": 3.0,
        "rollup_docx_bytes": size,
        **signature,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
