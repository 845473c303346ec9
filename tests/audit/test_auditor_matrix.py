"""The auditor sees everything and changes nothing: every admin page, every admin action,
every custom admin view and every write method of every API endpoint.

Each test seeds the demo (so nearly every model has rows), logs the auditor in, takes a
snapshot of the database (row counts of every model, history tables included, and the
audit chain), runs the whole matrix, and compares. Failures are collected so one run
lists every hole, not just the first.
"""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.audit.models import AuditEntry
from backoffice.core.actors import system_actor
from tests.backoffice.factories import staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "audit-pass-1234"
WRITE_METHODS = ("post", "put", "patch", "delete")
# The admin's own per-object views; anything else a ModelAdmin routes is a custom view.
STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history", "autocomplete")


def _fill_missing_rows() -> None:
    """Rows the demo does not make, so every change page can be opened."""
    from backoffice.customers.models import Customer
    from compensation.models import Coupon, FeeWaiver, ProposalLine, WalletLedgerEntry
    from complaints.models import SlaPolicy
    from education.models import (
        Campaign,
        CampaignRun,
        EducationOptOut,
        EducationProfile,
        SecurityTip,
    )
    from education.services.warnings import warning_evaluate

    customer = Customer.objects.order_by("pk").first()
    line = ProposalLine.objects.order_by("pk").first()
    now = timezone.now()
    SlaPolicy.objects.get_or_create(category="", priority="")
    Coupon.objects.get_or_create(
        line=line,
        defaults=dict(
            code="AUDIT-COUPON",
            customer=line.proposal.complaint.customer,
            currency=line.currency,
            max_discount=Decimal("10.00"),
            amount_off=Decimal("10.00"),
            expires_at=now + timedelta(days=30),
        ),
    )
    FeeWaiver.objects.get_or_create(
        line=line,
        defaults=dict(
            customer=line.proposal.complaint.customer,
            currency=line.currency,
            max_total=Decimal("5.00"),
            remaining_amount=Decimal("5.00"),
        ),
    )
    tip = SecurityTip.objects.filter(published_version__isnull=False).first()
    CampaignRun.objects.get_or_create(
        campaign=Campaign.objects.first(),
        time_zone="Asia/Hong_Kong",
        local_date=now.date(),
        defaults=dict(due_at=now, sequence=1, tip=tip, version=tip.published_version),
    )
    EducationProfile.objects.get_or_create(customer=customer)
    EducationOptOut.objects.get_or_create(customer=customer, kind="channel", value="sms")
    WalletLedgerEntry.objects.get_or_create(
        idempotency_key="audit-matrix",
        defaults=dict(
            reference="AUDIT-LEDGER",
            customer=customer,
            account="main",
            amount=Decimal("1.00"),
            currency="HKD",
        ),
    )
    warning_evaluate(
        customer=customer,
        scenario="public_wifi",
        context={"network_type": "public_wifi"},
        request_id="audit-matrix",
    )


@pytest.fixture
def demo(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("seed_demo", "--force", verbosity=0)
    _fill_missing_rows()


@pytest.fixture
def auditor():
    """An auditor with one staff alert of their own (alerts are a personal inbox)."""
    from complaints.models import Complaint, StaffAlert

    user = staff_user("auditor", username="auditor-matrix")
    user.set_password(PASSWORD)
    user.save()
    complaint = Complaint.objects.order_by("pk").first()
    StaffAlert.objects.create(recipient=user, complaint=complaint, kind="assigned", message="-")
    return user


def snapshot() -> dict:
    """Row counts of every model (history tables included) and the audit chain."""
    tables = set(connection.introspection.table_names())
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in tables and not model._meta.proxy
    }
    chain = list(AuditEntry.objects.order_by("seq").values_list("seq", "hash"))
    return {"counts": counts, "chain": chain}


def assert_unchanged(before: dict, failures: list[str]) -> None:
    after = snapshot()
    for label, count in before["counts"].items():
        if after["counts"][label] != count:
            failures.append(f"{label}: {count} rows before, {after['counts'][label]} after")
    if after["chain"] != before["chain"]:
        failures.append("the audit chain changed")
    assert failures == [], "\n".join(failures)


def _row_fingerprint(obj) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname != "updated_at"
    }


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _admin_patterns(model) -> list[URLPattern]:
    return [p for p in admin.site._registry[model].get_urls() if isinstance(p, URLPattern)]


