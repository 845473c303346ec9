from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, PaymentTransaction


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = [
        "wallet_account_id",
        "name",
        "phone_masked",
        "email_masked",
        "preferred_channel",
        "language",
        "is_vulnerable",
        "registered_at",
    ]
    list_filter = ["preferred_channel", "language", "is_vulnerable"]
    search_fields = ["wallet_account_id", "=phone", "=email", "name"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["user"]

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Customer) -> str:
        return obj.masked_phone

    @admin.display(description=_("e-mail"))
    def email_masked(self, obj: Customer) -> str:
        return obj.masked_email


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(SimpleHistoryAdmin):
    list_display = [
        "transaction_id",
        "customer",
        "type",
        "amount",
        "fee",
        "currency",
        "status",
        "counterparty",
        "error_code",
        "occurred_at",
    ]
    list_filter = ["type", "status", "currency"]
    search_fields = ["=transaction_id", "=customer__wallet_account_id", "counterparty"]
    list_select_related = ["customer"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["customer"]

    def has_add_permission(self, request) -> bool:
        return False  # records come from the payment core only

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
