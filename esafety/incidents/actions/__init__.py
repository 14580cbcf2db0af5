"""Every change to the incident log is one of these named actions, one module per aggregate.

Each takes keyword-only arguments and an explicit `actor`, runs in one transaction, appends
to the incident's history (history.py) and writes the audit row inside that transaction
(events.py), and sends any email only after commit (notifications.py). Invalid input raises
InvalidInput/NotAllowed/Conflict before anything is saved. Callers may write
`from esafety.incidents import actions` and `actions.incident_report(...)`: the names below
are the whole public list.
"""

from esafety.incidents.actions.casework import case_owner_set, next_action_set
from esafety.incidents.actions.evidence import evidence_add, evidence_withdraw, screenshot_sign
from esafety.incidents.actions.guards import MESSAGE_CHECK_VIA
from esafety.incidents.actions.investigation import (
    allegation_subject_set,
    allegation_viewer_add,
    incident_acknowledge,
    incident_close,
    incident_judge,
    incident_note,
    incident_reopen,
    investigator_add,
    police_matters_set,
)
from esafety.incidents.actions.parts import involvement_remove, involvement_set
from esafety.incidents.actions.reading import (
    incident_list_viewed,
    incident_log_exported,
    incident_viewed,
    person_chronology_viewed,
)
from esafety.incidents.actions.report import incident_edit, incident_report
from esafety.incidents.actions.sanctions import misuse_rate, rating_withdraw, sanction_record
from esafety.incidents.actions.settings import incident_settings_update
from esafety.incidents.actions.takedowns import takedown_request, takedown_update
from esafety.incidents.history import recorded_at
from esafety.incidents.notifications import NOTIFICATION_FAILED, NOTIFICATION_SENT

__all__ = [
    "MESSAGE_CHECK_VIA",
    "NOTIFICATION_FAILED",
    "NOTIFICATION_SENT",
    "allegation_subject_set",
    "allegation_viewer_add",
    "case_owner_set",
    "evidence_add",
    "evidence_withdraw",
    "incident_acknowledge",
    "incident_close",
    "incident_edit",
    "incident_judge",
    "incident_list_viewed",
    "incident_log_exported",
    "incident_note",
    "incident_reopen",
    "incident_report",
    "incident_settings_update",
    "incident_viewed",
    "investigator_add",
    "involvement_remove",
    "involvement_set",
    "misuse_rate",
    "next_action_set",
    "person_chronology_viewed",
    "police_matters_set",
    "rating_withdraw",
    "recorded_at",
    "sanction_record",
    "screenshot_sign",
    "takedown_request",
    "takedown_update",
]
