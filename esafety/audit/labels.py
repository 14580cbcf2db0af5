"""What each kind of audit event means, in plain English, for every page that shows one.

Every event_type the code records has a line here (tests/audit/test_labels.py reads the
source to make sure). Labels say what the person did, so "Helen Head · Viewed a person's
record" reads as a sentence.
"""

EVENT_LABELS = {
    # People and the school (directory)
    "person_viewed": "Viewed a person's record",
    "person_left": "Recorded as a leaver",
    "person_reinstated": "Reinstated after leaving",
    "person_imported": "Added from an import",
    "person_updated_by_import": "Updated by an import",
    "person_added_in_admin": "Added a person (service operator)",
    "person_changed_in_admin": "Changed a person (service operator)",
    "role_changed": "Changed someone's role",
    "guest_added": "Added a guest",
    "guest_access_changed": "Changed a guest's access",
    "school_added": "Added a school (service operator)",
    "school_changed": "Changed a school (service operator)",
    "school_settings_changed": "Changed the school's settings",
    # Signing in (identity)
    "sign_in_configured": "Changed how the school signs in",
    "sign_in_linked": "Linked a school account to a person",
    "sign_in_unmatched": "A sign-in nobody could match",
    "sign_in_unmatched_resolved": "Dealt with a sign-in nobody could match",
    "sign_in_refused": "Refused a sign-in",
    "two_factor_enrolled": "Set up two-factor sign-in",
    "two_factor_reset": "Reset someone's two-factor sign-in",
    # Policies and agreements
    "policy_created": "Created a policy",
    "policy_published": "Published a policy version",
    "aup_accepted": "Accepted the acceptable use agreement",
    "aup_declined": "Declined the acceptable use agreement",
    "aup_cosigned": "Co-signed a child's agreement",
    # Message checks
    "approved_recipient_added": "Added an approved recipient",
    "approved_recipient_removed": "Removed an approved recipient",
    "correspondent_added": "Added a known correspondent",
    # Web filtering
    "filtering_lists_imported": "Imported the filtering lists",
    "filtering_settings_changed": "Changed the filtering settings",
    "filtering_category_changed": "Changed a filtering category",
    "filtering_rule_changed": "Changed a filtering rule",
    "filtering_group_changed": "Changed a filtering group",
    "filtering_working_time_changed": "Changed the working time",
    "filtering_staff_social_networks_changed": "Changed staff access to social networks",
    "filtering_entry_added": "Added a site to the school's list",
    "filtering_entry_removed": "Removed a site from the school's list",
    "filtering_alert_raised": "Repeated blocked attempts were flagged",
    "filtering_alert_acknowledged": "Acknowledged a filtering alert",
    "filtering_email_failed": "A filtering email could not be sent",
    "filtering_person_logs_viewed": "Looked at a person's web filtering log",
    "unblock_requested": "Asked for a site to be unblocked",
    "unblock_approved": "Approved an unblock request",
    "unblock_refused": "Refused an unblock request",
    "unblock_ended_early": "Ended an unblock early",
    "unblock_withdrawn": "Withdrew an unblock request",
    "internet_suspended": "Suspended someone's internet access",
    "internet_suspension_lifted": "Lifted an internet suspension",
    "wrong_block_reported": "Reported a site blocked by mistake",
    "wrong_block_resolved": "Dealt with a report of a wrong block",
    # The incident log
    "incident_reported": "Reported an incident",
    "incident_list_viewed": "Viewed the incident log",
    "incident_viewed": "Viewed an incident",
    "incident_edited": "Changed an incident's details",
    "incident_note_added": "Added a note to an incident",
    "incident_acknowledged": "Acknowledged an incident",
    "incident_evidence_added": "Added evidence to an incident",
    "incident_evidence_withdrawn": "Withdrew an item of evidence",
    "incident_images_removed": "Removed images from an incident",
    "incident_screenshot_signed": "Signed off a screenshot",
    "incident_investigator_added": "Named an investigator",
    "incident_viewer_added": "Gave someone access to an allegation",
    "incident_became_allegation": "Passed an incident on as an allegation about staff",
    "incident_part_set": "Recorded someone's part in an incident",
    "incident_part_removed": "Took someone off an incident",
    "incident_police_matters": "Recorded police-reportable content",
    "incident_judged": "Recorded a judgement",
    "incident_closed": "Closed an incident",
    "incident_reopened": "Reopened an incident",
    "incident_misuse_rated": "Rated someone's misuse",
    "incident_rating_withdrawn": "Withdrew a rating",
    "incident_sanction_recorded": "Recorded a sanction",
    "incident_takedown_requested": "Sent a takedown request",
    "incident_takedown_updated": "Recorded a takedown outcome",
    "incident_settings_changed": "Changed the incident settings",
    "person_chronology_viewed": "Viewed a person's incident history",
    "incident_owner_set": "Chose who owns an incident",
    "incident_next_action_set": "Set an incident's next action and due date",
    "incident_log_exported": "Downloaded the incident log",
    # The concerns inbox
    "concern_raised": "A concern was raised",
    "concern_viewed": "Viewed a concern",
    "concern_list_viewed": "Viewed the concerns inbox",
    "concern_seen": "Marked a concern as seen",
    "concern_no_further_action": "Closed a concern: no further action",
    "concern_false_positive": "Closed a concern: false positive",
    "concern_escalated": "Escalated a concern to an incident",
    "concern_email_sent": "An email about concerns was sent",
    "concern_email_failed": "An email about concerns could not be sent",
    # Notices (telling people about handoffs)
    "notice_email_failed": "An email about a handoff could not be sent",
    "notice_acknowledged": "Said they have seen an urgent notice",
    "notice_preferences_changed": "Changed which notices are emailed to them",
    "urgent_contacts_changed": "Changed who is told of urgent concerns",
    # Who is at this computer (signing in to the internet)
    "internet_signed_in": "Signed in to the internet on a computer",
    "internet_signed_out": "Signed out of the internet on a computer",
    "internet_access_ended": "Internet sign-ins ended (access to the school's systems ended)",
    "internet_sign_ins_timed_out": "Internet sign-ins ended (idle or end of the school day)",
    "network_settings_changed": "Changed the network sign-in settings",
    "network_snapshot_stale": "The filter's copy of the policy was out of date",
    "network_email_failed": "A network sign-in email could not be sent",
    # The history check
    "history_checked": "Checked that no records were changed outside esafety",
    "audit_trail_exported": "Downloaded the audit trail",
}


def event_label(event_type: str) -> str:
    """The plain-English label; an unknown type still reads as words, never as code."""
    if event_type in EVENT_LABELS:
        return EVENT_LABELS[event_type]
    words = event_type.replace("_", " ").strip()
    return words[:1].upper() + words[1:]
