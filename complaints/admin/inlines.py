"""Read-only inlines of the complaint page: the timeline and the findings."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import (
    ComplaintEvent,
    ComplaintFinding,
    ComplaintMessage,
    ComplaintNote,
    ComplaintSlaBreach,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class EventInline(ReadOnlyInline):
    model = ComplaintEvent
    verbose_name_plural = _("timeline")
    fields = ["created_at", "kind", "actor", "from_state", "to_state", "reason", "visibility"]


class MessageInline(ReadOnlyInline):
    model = ComplaintMessage
    fields = ["created_at", "sender", "author", "body", "files"]

    @admin.display(description=_("attachments"))
    def files(self, obj: ComplaintMessage) -> str:
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse(
                    "complaint-attachment",
                    kwargs={"reference": obj.complaint.reference, "attachment_id": a.pk},
                ),
                a.original_name,
            )
            for a in obj.attachments.all()
        ]
        return format_html(", ".join(["{}"] * len(links)), *links) if links else "—"


class NoteInline(ReadOnlyInline):
    model = ComplaintNote
    fields = ["created_at", "author", "body"]


class FindingInline(ReadOnlyInline):
    model = ComplaintFinding
    fields = ["kind", "transaction", "details", "confirmed", "reviewed_by", "review"]

    @admin.display(description=_("review"))
    def review(self, obj: ComplaintFinding) -> str:
        def button(verdict: str, label) -> str:
            url = reverse(
                "admin:complaints_complaint_finding", args=[obj.complaint_id, obj.pk, verdict]
            )
            return format_html(
                '<button type="submit" formmethod="post" formaction="{}">{}</button>', url, label
            )

        return format_html(
            "{} {}", button("confirm", _("Confirm")), button("dismiss", _("Dismiss"))
        )


class SlaBreachInline(ReadOnlyInline):
    model = ComplaintSlaBreach
    fields = ["clock", "due_at", "breached_at", "escalated"]
