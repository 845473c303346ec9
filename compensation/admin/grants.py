from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import BudgetReservation, Coupon, FeeWaiver, WalletLedgerEntry


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ["code", "customer", "currency", "max_discount", "expires_at", "used_at"]
    list_filter = ["currency"]
    search_fields = ["=code", "=customer__wallet_account_id", "=used_transaction_id"]
    list_select_related = ["customer"]


@admin.register(FeeWaiver)
class FeeWaiverAdmin(ReadOnlyAdmin):
    list_display = ["customer", "currency", "remaining_count", "remaining_amount", "expires_at"]
    list_filter = ["currency"]
    search_fields = ["=customer__wallet_account_id"]
    list_select_related = ["customer"]


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyAdmin):
    list_display = ["budget", "month", "amount", "status", "line"]
    list_filter = ["status", "month"]


@admin.register(WalletLedgerEntry)
class WalletLedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["reference", "account", "amount", "currency", "original_transaction_id"]
    search_fields = ["=reference", "=account", "=idempotency_key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
