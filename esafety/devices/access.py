"""Fetch-for-user helpers: the same 404 for "missing" and "not yours"."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from esafety.devices.models import ByodAgreement, Device, Loan, SoftwareApproval
from esafety.directory import permissions
from esafety.directory.models import Person

M = TypeVar("M", bound=models.Model)


def _get(user: Person, queryset: models.QuerySet[M], pk: int, school_path: str) -> M:
    permissions.require(user, "view_devices", hide=True)
    if not user.school_id:
        raise Http404("not available")
    try:
        return queryset.get(pk=pk, **{school_path: user.school_id})
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("not found") from None


def device_for(user: Person, pk: int) -> Device:
    return _get(user, Device.objects.select_related("holder", "school"), pk, "school_id")


def loan_for(user: Person, pk: int) -> Loan:
    return _get(user, Loan.objects.select_related("device"), pk, "device__school_id")


def software_for(user: Person, pk: int) -> SoftwareApproval:
    return _get(user, SoftwareApproval.objects.all(), pk, "school_id")


def byod_for(user: Person, pk: int) -> ByodAgreement:
    return _get(user, ByodAgreement.objects.all(), pk, "school_id")
