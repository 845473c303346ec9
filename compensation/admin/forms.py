from django import forms
from django.utils.translation import gettext_lazy as _


class QuoteForm(forms.Form):
    reference = forms.CharField(label=_("complaint reference"), max_length=32)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea)


class AdjustForm(forms.Form):
    amount = forms.CharField(label=_("amount"), max_length=32)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea)
