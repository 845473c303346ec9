"""Writers for tips, their versions and quizzes."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from backoffice.customers.models import Customer
from backoffice.roles.models import Role
from backoffice.roles.selectors import user_has_role

from ..exceptions import (
    ApprovalNotAllowed,
    InvalidTransition,
    NothingToApprove,
    QuizAnswersInvalid,
    QuizNotFound,
    SelfApprovalRefused,
)
from ..models import QuizAttempt, SecurityTip, TipText, TipVersion

APPROVER_ROLES = (Role.CONTENT_EDITOR, Role.MANAGER)


def save_with_history(obj: Any, *, actor: AbstractBaseUser, reason: str, **kwargs: Any) -> None:
    """Save with the actor and the reason recorded in the object's history."""
    obj._history_user = actor
    obj._change_reason = reason
    obj.save(**kwargs)


def check_approver(*, actor: AbstractBaseUser, author_id: int | None) -> None:
    """Content is approved by a content editor or manager who did not write it."""
    if not user_has_role(actor, *APPROVER_ROLES):
        raise ApprovalNotAllowed()
    if author_id is not None and actor.pk == author_id:
        raise SelfApprovalRefused()


@transaction.atomic
def tip_create(*, slug: str, topic: str, severity: str, actor: AbstractBaseUser) -> SecurityTip:
    """A new tip in draft, without texts yet."""
    tip = SecurityTip(slug=slug, topic=topic, severity=severity)
    tip.full_clean()
    save_with_history(tip, actor=actor, reason="created")
    return tip


@transaction.atomic
def tip_version_create(
    *, tip: SecurityTip, texts: list[dict[str, Any]], actor: AbstractBaseUser
) -> TipVersion:
    """A new wording of a tip: `texts` are {variant, language, title, body}. The published
    version keeps being shown until this one is approved."""
    tip = SecurityTip.objects.select_for_update().get(pk=tip.pk)
    last = tip.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = TipVersion(tip=tip, number=last + 1, author=actor)
    save_with_history(version, actor=actor, reason="new version")
    for text in texts:
        row = TipText(version=version, **text)
        row.full_clean()
        save_with_history(row, actor=actor, reason="new version")
    return version


@transaction.atomic
def tip_approve(
    *, tip: SecurityTip, actor: AbstractBaseUser, version: TipVersion | None = None
) -> SecurityTip:
    """Publish a version (the latest by default). Refused to anyone but a content editor or
    manager, and to the version's author."""
    tip = SecurityTip.objects.select_for_update().get(pk=tip.pk)
    version = version or tip.versions.order_by("-number").first()
    if version is None or not version.texts.filter(language="en").exists():
        raise NothingToApprove()
    check_approver(actor=actor, author_id=version.author_id)
    if not can_proceed(tip.approve):
        raise InvalidTransition()
    tip.approve(version)
    version.approved_by, version.approved_at = actor, timezone.now()
    save_with_history(version, actor=actor, reason="approved")
    save_with_history(tip, actor=actor, reason=f"approved version {version.number}")
    return tip


@transaction.atomic
def tip_retire(*, tip: SecurityTip, actor: AbstractBaseUser) -> SecurityTip:
    """Take a tip out of use; campaigns skip it from their next run."""
    tip = SecurityTip.objects.select_for_update().get(pk=tip.pk)
    if not user_has_role(actor, *APPROVER_ROLES):
        raise ApprovalNotAllowed()
    if not can_proceed(tip.retire):
        raise InvalidTransition()
    tip.retire()
    save_with_history(tip, actor=actor, reason="retired")
    return tip


@transaction.atomic
def quiz_attempt_submit(
    *, customer: Customer, tip: SecurityTip, answers: dict[int, int]
) -> QuizAttempt:
    """Score a customer's answers (question id -> choice id) and record them."""
    questions = list(tip.questions.prefetch_related("choices"))
    if not questions:
        raise QuizNotFound()
    if set(answers) != {q.pk for q in questions}:
        raise QuizAnswersInvalid()
    score = 0
    for question in questions:
        choices = {c.pk: c for c in question.choices.all()}
        chosen = choices.get(answers[question.pk])
        if chosen is None:
            raise QuizAnswersInvalid()
        score += int(chosen.is_correct)
    return QuizAttempt.objects.create(
        customer=customer,
        tip=tip,
        answers={str(k): v for k, v in answers.items()},
        score=score,
        max_score=len(questions),
    )
