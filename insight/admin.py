"""The reports in the admin: the KPI dashboard, the monthly case review and the regulatory
statistics. Read-only pages behind `insight.view_<report>`; others get 403."""

import json
from datetime import date
from decimal import Decimal

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .exports import case_review_pdf, dashboard_csv, regulatory_csv
from .forms import DashboardFilterForm, MonthForm, YearForm
from .models import CaseReview, Dashboard, RegulatoryReport, SummaryWatermark
from .reports import case_review, regulatory_statistics
from .selectors import dashboard, team_names
from .services import WATERMARK


class ReportAdmin(admin.ModelAdmin):
    """No table, no changes: one read-only page (and its downloads)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"

        def wrap(view):
            return self.admin_site.admin_view(require_safe(view))

        return [
            path("", wrap(self.page), name=f"{name}_changelist"),
            path("download/", wrap(self.download), name=f"{name}_download"),
        ]

    def check_access(self, request) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def render_page(self, request, template: str, context: dict) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": capfirst(self.opts.verbose_name),
            **context,
        }
        return render(request, template, context)


def _download(content, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _chart_json(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


@admin.register(Dashboard)
class DashboardAdmin(ReportAdmin):
    def _data(self, request):
        form = DashboardFilterForm(request.GET or None)
        if request.GET and not form.is_valid():
            return form, None
        if not request.GET:
            form = DashboardFilterForm({})
            form.is_valid()
        return form, dashboard(form.filters())

    def page(self, request):
        self.check_access(request)
        form, data = self._data(request)
        context = {"form": form, "data": data}
        if data is not None:
            context["charts"] = json.loads(json.dumps(_charts(data), default=_chart_json))
            context["team_label"] = _team_label(data["filters"].team)
            context["refreshed_at"] = (
                SummaryWatermark.objects.filter(name=WATERMARK)
                .values_list("refreshed_at", flat=True)
                .first()
            )
        return self.render_page(request, "admin/insight/dashboard.html", context)

    def download(self, request):
        self.check_access(request)
        form, data = self._data(request)
        if data is None:
            return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
        section = request.GET.get("section", "")
        period = data["filters"].period
        name = f"insight-{section or 'dashboard'}-{period.first}-{period.last}.csv"
        return _download(
            dashboard_csv(data, section), filename=name, content_type="text/csv; charset=utf-8"
        )


def _team_label(team) -> str:
    if team is None:
        return _("All teams")
    return team_names({team}).get(team, _("No team"))


def _charts(data: dict) -> dict:
    """What the browser draws; the same numbers are in the tables below each chart."""

    def lines(series):
        return {
            "labels": series["buckets"],
            "datasets": [{"label": str(s["label"]), "data": s["values"]} for s in series["series"]],
        }

    return {
        "volume_by_category": {"type": "bar", "stacked": True, **lines(data["volume_by_category"])},
        "volume_by_channel": {"type": "bar", "stacked": True, **lines(data["volume_by_channel"])},
        "sla": {
            "type": "bar",
            "labels": [str(r["label"]) for r in data["sla"]],
            "datasets": [
                {"label": _("Compliance %"), "data": [r["compliance"] for r in data["sla"]]}
            ],
        },
        "satisfaction": {
            "type": "bar",
            "labels": [str(r["score"]) for r in data["satisfaction"]],
            "datasets": [
                {"label": _("Ratings"), "data": [r["count"] for r in data["satisfaction"]]}
            ],
        },
        "root_causes": {
            "type": "doughnut",
            "labels": [str(r["label"]) for r in data["root_causes"]],
            "datasets": [
                {"label": _("Complaints"), "data": [r["count"] for r in data["root_causes"]]}
            ],
        },
    }


@admin.register(CaseReview)
class CaseReviewAdmin(ReportAdmin):
    def page(self, request):
        self.check_access(request)
        form = MonthForm(request.GET)
        review = case_review(month=form.cleaned_data["month"]) if form.is_valid() else None
        if review and form.cleaned_data.get("format") == "pdf":
            return self._pdf(review)
        return self.render_page(
            request, "admin/insight/case_review.html", {"form": form, "review": review}
        )

    def download(self, request):
        self.check_access(request)
        form = MonthForm(request.GET)
        if not form.is_valid():
            return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
        return self._pdf(case_review(month=form.cleaned_data["month"]))

    def _pdf(self, review) -> HttpResponse:
        return _download(
            case_review_pdf(review),
            filename=f"case-review-{review['month']:%Y-%m}.pdf",
            content_type="application/pdf",
        )


@admin.register(RegulatoryReport)
class RegulatoryReportAdmin(ReportAdmin):
    def page(self, request):
        self.check_access(request)
        form = YearForm(request.GET)
        report = regulatory_statistics(year=form.cleaned_data["year"]) if form.is_valid() else None
        context = {"form": form, "report": report}
        if report is not None:
            context["year"] = form.cleaned_data["year"]
        return self.render_page(request, "admin/insight/regulatory.html", context)

    def download(self, request):
        self.check_access(request)
        form = YearForm(request.GET)
        if not form.is_valid():
            return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
        year = form.cleaned_data["year"]
        return _download(
            regulatory_csv(regulatory_statistics(year=year), year=year),
            filename=f"complaint-statistics-{year}.csv",
            content_type="text/csv; charset=utf-8",
        )
