"""The customer admin, with the manager-only action that anonymises a customer's personal
data on request (with a reason, recorded in the audit chain)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backoffice.customers.admin import CustomerAdmin
from backoffice.customers.models import Customer
from backoffice.roles.selectors import user_has_role

from .retention import customer_anonymise


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("For example the reference of the customer's erasure request."),
    )


class ErasableCustomerAdmin(CustomerAdmin):
    actions = [*(CustomerAdmin.actions or []), "anonymise_customers"]

    def has_anonymise_permission(self, request) -> bool:
        return user_has_role(request.user, "manager")

    @admin.action(
        description=_("Anonymise personal data (on the customer's request)"),
        permissions=["anonymise"],
    )
    def anonymise_customers(self, request, queryset):
        form = AnonymiseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for customer in queryset:
                customer_anonymise(
                    customer=customer, actor=request.user, reason=form.cleaned_data["reason"]
                )
            count = queryset.count()
            self.message_user(
                request,
                ngettext("%(count)d customer anonymised.", "%(count)d customers anonymised.", count)
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Anonymise personal data"),
            "opts": self.model._meta,
            "form": form,
            "customers": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/audit/anonymise_customers.html", context)


admin.site.unregister(Customer)
admin.site.register(Customer, ErasableCustomerAdmin)
