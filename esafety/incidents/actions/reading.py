"""Reading a sensitive record is itself recorded: who read a case is part of the case.

These are the only writes a page may make on GET (the house allows audit rows for views of
sensitive records); the pages call them so they never write rows themselves.
"""

from __future__ import annotations

from esafety.directory.models import Person
from esafety.incidents import events
from esafety.incidents.models import Incident


def incident_viewed(*, actor: Person, incident: Incident, what: str = "incident") -> None:
    """Opening a case, or its history, evidence, letter or report."""
    events.incident_viewed(actor=actor, incident=incident, what=what)


def incident_list_viewed(*, actor: Person, incidents: list[Incident]) -> None:
    # The list shows summaries, so seeing it is recorded too, as opening a case is.
    if incidents:
        events.incident_list_viewed(actor=actor, incidents=[c.pk for c in incidents])


def person_chronology_viewed(*, actor: Person, person: Person,
                             incidents: list[Incident]) -> None:
    events.person_chronology_viewed(actor=actor, person=person,
                                    incidents=[i.pk for i in incidents])


def incident_log_exported(*, actor: Person, incident_ids: list[int],
                          filters: dict[str, str]) -> None:
    """Downloading the log discloses every case in it: recorded even when it is empty."""
    events.incident_log_exported(actor=actor, incidents=incident_ids,
                                 filters={k: v for k, v in filters.items() if v})
