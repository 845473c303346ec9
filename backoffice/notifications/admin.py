from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exceptions import ApplicationError

from .models import Notification
from .services import notification_retry


@admin.register(Notification)
class NotificationAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "customer",
        "template_key",
        "channel",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "delivered_at",
    ]
    list_filter = ["status", "channel", "template_key"]
    search_fields = ["=customer__wallet_account_id", "=provider_message_id", "topic"]
    list_select_related = ["customer"]
    actions = ["retry_failed"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed messages"), permissions=["retry"])
    def retry_failed(self, request, queryset) -> None:
        retried = 0
        for notification in queryset:
            try:
                notification_retry(notification=notification, actor=request.user)
                retried += 1
            except ApplicationError as exc:
                self.message_user(request, f"{notification.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%d message(s) queued again.") % retried)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.retry_notification")
