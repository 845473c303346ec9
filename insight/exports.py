"""The same figures as CSV (dashboard, regulatory statistics) and the case review as PDF."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def _csv(rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def dashboard_rows(data: dict[str, Any], section: str = "") -> list[list[Any]]:
    """One row per figure: section, item, measure, value."""
    rows: list[list[Any]] = [["section", "item", "measure", "value"]]
    for key, value in data["totals"].items():
        rows.append(["totals", "", key, value])
    for name in ("volume_by_category", "volume_by_channel"):
        series = data[name]
        for line in series["series"]:
            for bucket, count in zip(series["buckets"], line["values"], strict=True):
                rows.append([name, line["key"], bucket.isoformat(), count])
    for row in data["sla"]:
        for measure in ("decided", "met", "missed", "compliance"):
            rows.append(["sla", row["clock"], measure, row[measure]])
    for row in data["durations"]:
        rows.append(["durations", row["measure"], "median_hours", row["median_hours"]])
        rows.append(["durations", row["measure"], "p90_hours", row["p90_hours"]])
    rows += [
        ["escalation_reasons", r["reason"], "count", r["count"]] for r in data["escalation_reasons"]
    ]
    rows += [["satisfaction", r["score"], "count", r["count"]] for r in data["satisfaction"]]
    rows += [
        ["low_scores", r["reference"], r["satisfaction_score"], r["satisfaction_reason"]]
        for r in data["low_scores"]
    ]
    for entry in data["compensation"]:
        for kind in entry["kinds"]:
            rows.append(["compensation", entry["currency"], kind["kind"], kind["total"]])
        rows.append(["compensation", entry["currency"], "total", entry["total"]])
        rows.append(["compensation", entry["currency"], "budget", entry["budget"]])
        rows.append(["compensation", entry["currency"], "budget_used", entry["budget_used"]])
    rows += [["root_causes", r["root_cause"], "count", r["count"]] for r in data["root_causes"]]
    rows += [["merchants", r["key"], "complaints", r["complaints"]] for r in data["merchants"]]
    rows += [["error_codes", r["key"], "complaints", r["complaints"]] for r in data["error_codes"]]
    if section:
        rows = [rows[0], *(r for r in rows[1:] if r[0] == section)]
    return rows


def dashboard_csv(data: dict[str, Any], section: str = "") -> str:
    return _csv(dashboard_rows(data, section))


REGULATORY_COLUMNS = ["received", "handled", "handled_ratio", "average_handling_days"]


def regulatory_csv(report: list[dict[str, Any]], *, year: int) -> str:
    """Per regime: the year, each quarter, then the count per category."""
    rows: list[list[Any]] = [["regime", "period", *REGULATORY_COLUMNS, "category", "count"]]
    for entry in report:
        periods = [(str(year), entry["year"])]
        periods += [(f"{year}-Q{q['quarter']}", q) for q in entry["quarters"]]
        for label, figures in periods:
            rows.append([entry["regime"], label, *(figures[c] for c in REGULATORY_COLUMNS), "", ""])
        for c in entry["categories"]:
            rows.append([entry["regime"], str(year), "", "", "", "", c["category"], c["count"]])
    return _csv(rows)


# --- PDF ---------------------------------------------------------------------------------
# ReportLab's built-in CID fonts cover Latin and CJK text without shipping font files.
_CID_FONTS = {"zh-hant": "MSung-Light"}
_DEFAULT_CID_FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    name = _CID_FONTS.get((get_language() or "").lower(), _DEFAULT_CID_FONT)
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _when(value) -> str:
    return formats.date_format(value, "Y-m-d H:i") if value else ""


def case_review_pdf(review: dict[str, Any]) -> bytes:
    """The monthly case review as an A4 PDF (same sections as the HTML report)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    cell = styles["BodyText"]

    def table(header: list[str], body: list[list[Any]]) -> Table:
        data = [[Paragraph(escape(str(v)), cell) for v in row] for row in [header, *body]]
        grid = Table(data, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return grid

    def section(title: str, header: list[str], body: list[list[Any]]) -> list:
        parts = [Spacer(1, 12), Paragraph(escape(title), styles["Heading2"])]
        if not body:
            return [*parts, Paragraph(escape(_("Nothing this month.")), cell)]
        return [*parts, table(header, body)]

    story = [
        Paragraph(
            escape(_("Monthly case review %(month)s") % {"month": f"{review['month']:%Y-%m}"}),
            styles["Title"],
        )
    ]
    cases = [
        [c["label"], c["count"], c["main_cause"], ", ".join(x["reference"] for x in c["cases"])]
        for c in review["categories"]
    ]
    story += section(
        _("Typical cases per category"),
        [_("Category"), _("Complaints"), _("Main root cause"), _("Cases")],
        cases,
    )
    for c in review["categories"]:
        for x in c["cases"]:
            text = f"{x['reference']} — {x['description'][:300]} → {x['resolution_summary'][:300]}"
            story.append(Paragraph(escape(text), cell))
    story += section(
        _("SLA misses"),
        [_("Complaint"), _("Clock"), _("Due"), _("Category"), _("Root cause"), _("Owner")],
        [
            [m["reference"], m["clock"], _when(m["due_at"]), m["category"], m["cause"], m["owner"]]
            for m in review["sla_misses"]
        ],
    )
    story += section(
        _("Escalations"),
        [_("Complaint"), _("When"), _("From"), _("By"), _("Reason")],
        [
            [e["reference"], _when(e["at"]), e["from_state"], e["by"], e["reason"]]
            for e in review["escalations"]
        ],
    )
    story += section(
        _("Largest compensations"),
        [_("Complaint"), _("Type"), _("Amount"), _("Paid")],
        [
            [c["reference"], c["kind"], f"{c['currency']} {c['amount']}", _when(c["settled_at"])]
            for c in review["compensations"]
        ],
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Monthly case review").build(story)
    return buffer.getvalue()
