"""The handoffs esafety tells people about, in the school's words, and which of them a
person may stop emailing them (the notice in esafety always stays)."""

NEW_REPORT = "new_report"
URGENT_CONCERN = "urgent_concern"
ALLEGATION = "allegation"
INVESTIGATOR_ADDED = "investigator_added"
SIGNOFF_NEEDED = "signoff_needed"
UNBLOCK_REQUESTED = "unblock_requested"
UNBLOCK_DECIDED = "unblock_decided"
UNBLOCK_ENDING = "unblock_ending"
SUSPENSION_MADE = "suspension_made"
SUSPENSION_LIFTED = "suspension_lifted"
REVIEW_DUE = "review_due"
PARENT_TOLD = "parent_told"
TRAINING_DUE = "training_due"
TAKE_DOWN = "take_down"
ACCESS_REQUESTED = "access_requested"
ACCESS_DECIDED = "access_decided"
ACCESS_ENDED = "access_ended"
FILTERING_CHECK_FAILED = "filtering_check_failed"
REVIEW_ACTION_OWNED = "review_action_owned"
RETENTION_DRY_RUN = "retention_dry_run"

LABELS = {
    NEW_REPORT: "A new report in the incident log",
    URGENT_CONCERN: "An urgent safeguarding concern",
    ALLEGATION: "An allegation about a member of staff passed to you",
    INVESTIGATOR_ADDED: "You are named investigator on a case",
    SIGNOFF_NEEDED: "A screenshot waits for your signature",
    UNBLOCK_REQUESTED: "An unblock request waits for a decision",
    UNBLOCK_DECIDED: "Your unblock request was decided",
    UNBLOCK_ENDING: "An unblock you asked for ends tomorrow",
    SUSPENSION_MADE: "A pupil's internet access was suspended",
    SUSPENSION_LIFTED: "A pupil's internet suspension was lifted",
    REVIEW_DUE: "A case's next action is due",
    PARENT_TOLD: "About your child at school",
    TRAINING_DUE: "Online safety training is due",
    TAKE_DOWN: "Something the school published must come down",
    ACCESS_REQUESTED: "A request for access to someone's mailbox or account waits for a decision",
    ACCESS_DECIDED: "A request for access was decided",
    ACCESS_ENDED: "An access authorisation has ended",
    FILTERING_CHECK_FAILED: "A filtering check found something wrong",
    REVIEW_ACTION_OWNED: "An action from the filtering and monitoring review is yours",
    RETENTION_DRY_RUN: "Old records wait for you to confirm their removal",
}

# Always emailed, whatever a person prefers: safeguarding must reach someone at once
# (000 §2, 002 "Other Incidents"), an allegation must reach its owner, and the policy says
# parents and carers "will be contacted to explain the reason" (002 "In the Event of
# Inappropriate Use").
ALWAYS_EMAILED = frozenset({NEW_REPORT, URGENT_CONCERN, ALLEGATION, PARENT_TOLD})
# The everyday handoffs a person may choose to see only in esafety.
ROUTINE = tuple(k for k in LABELS if k not in ALWAYS_EMAILED)
