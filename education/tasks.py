"""Celery shims: load by id, call a service. All idempotent."""

from celery import shared_task
from django.utils import timezone

from .models import Delivery
from .services.delivery import deliveries_release_held, deliveries_send
from .services.enrolment import series_deliver_due, series_enrol_new_customers
from .services.fanout import delivery_fanout_chunk, runs_plan_due


@shared_task(name="education.plan_due_runs", ignore_result=True)
def plan_due_runs() -> int:
    """Every minute: plan due campaign runs per time zone, enrol new customers in
    onboarding and put due series steps in inboxes."""
    now = timezone.now()
    runs = runs_plan_due(now=now)
    series_enrol_new_customers(now=now)
    series_deliver_due(now=now)
    return len(runs)


@shared_task(name="education.fanout_chunk", ignore_result=True, acks_late=True)
def fanout_chunk(chunk_id: int) -> int:
    return delivery_fanout_chunk(chunk_id=chunk_id, now=timezone.now())


@shared_task(name="education.send_chunk", ignore_result=True, acks_late=True)
def send_chunk(run_id: int, id_from: int, id_to: int) -> int:
    deliveries = Delivery.objects.filter(
        run_id=run_id, customer_id__gte=id_from, customer_id__lt=id_to
    )
    return deliveries_send(deliveries=deliveries)


@shared_task(name="education.release_held", ignore_result=True)
def release_held() -> int:
    """Every minute: deliveries held for quiet hours that may go now."""
    return deliveries_release_held(now=timezone.now())
