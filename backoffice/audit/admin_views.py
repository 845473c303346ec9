"""Admin pages of the audit app: a complaint's timeline, its evidence package, and the
evidence export of a date range. All read-only; every export is recorded in the chain."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .evidence import evidence_export
from .timeline import complaint_timeline

ZIP = "application/zip"


class EvidenceRangeForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _complaint(request: HttpRequest, complaint_id: int):
    from complaints.models import Complaint

    if not request.user.has_perm("complaints.view_complaint"):
        raise PermissionDenied
    return get_object_or_404(Complaint, pk=complaint_id)


def _zip(package: bytes, name: str) -> HttpResponse:
    response = HttpResponse(package, content_type=ZIP)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def timeline_view(request: HttpRequest, complaint_id: int, *, site: admin.AdminSite):
    complaint = _complaint(request, complaint_id)
    context = {
        **site.each_context(request),
        "title": _("Timeline of %(reference)s") % {"reference": complaint.reference},
        "complaint": complaint,
        "entries": complaint_timeline(complaint=complaint),
        "export_url": reverse("admin:audit_complaint_evidence", args=[complaint.pk]),
        "complaint_url": reverse("admin:complaints_complaint_change", args=[complaint.pk]),
    }
    return TemplateResponse(request, "admin/audit/timeline.html", context)


def complaint_evidence_view(request: HttpRequest, complaint_id: int, *, site: admin.AdminSite):
    complaint = _complaint(request, complaint_id)
    if request.method != "POST":  # an export is recorded: never on a mere GET
        return HttpResponseRedirect(reverse("admin:audit_complaint_timeline", args=[complaint.pk]))
    package = evidence_export(actor=request.user, complaint=complaint, language=get_language())
    return _zip(package, f"evidence-{complaint.reference}.zip")


def range_evidence_view(request: HttpRequest, *, site: admin.AdminSite):
    if not request.user.has_perm("audit.view_auditentry"):
        raise PermissionDenied
    form = EvidenceRangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        package = evidence_export(
            actor=request.user, date_from=start, date_to=end, language=get_language()
        )
        return _zip(package, f"evidence-{start:%Y%m%d}-{end:%Y%m%d}.zip")
    context = {
        **site.each_context(request),
        "title": _("Evidence export"),
        "form": form,
    }
    return TemplateResponse(request, "admin/audit/evidence_range.html", context)


def audit_urls(site: admin.AdminSite) -> list:
    def wrap(view):
        def inner(request, *args, **kwargs):
            return view(request, *args, site=site, **kwargs)

        return site.admin_view(inner)

    return [
        path(
            "timeline/<int:complaint_id>/",
            wrap(timeline_view),
            name="audit_complaint_timeline",
        ),
        path(
            "timeline/<int:complaint_id>/evidence/",
            wrap(complaint_evidence_view),
            name="audit_complaint_evidence",
        ),
        path("evidence/", wrap(range_evidence_view), name="audit_evidence_range"),
    ]