def _check_model_pages(client, client_user, model, failures: list[str]) -> None:
    label = model._meta.label
    names = {p.name for p in _admin_patterns(model)}
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    changelist = client.get(_url(model, "changelist"))
    if changelist.status_code != 200:
        failures.append(f"{label} changelist: {changelist.status_code}")
        return
    body = changelist.content.decode()
    if 'name="action"' in body:
        failures.append(f"{label} changelist offers bulk actions to the auditor")
    if f"{prefix}add" in names and f'href="{_url(model, "add")}"' in body:
        failures.append(f"{label} changelist shows an add link")
    if f"{prefix}add" in names and client.get(_url(model, "add")).status_code != 403:
        failures.append(f"{label} add page is not 403")
    if f"{prefix}change" not in names:
        return
    request = RequestFactory().get("/")
    request.user = client_user
    obj = admin.site._registry[model].get_queryset(request).order_by("pk").first()
    if obj is None:
        failures.append(f"{label} has no row to open")
        return
    _check_change_page(client, model, obj, failures)


def _check_change_page(client, model, obj, failures: list[str]) -> None:
    label = model._meta.label
    url = _url(model, "change", obj.pk)
    page = client.get(url)
    if page.status_code != 200:
        failures.append(f"{label} change page: {page.status_code}")
        return
    body = page.content.decode()
    if 'name="_save"' in body or 'name="_continue"' in body:
        failures.append(f"{label} change page shows a save button")
    for field in model._meta.concrete_fields:
        if re.search(rf'<(input|select|textarea)[^>]*name="{field.name}"', body):
            failures.append(f"{label} change page has an editable {field.name}")
    if client.get(_url(model, "delete", obj.pk)).status_code != 403:
        failures.append(f"{label} delete page is not 403")
    before = _row_fingerprint(obj)
    if client.post(url, {"_save": "Save"}).status_code != 403:
        failures.append(f"{label} POST to the change page is not 403")
    if client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code != 403:
        failures.append(f"{label} POST to the delete page is not 403")
    if _row_fingerprint(model._default_manager.get(pk=obj.pk)) != before:
        failures.append(f"{label} row changed after the auditor's POST")


def test_every_admin_page_is_read_only_for_the_auditor(demo, auditor, client):
    client.force_login(auditor)
    before = snapshot()
    failures: list[str] = []
    for model in admin.site._registry:
        _check_model_pages(client, auditor, model, failures)
    assert_unchanged(before, failures)


def test_no_admin_action_is_offered_to_the_auditor(demo, auditor, rf):
    failures = []
    for model, model_admin in admin.site._registry.items():
        request = rf.get(_url(model, "changelist"))
        request.user = auditor
        offered = set(model_admin.get_actions(request))
        if offered:
            failures.append(f"{model._meta.label}: {sorted(offered)}")
    assert failures == [], "\n".join(failures)


def test_a_bulk_action_posted_by_the_auditor_changes_nothing(demo, auditor, client):
    client.force_login(auditor)
    before = snapshot()
    failures: list[str] = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.actions is None or not model_admin.actions:
            continue
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:3])
        for action in model_admin.actions or []:
            name = action if isinstance(action, str) else action.__name__
            data = {"action": name, admin.helpers.ACTION_CHECKBOX_NAME: pks, "index": 0}
            response = client.post(_url(model, "changelist"), data)
            if response.status_code not in (200, 302, 403):
                failures.append(f"{model._meta.label}.{name}: {response.status_code}")
    assert_unchanged(before, failures)


def _custom_admin_views():
    """(model, pattern) for every view a ModelAdmin adds besides the standard ones."""
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in _admin_patterns(model):
            view = (pattern.name or "").removeprefix(prefix)
            if pattern.name and view not in STANDARD_VIEWS:
                yield model, pattern


def _action_names() -> list[str]:
    from complaints.admin.forms import ACTIONS

    return [*ACTIONS, "submit", "approve", "reject", "withdraw", "activate", "return_to_draft"]


