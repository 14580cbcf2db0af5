"""Access helpers: the only way views fetch people. Missing and not-yours look the same (404)."""

from django.http import Http404

from esafety.directory.models import Person


def get_person_for_user(user, pk) -> Person:
    try:
        return Person.objects.select_related("school").get(pk=pk, school_id=user.school_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("no such person") from None


def require_role(user, allowed) -> None:
    """Raise 404 (not 403) for roles that may not see a screen: its existence is need-to-know too."""
    if not (user.is_authenticated and (user.is_superuser or user.role in allowed)):
        raise Http404("not available")
