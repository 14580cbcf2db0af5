"""Access helpers: the only way views fetch people. Missing and not-yours look the same (404)."""

from django.db.models import Q
from django.http import Http404

from esafety.directory import permissions, roles
from esafety.directory.models import Person
from esafety.errors import NotAllowed


def get_person_for_user(user, pk) -> Person:
    try:
        return Person.objects.select_related("school").get(pk=pk, school_id=user.school_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("no such person") from None


def people_visible_to(person):
    """The people `person` may find in a person picker (permissions.PICKER_SEES).

    Only current people (active) of the viewer's own school; nobody for someone without a
    school or a role the table does not name.
    """
    if person is None or not getattr(person, "is_authenticated", False) or not person.school_id:
        return Person.objects.none()
    school_people = Person.objects.filter(school_id=person.school_id, is_active=True)
    sees = SEES_FOR_OPERATOR if person.is_superuser else permissions.PICKER_SEES.get(person.role)
    if sees == permissions.SEES_WHOLE_SCHOOL:
        return school_people
    if sees is None:
        return school_people.filter(pk=person.pk)
    allowed = Q(role__in=roles.ADULT_ROLES) | Q(pk=person.pk)
    if sees == permissions.SEES_ADULTS_AND_OWN_CHILDREN:
        allowed |= Q(pk__in=person.children.values("pk"))
    return school_people.filter(allowed)


SEES_FOR_OPERATOR = permissions.SEES_WHOLE_SCHOOL


def check_actor(actor: Person | None, *, school_id: int | None = None) -> None:
    """The school check an action on someone's record makes before the grant table's: raise
    NotAllowed unless the actor belongs to school `school_id`. No actor (the system itself)
    and the service operator (a superuser) may do anything. Who may do what by role is
    permissions.require."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if school_id is not None and actor.school_id != school_id:
        raise NotAllowed("that belongs to another school")
