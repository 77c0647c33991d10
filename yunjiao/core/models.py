"""Shared plumbing with no domain meaning: named counters for gap-free numbering."""

from django.db import models, transaction


class Counter(models.Model):
    key = models.CharField(max_length=120, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "计数器"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def next_value(key: str) -> int:
    """Next number of a named counter; gap-free inside the caller's transaction (row lock)."""
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(key=key)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value
