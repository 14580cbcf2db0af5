"""Access helpers: the only way views fetch people. Missing and not-yours look the same (404)."""

from django.http import Http404

from esafety.directory.models import Person
from esafety.errors import NotAllowed


def get_person_for_user(user, pk) -> Person:
    try:
        return Person.objects.select_related("school").get(pk=pk, school_id=user.school_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("no such person") from None


def require_role(user, allowed) -> None:
    """Raise 404 (not 403) for roles that may not see a screen: its existence is need-to-know too."""
    if not (user.is_authenticated and (user.is_superuser or user.role in allowed)):
        raise Http404("not available")


def check_actor(actor, *, allowed=None, school_id=None, what: str = "do that") -> None:
    """The permission check every action makes: raise NotAllowed unless the actor holds one
    of the `allowed` roles and belongs to school `school_id`. No actor (the system itself)
    and the service operator (a superuser) may do anything."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if allowed is not None and actor.role not in allowed:
        raise NotAllowed(f"your role cannot {what}")
    if school_id is not None and actor.school_id != school_id:
        raise NotAllowed("that belongs to another school")
