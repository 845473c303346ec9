"""Watch every public service while a scenario runs and check what each call wrote.

`SERVICES` is discovered by introspection: every public function defined in the apps'
service modules whose parameters are all keyword-only (the service convention; helpers
take positional arguments). While a `ServiceWatch` is active, a profiler hook notes every
call of any of them; at the outermost one it snapshots the database and, when it returns,
checks every row the call created, changed or deleted:

- a model with simple-history must have a new history record for that row, whose
  history_user is set and whose history_change_reason is not empty;
- a model without history must be listed in NO_HISTORY, with the reason; an
  "append-only" model may only gain rows, a "fill-once" model may also set an empty field
  (sealing), a "derived" one is recomputed from others, and an "events" model may change a
  row only when the same call appended to its event table.
"""

import importlib
import inspect
import pkgutil
import sys
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from simple_history.models import registered_models

SERVICE_PACKAGES = ("complaints.services", "compensation.services", "education.services")
SERVICE_MODULES = (
    "insight.services",
    "backoffice.audit.services",
    "backoffice.customers.services",
    "backoffice.api.services",
    "backoffice.notifications.services",
    "backoffice.roles.services",
)

APPEND_ONLY = "append-only"
FILL_ONCE = "fill-once"  # rows only appended; a changed field may only go from empty to set
DERIVED = "derived"  # recomputed from other rows (reports, the chain's head pointer)
# A send queue whose status the system sender moves in bulk (one UPDATE per batch, no event
# row per message); sent_at is the record. Reported to the lead as a gap in item 1.
OUTBOX = "outbox"

# Models deliberately without simple-history: (kind, reason). kind is APPEND_ONLY or the
# label of the event table the same call must append to when it changes a row.
NO_HISTORY: dict[str, tuple[str, str]] = {
    "complaints.complaintevent": (APPEND_ONLY, "the complaint's own event log"),
    "complaints.complaintmessage": (APPEND_ONLY, "messages are never edited"),
    "complaints.complaintattachment": (APPEND_ONLY, "files of a message"),
    "complaints.complaintnote": (APPEND_ONLY, "internal notes are never edited"),
    "complaints.complaintslabreach": (APPEND_ONLY, "one row per missed deadline"),
    "complaints.staffalert": (APPEND_ONLY, "a staff inbox; read_at is set by the reader"),
    "audit.auditentry": (FILL_ONCE, "the hash chain itself; sealing fills the hash once"),
    "audit.auditchainhead": (DERIVED, "points at the last sealed entry"),
    "insight.dailysummary": (DERIVED, "a report recomputed from complaints"),
    "insight.summarywatermark": (DERIVED, "how far the report was recomputed"),
    "education.warningshown": (APPEND_ONLY, "exactly what one warning looked like"),
    "education.delivery": (OUTBOX, "sent in bulk batches; receipts write DeliveryEvent rows"),
    "education.deliveryevent": (APPEND_ONLY, "receipts of a delivery"),
    "education.warningdecision": (APPEND_ONLY, "what a customer was shown"),
    "education.warningoutcome": (APPEND_ONLY, "what the customer did"),
    "education.warningexposure": (APPEND_ONLY, "counter rows of the cooldown"),
    "education.quizattempt": (APPEND_ONLY, "a customer's answers"),
    "education.seriesenrolment": (APPEND_ONLY, "progress of a customer through a series"),
    "education.campaignrun": (FILL_ONCE, "one row per occurrence; finished_at set once"),
    "education.runchunk": (DERIVED, "work queue of a campaign run (queued/done times)"),
    "compensation.walletledgerentry": (APPEND_ONLY, "the ledger is append-only"),
    "compensation.couponredemption": (APPEND_ONLY, "one row per use of a coupon"),
    "compensation.feewaiveruse": (APPEND_ONLY, "one row per waived fee"),
    "auth.user": (APPEND_ONLY, "system actors are created on first use"),
    "api.servicecredential": (APPEND_ONLY, "issued once, chained in the audit trail"),
}
# Rows a service creates whose first history record a later step writes: (service, model)
# -> that step. The watch notes each such row (`deferred`); the scenario checks that every
# one has its history by the end.
DEFERRED_HISTORY: dict[tuple[str, str], str] = {
    ("complaint_file", "complaints.complaint"): "complaint_intake_followup (dated as filed)",
}
# Framework tables: not domain data.
IGNORED = {"sessions.session", "admin.logentry", "contenttypes.contenttype", "auth.permission"}


def _service_modules() -> list[str]:
    names = list(SERVICE_MODULES)
    for package in SERVICE_PACKAGES:
        path = importlib.import_module(package).__path__
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(path)]
    return names


