"""A customer's own education preferences: quiet hours and opt-outs."""

from datetime import time

from django.db import transaction

from backoffice.customers.models import Customer

from ..models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    EducationOptOut,
    EducationProfile,
    OptOutKind,
)


def education_preferences(*, customer: Customer) -> dict:
    """Current preferences; defaults when the customer never set any."""
    profile = EducationProfile.objects.filter(customer=customer).first()
    opt_outs = EducationOptOut.objects.filter(customer=customer).values_list("kind", "value")
    return {
        "quiet_start": profile.quiet_start if profile else DEFAULT_QUIET_START,
        "quiet_end": profile.quiet_end if profile else DEFAULT_QUIET_END,
        "opted_out_channels": sorted(v for k, v in opt_outs if k == OptOutKind.CHANNEL),
        "opted_out_topics": sorted(v for k, v in opt_outs if k == OptOutKind.TOPIC),
    }


@transaction.atomic
def education_preferences_update(
    *,
    customer: Customer,
    quiet_start: time,
    quiet_end: time,
    opted_out_channels: list[str],
    opted_out_topics: list[str],
) -> dict:
    """Replace the customer's quiet hours and opt-outs (the customer is the actor)."""
    profile = EducationProfile.objects.select_for_update().filter(customer=customer).first()
    profile = profile or EducationProfile(customer=customer)
    profile.quiet_start, profile.quiet_end = quiet_start, quiet_end
    profile._history_user, profile._change_reason = customer.user, "customer preferences"
    profile.save()
    wanted = {(OptOutKind.CHANNEL.value, c) for c in opted_out_channels} | {
        (OptOutKind.TOPIC.value, t) for t in opted_out_topics
    }
    current = set(EducationOptOut.objects.filter(customer=customer).values_list("kind", "value"))
    for kind, value in current - wanted:
        for row in EducationOptOut.objects.filter(customer=customer, kind=kind, value=value):
            row._history_user, row._change_reason = customer.user, "customer preferences"
            row.delete()
    for kind, value in wanted - current:
        row = EducationOptOut(customer=customer, kind=kind, value=value)
        row._history_user, row._change_reason = customer.user, "customer preferences"
        row.save()
    return education_preferences(customer=customer)
