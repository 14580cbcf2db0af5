"""Access helpers: the only way views fetch filtering records. Missing and not-yours are
the same 404."""

from django.http import Http404

from esafety.filtering.models import (
    FilteringAlert,
    InternetSuspension,
    SchoolEntry,
    UnblockRequest,
    WrongBlockReport,
)


def _get(model, user, pk, **extra):
    try:
        return model.objects.get(pk=pk, school_id=user.school_id, **extra)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("not found") from None


def get_unblock_for_user(user, pk) -> UnblockRequest:
    return _get(UnblockRequest, user, pk)


def get_alert_for_user(user, pk) -> FilteringAlert:
    return _get(FilteringAlert, user, pk)


def get_report_for_user(user, pk) -> WrongBlockReport:
    return _get(WrongBlockReport, user, pk)


def get_suspension_for_user(user, pk) -> InternetSuspension:
    return _get(InternetSuspension, user, pk)


def get_entry_for_user(user, pk) -> SchoolEntry:
    return _get(SchoolEntry, user, pk)
