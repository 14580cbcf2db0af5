"""Each school's incident settings: who is told, the chair of governors, the letter."""

from __future__ import annotations

import string

from django.db import transaction

from esafety.audit.events import snapshot
from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput, NotAllowed
from esafety.incidents import access, events
from esafety.incidents.models import IncidentSettings

LETTER_FIELDS = {"parent_name", "pupil_name", "pupil_first_name", "pupil_year", "incident_date",
                 "summary", "sanction", "sanction_reasons", "designated_person", "signed_by",
                 "school_name", "reference", "date"}


MAX_LETTER_CHARS = 20_000


def check_letter_template(text: str) -> None:
    """Refuse a template that could not be turned into a letter later, with a clear message.

    Only the plain fields in LETTER_FIELDS, written {like_this}: no formatting after a colon
    or "!" (a width such as {date:>99999999} would build a letter of any size), no
    {field.attribute} or {field[0]}, and no stray { or }.
    """
    if len(text) > MAX_LETTER_CHARS:
        raise InvalidInput(f"the letter template is longer than {MAX_LETTER_CHARS:,} characters",
                           code="bad-template")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InvalidInput(f"the letter template has a stray brace: {exc}. Write {{{{ or }}}} "
                           "for a brace that is part of the letter", code="bad-template") from None
    names = {name for _, name, _, _ in parsed if name is not None}
    formatted = sorted({name for _, name, spec, conversion in parsed
                        if name is not None and (spec or conversion)})
    if formatted:
        raise InvalidInput("the letter template formats a field (with : or !) in "
                           f"{', '.join('{' + n + '}' for n in formatted)}: write each field "
                           "plainly, like {pupil_name}", code="bad-template")
    unknown = names - LETTER_FIELDS
    if unknown:
        raise InvalidInput(f"the letter template uses unknown fields: "
                           f"{', '.join('{' + n + '}' for n in sorted(unknown))}; available: "
                           f"{', '.join('{' + n + '}' for n in sorted(LETTER_FIELDS))}",
                           code="bad-template")


def incident_settings_update(*, actor: Person, school: School, designated_person: Person | None,
                             chair_of_governors: Person | None,
                             letter_template: str) -> IncidentSettings:
    if not access.can_manage_settings(actor) or actor.school_id != school.id:
        raise NotAllowed("only the headteacher or DSL changes incident settings")
    for person, what in ((designated_person, "the designated person"),
                         (chair_of_governors, "the chair of governors")):
        if person is not None and person.school_id != school.id:
            raise InvalidInput(f"{what} is not in your school", code="other-school")
    if (designated_person is not None
            and not permissions.role_may(designated_person.role, "investigate")):
        raise InvalidInput("the designated person must be the DSL, online safety lead or another "
                           "senior member of staff", code="not-senior")
    if chair_of_governors is not None and chair_of_governors.role != roles.GOVERNOR:
        raise InvalidInput("the chair of governors must be a governor", code="not-governor")
    if not (letter_template or "").strip():
        raise InvalidInput("the letter template cannot be empty", code="bad-template")
    check_letter_template(letter_template)
    with transaction.atomic():
        conf, _ = IncidentSettings.objects.select_for_update().get_or_create(school=school)
        moves = (conf.designated_person_id != getattr(designated_person, "pk", None)
                 or conf.chair_of_governors_id != getattr(chair_of_governors, "pk", None))
        if moves and access.open_allegations_about(actor).exists():
            # Otherwise someone accused could take the case from whoever now receives it.
            raise NotAllowed("You are the subject of an open allegation, so you cannot change "
                             "the designated person or the chair of governors until it is "
                             "closed. Another senior leader can.", code="subject-of-allegation")
        before = snapshot(conf, ["designated_person", "chair_of_governors"])
        conf.designated_person = designated_person
        conf.chair_of_governors = chair_of_governors
        conf.letter_template = letter_template
        conf.save()
        events.incident_settings_changed(
            actor=actor, conf=conf, before=before,
            after=snapshot(conf, ["designated_person", "chair_of_governors"]))
    return conf
