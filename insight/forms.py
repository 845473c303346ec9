"""Filters of the reports (GET forms)."""

import re
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import ComplaintCategory, ComplaintChannel

from .models import NO_TEAM
from .periods import Period, local_today
from .selectors import DashboardFilters, teams

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["channel"].choices = every + list(ComplaintChannel.choices)
        self.fields["category"].choices = every + list(ComplaintCategory.choices)
        self.fields["team"].choices = (
            every + [(str(NO_TEAM), _("No team"))] + [(str(pk), name) for pk, name in teams()]
        )

    def clean(self):
        data = super().clean()
        last = data.get("date_to") or local_today()
        first = data.get("date_from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (last - first).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data["period"] = Period(first, last)
        return data

    def filters(self) -> DashboardFilters:
        data = self.cleaned_data
        return DashboardFilters(
            period=data["period"],
            channel=data.get("channel") or "",
            category=data.get("category") or "",
            team=int(data["team"]) if data.get("team") else None,
        )


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), required=False, help_text=_("YYYY-MM"))
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("html", "HTML"), ("pdf", "PDF")]
    )

    def clean_month(self) -> date:
        return parse_month(self.cleaned_data.get("month") or "")


def parse_month(value: str) -> date:
    """ "2026-10" → 2026-10-01; blank → last month."""
    if not value:
        return (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    if not re.fullmatch(r"\d{4}-\d{2}", value) or not 1 <= int(value[5:]) <= 12:
        raise forms.ValidationError(_("Give the month as YYYY-MM."), code="invalid_month")
    return date(int(value[:4]), int(value[5:]), 1)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def clean_year(self) -> int:
        return self.cleaned_data.get("year") or local_today().year - 1
