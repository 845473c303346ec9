"""Recording a complaint received by phone, chat or e-mail: the agent's intake form, which
calls the same `complaint_submit` service as the customer API."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backoffice.core.money import CURRENCY_CHOICES
from backoffice.customers.models import Customer

from ..models import ComplaintCategory, ComplaintChannel

STAFF_CHANNELS = [c for c in ComplaintChannel.choices if c[0] != ComplaintChannel.IN_APP]


class RecordComplaintForm(forms.Form):
    customer = forms.CharField(
        label=_("customer"),
        max_length=64,
        help_text=_("Wallet account id or the phone number bound to the account."),
    )
    channel = forms.ChoiceField(label=_("channel"), choices=STAFF_CHANNELS)
    category = forms.ChoiceField(label=_("category"), choices=ComplaintCategory.choices)
    description = forms.CharField(label=_("description"), widget=forms.Textarea)
    amount = forms.CharField(label=_("amount involved"), required=False, max_length=32)
    currency = forms.ChoiceField(
        label=_("currency"), choices=[("", "—"), *CURRENCY_CHOICES], required=False
    )
    occurred_at = forms.DateTimeField(
        label=_("occurred at"),
        required=False,
        help_text=_("In your time zone, e.g. 2026-11-22 09:30."),
    )
    transaction_ids = forms.CharField(
        label=_("transaction ids"),
        required=False,
        help_text=_("Serial numbers separated by commas or spaces."),
    )

    def clean_customer(self) -> Customer:
        value = self.cleaned_data["customer"].strip()
        matches = list(Customer.objects.filter(Q(wallet_account_id=value) | Q(phone=value))[:2])
        if not matches:
            raise forms.ValidationError(_("No customer has this account id or phone number."))
        if len(matches) > 1:
            raise forms.ValidationError(_("Several customers match; use the account id."))
        return matches[0]

    def clean_transaction_ids(self) -> list[str]:
        raw = self.cleaned_data["transaction_ids"].replace(",", " ")
        return [ref for ref in raw.split() if ref]

    def submit_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "customer": data["customer"],
            "channel": data["channel"],
            "category": data["category"],
            "description": data["description"],
            "amount": data["amount"].strip() or None,
            "currency": data["currency"],
            "occurred_at": data["occurred_at"],
            "transaction_ids": data["transaction_ids"],
        }
