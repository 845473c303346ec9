from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from backoffice.audit.services import audit_record

from .models import Customer, PaymentTransaction

PII_FIELDS = {"phone": "phone_masked", "email": "email_masked", "id_number": "id_number_masked"}


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    """Personal data is masked everywhere by default. A user holding `unmask_pii` can ask
    for it on one customer's page (?unmask=1), and each time is recorded in the audit
    chain; the history pages, whose diffs hold personal data, count as unmasking."""

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
    raw_id_fields = ["user"]

    def _unmasked(self, request) -> bool:
        return request.GET.get("unmask") == "1" and request.user.has_perm("customers.unmask_pii")

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in PII_FIELDS.values()]
        if obj is None or self._unmasked(request):
            return fields
        return ["personal_data", *(PII_FIELDS.get(f, f) for f in fields)]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_at", "updated_at"]
        if obj is not None and not self._unmasked(request):
            readonly += ["personal_data", *PII_FIELDS.values()]
        return readonly

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self._unmasked(request):
            customer = self.get_object(request, object_id)
            if customer is not None:
                audit_record(
                    actor=request.user,
                    action="pii.unmasked",
                    obj=customer,
                    data={"view": "customer"},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not request.user.has_perm("customers.unmask_pii"):
            raise PermissionDenied
        customer = self.get_object(request, object_id)
        if customer is not None:
            audit_record(
                actor=request.user, action="pii.unmasked", obj=customer, data={"view": "history"}
            )
        return super().history_view(request, object_id, extra_context)

    @admin.display(description=_("personal data"))
    def personal_data(self, obj: Customer) -> str:
        return format_html(
            '<a href="?unmask=1">{}</a>',
            _("Show personal data (needs the unmask permission; every use is recorded)"),
        )

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Customer) -> str:
        return obj.masked_phone

    @admin.display(description=_("e-mail"))
    def email_masked(self, obj: Customer) -> str:
        return obj.masked_email

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj: Customer) -> str:
        return obj.masked_id_number


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
