"""Policy versions: a manager drafts (a copy of the latest version), submits, and another
manager activates it; the previous active version retires in the same transaction."""

from typing import Any

from django.db import transaction
from django.db.models import Max

from .. import exceptions
from ..models import CompensationPolicy, CurrencyLimit, PolicyVersion, VersionState
from ..permissions import may_manage_policies
from ._common import now, save


def _require_manager(actor: Any) -> None:
    if not may_manage_policies(actor):
        raise exceptions.NotPermitted()


def _locked(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)


def _copy_rules(source: PolicyVersion, target: PolicyVersion, actor: Any) -> None:
    for rule in source.rules.order_by("order"):
        rule.pk, rule.id, rule.version = None, None, target
        save(rule, actor=actor, reason=f"copied from {source}")
    for limit in source.limits.all():
        copy = CurrencyLimit(
            version=target,
            currency=limit.currency,
            per_complaint_cap=limit.per_complaint_cap,
            goodwill_window_limit=limit.goodwill_window_limit,
        )
        save(copy, actor=actor, reason=f"copied from {source}")


@transaction.atomic
def policy_version_create_draft(
    *, policy: CompensationPolicy, actor: Any, notes: str = ""
) -> PolicyVersion:
    """A new draft version, starting as a copy of the policy's latest version."""
    _require_manager(actor)
    policy = CompensationPolicy.objects.select_for_update().get(pk=policy.pk)
    latest = policy.versions.order_by("-number").first()
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(
        policy=policy,
        number=number,
        notes=notes,
        author=actor,
        goodwill_window_days=latest.goodwill_window_days if latest else 30,
    )
    save(version, actor=actor, reason="draft created")
    if latest is not None:
        _copy_rules(latest, version, actor)
    return version


@transaction.atomic
def policy_version_submit(*, version: PolicyVersion, actor: Any) -> PolicyVersion:
    """The draft goes to another manager for approval."""
    _require_manager(actor)
    version = _locked(version)
    if version.state != VersionState.DRAFT:
        raise exceptions.VersionStateInvalid()
    version.submit(at=now())
    save(version, actor=actor, reason="submitted for approval")
    return version


@transaction.atomic
def policy_version_return_to_draft(
    *, version: PolicyVersion, actor: Any, reason: str
) -> PolicyVersion:
    _require_manager(actor)
    version = _locked(version)
    if version.state != VersionState.PENDING_APPROVAL:
        raise exceptions.VersionStateInvalid()
    version.return_to_draft()
    save(version, actor=actor, reason=f"returned for changes: {reason}")
    return version


@transaction.atomic
def policy_version_activate(*, version: PolicyVersion, actor: Any) -> PolicyVersion:
    """A manager who did not author the version approves it; the active version retires
    in the same transaction (one active version per policy is also a DB constraint).
    Proposals quoted under the retired version must be quoted again."""
    _require_manager(actor)
    version = _locked(version)
    if version.state != VersionState.PENDING_APPROVAL:
        raise exceptions.VersionStateInvalid()
    if version.author_id == actor.pk:
        raise exceptions.AuthorCannotActivate()
    at = now()
    current = (
        PolicyVersion.objects.select_for_update()
        .filter(policy_id=version.policy_id, state=VersionState.ACTIVE)
        .first()
    )
    if current is not None:
        current.retire(at=at)
        save(current, actor=actor, reason=f"retired: v{version.number} activated")
    version.activate(by=actor, at=at)
    save(version, actor=actor, reason="approved and activated")
    return version
