from django.core.management.base import CommandError

from esafety.directory.models import Person, School


def school_by_slug(slug: str | None) -> School:
    if slug:
        return School.objects.by_slug(slug)
    schools = list(School.objects.all()[:2])
    if len(schools) == 1:
        return schools[0]
    known = ", ".join(School.objects.values_list("slug", flat=True)) or "none yet"
    raise CommandError(f"say which school with --school (known: {known})")


def person_by_username(username: str | None, school: School | None = None) -> Person | None:
    if not username:
        return None
    people = Person.objects.filter(username=username)
    if school is not None:
        people = people.filter(school=school)
    person = people.first()
    if person is None:
        raise CommandError(f"no person with username '{username}'")
    return person