def _custom_view_urls(model, pattern) -> list[str]:
    """Every URL worth a POST: real objects, every action name, both verdicts."""
    from compensation.models import ProposalLine
    from complaints.models import ComplaintFinding

    name = f"admin:{pattern.name}"
    if pattern.name.endswith("_simple_history"):
        record = model.history.order_by("-history_id").first()
        if record is None:  # reference data loaded by a data migration has no baseline
            model.history.bulk_history_create(
                [model._default_manager.first()],
                default_user=system_actor("audit-matrix"),
                default_change_reason="baseline",
            )
            record = model.history.order_by("-history_id").first()
        return [reverse(name, args=[getattr(record, model._meta.pk.attname), record.history_id])]
    keys = list(pattern.pattern.converters)
    if not keys:
        return [reverse(name)]
    if "finding_id" in keys:
        finding = ComplaintFinding.objects.order_by("pk").first()
        assert finding is not None, "the demo has no complaint finding to review"
        return [
            reverse(name, args=[finding.complaint_id, finding.pk, verdict])
            for verdict in ("confirm", "dismiss")
        ]
    if "line_id" in keys:
        line = ProposalLine.objects.order_by("pk").first()
        return [reverse(name, args=[line.proposal_id, line.pk])]
    obj = model._default_manager.order_by("-pk").first()
    if "action" in keys:
        return [reverse(name, args=[obj.pk, action]) for action in _action_names()]
    return [reverse(name, args=[obj.pk])]


def test_every_custom_admin_view_refuses_a_post_from_the_auditor(demo, auditor, client):
    """The workflow views answer a refused POST with their form and a message, or a
    redirect, or 403; what matters is that nothing in the database changed."""
    client.force_login(auditor)
    views = [(url, p) for m, p in _custom_admin_views() for url in _custom_view_urls(m, p)]
    assert {p.name.rsplit("_", 1)[-1] for _u, p in views} >= {"download"}
    before = snapshot()
    failures: list[str] = []
    for url, pattern in views:
        response = client.post(url, {"reason": "audit", "amount": "1.00", "note": "audit"})
        if response.status_code >= 500:
            failures.append(f"POST {url} ({pattern.name}): {response.status_code}")
    assert_unchanged(before, failures)


def _api_patterns(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern.url_patterns, route)
        elif route.startswith("api/v1/"):
            yield route, pattern


def _api_path(route: str) -> str:
    from complaints.models import Complaint
    from education.models import Delivery, SecurityTip, WarningDecision

    values = {
        "reference": Complaint.objects.order_by("pk").first().reference,
        "attachment_id": "1",
        "code": "AUDIT-COUPON",
        "delivery_id": str(Delivery.objects.order_by("pk").first().pk),
        "decision_id": str(WarningDecision.objects.first().pk),
        "slug": SecurityTip.objects.order_by("pk").first().slug,
    }

    def fill(match: re.Match) -> str:
        return values.get(match.group(1), str(uuid.uuid4()))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route)


def test_every_api_write_is_refused_to_the_auditor(demo, auditor):
    """401/403, or 405 where the endpoint has no such method. The token endpoints are
    open to anyone by design; the next test proves they give the auditor nothing."""
    client = APIClient()
    client.force_authenticate(user=auditor)
    routes = [route for route, _p in _api_patterns() if not route.startswith("api/v1/auth/")]
    assert len(routes) >= 20
    before = snapshot()
    failures: list[str] = []
    for route in routes:
        path = _api_path(route)
        for method in WRITE_METHODS:
            response = getattr(client, method)(path, {}, format="json")
            if response.status_code not in (401, 403, 405):
                failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert_unchanged(before, failures)


def test_the_auditors_own_password_gets_no_api_token(demo, auditor):
    client = APIClient()
    before = snapshot()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": auditor.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code in (401, 403)
    assert "access" not in response.json()
    after = snapshot()
    assert after["counts"] == before["counts"] or _only_login_entries(before, after)


def _only_login_entries(before: dict, after: dict) -> bool:
    added = AuditEntry.objects.filter(seq__gt=len(before["chain"]))
    changed = {k for k, v in after["counts"].items() if before["counts"][k] != v}
    return changed <= {"audit.AuditEntry"} and all(e.action.startswith("auth.") for e in added)


def test_a_post_to_a_history_page_reverts_nothing(client):
    """simple-history saves such a POST as a revert unless refused (SIMPLE_HISTORY_REVERT_DISABLED
    only hides the button); even a view-only user could roll a row back."""
    from compensation.models import CompensationPolicy

    policy = CompensationPolicy.objects.create(code="AUDIT", name="Before")
    first = policy.history.get()
    policy.name = "After"
    policy.save()
    client.force_login(staff_user("auditor"))
    url = reverse(
        "admin:compensation_compensationpolicy_simple_history", args=[policy.pk, first.history_id]
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
    policy.refresh_from_db()
    assert policy.name == "After"
    assert policy.history.count() == 2
