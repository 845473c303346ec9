from django.contrib import admin

from . import admin_erasure  # noqa: F401  (the customer admin's anonymise action)
from .admin_views import audit_urls
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "created_at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "actor_label", "object_repr", "=hash"]
    date_hierarchy = "created_at"
    change_list_template = "admin/audit/auditentry/change_list.html"

    def get_urls(self):
        return [*audit_urls(self.admin_site), *super().get_urls()]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
