from django.db import models

from backoffice.customers.models import Customer


class BaselineComplaint(models.Model):
    """A minimal complaint: who, what, when. No history, no clocks, no side effects."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "baseline complaint"

    def __str__(self) -> str:
        return f"baseline #{self.pk}"