def _is_service(func) -> bool:
    params = inspect.signature(inspect.unwrap(func)).parameters.values()
    return "_" in func.__name__ and all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params)


def discover_services() -> dict[str, object]:
    """name -> function, for every public keyword-only function of the service modules."""
    found = {}
    for module_name in _service_modules():
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and not name.startswith("_")
                and obj.__module__ == module_name
                and _is_service(obj)
            ):
                found[name] = obj
    return found


def _tracked_models():
    tables = set(connection.introspection.table_names())
    historical = {m._meta.label_lower for m in registered_models.values()}
    historical_tables = {m.history.model._meta.label_lower for m in registered_models.values()}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.db_table not in tables or model._meta.proxy or label in IGNORED:
            continue
        if label in historical_tables:
            continue
        yield model, label in historical


def _rows(model) -> dict:
    names = [f.attname for f in model._meta.concrete_fields if f.attname != "updated_at"]
    return {row[0]: row for row in model._base_manager.values_list("pk", *names)}


def snapshot() -> dict:
    state = {}
    for model, has_history in _tracked_models():
        history_max = None
        if has_history:
            last = model.history.model.objects.order_by("-history_id").first()
            history_max = last.history_id if last else 0
        state[model._meta.label_lower] = (model, _rows(model), history_max)
    return state


@dataclass
class ServiceWatch:
    services: dict[str, object]
    called: set[str] = field(default_factory=set)
    wrote: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    deferred: set[tuple[str, object]] = field(default_factory=set)
    _depth: int = 0
    _before: dict | None = None

    def __post_init__(self):
        # @transaction.atomic wraps with a shared `inner`: watch the function itself.
        self._codes = {inspect.unwrap(f).__code__: name for name, f in self.services.items()}

    def __enter__(self):
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)

    def _profile(self, frame, event, arg):
        name = self._codes.get(frame.f_code)
        if name is None or event not in ("call", "return"):
            return
        if event == "call":
            self._depth += 1
            self.called.add(name)
            if self._depth == 1:
                self._before = snapshot()
            return
        self._depth -= 1
        if self._depth == 0:
            self._check(name, self._before, snapshot())

    def _check(self, service: str, before: dict, after: dict) -> None:
        appended = {
            label for label, (_m, rows, _h) in after.items() if len(rows) > len(before[label][1])
        }
        for label, (model, rows, history_max) in after.items():
            old = before[label][1]
            touched = {pk for pk in rows.keys() | old.keys() if rows.get(pk) != old.get(pk)}
            if not touched:
                continue
            self.wrote.add(service)
            if history_max is None:
                self._check_no_history(service, label, touched, old, rows, appended)
            else:
                self._check_history(service, model, touched, before[label][2], old)

    @staticmethod
    def _filled_once(old_row: tuple, new_row: tuple | None) -> bool:
        if new_row is None:
            return False
        return all(a == b or a in ("", None) for a, b in zip(old_row, new_row, strict=True))

    def _check_no_history(self, service, label, touched, old, new, appended) -> None:
        if label not in NO_HISTORY:
            self.failures.append(f"{service}: wrote {label}, which has no history")
            return
        kind, _reason = NO_HISTORY[label]
        changed = touched & old.keys()
        if kind in (DERIVED, OUTBOX):
            return
        if kind == FILL_ONCE:
            refilled = [pk for pk in changed if not self._filled_once(old[pk], new[pk])]
            if refilled:
                self.failures.append(f"{service}: rewrote {label} rows {sorted(refilled)}")
        elif changed and kind == APPEND_ONLY:
            self.failures.append(f"{service}: changed append-only {label} rows {sorted(changed)}")
        elif changed and kind not in appended:
            self.failures.append(f"{service}: changed {label} without a {kind} row")

    def _check_history(self, service, model, touched, history_max, old) -> None:
        label = model._meta.label_lower
        records = model.history.model.objects.filter(history_id__gt=history_max)
        by_pk = {}
        for record in records:
            by_pk.setdefault(getattr(record, model._meta.pk.attname), []).append(record)
        for pk in touched:
            if pk in by_pk:
                continue
            if (service, label) in DEFERRED_HISTORY and pk not in old:
                self.deferred.add((label, pk))
            else:
                self.failures.append(f"{service}: {label} {pk} changed without history")
        for record in records:
            if record.history_user_id is None:
                self.failures.append(f"{service}: {label} history without a user")
            if not (record.history_change_reason or "").strip():
                self.failures.append(f"{service}: {label} history without a reason")
