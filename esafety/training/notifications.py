"""Reminders about online safety training that is due or overdue, through the notices (a
notice in esafety and an email, as each person chooses)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from esafety.notices import kinds
from esafety.notices import notifications as notices
from esafety.training import selectors


def training_reminders(school_pk: int) -> int:
    """Tell each person whose training is due soon (once before it runs out) or overdue
    (once a month until done). How many were told."""
    from esafety.directory.models import School

    school = School.objects.get(pk=school_pk)
    today = timezone.localdate()
    count = 0
    for cell in selectors.cells(school, today):
        if cell.status == selectors.COMPLETE:
            continue
        if cell.status == selectors.DUE:
            key = f"training:{cell.course.pk}:{cell.person.pk}:due:{cell.expires_on}"
            title = f"Your {cell.course.name} runs out on {cell.expires_on:%d %B %Y}"
        else:
            key = f"training:{cell.course.pk}:{cell.person.pk}:overdue:{today:%Y-%m}"
            title = (f"Your {cell.course.name} ran out on {cell.expires_on:%d %B %Y}"
                     if cell.expires_on else f"Please complete the {cell.course.name}")
        told = notices.tell(
            [cell.person], kind=kinds.TRAINING_DUE, school=school, title=title,
            lines=[f"At {school}: online safety training keeps everyone safe. Please book "
                   f"or complete the {cell.course.name} and tell whoever keeps the training "
                   f"records when it is done."],
            path=reverse("training:mine"), about=("course", cell.course.pk), key=key,
            safe_line=False)
        count += len(told.notices)
    return count
