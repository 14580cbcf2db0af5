from django import forms

from esafety.concerns import rules
from esafety.concerns.actions.states import MAX_REASON
from esafety.incidents import rules as incident_rules

STATE_FILTERS = [("", "Any"), ("open", "New or seen"), *rules.STATE_CHOICES]
SEVERITY_FILTERS = [("", "Any"), ("urgent", "Urgent"), *rules.SEVERITY_CHOICES]
SOURCE_FILTERS = [("", "Any"), *rules.SOURCE_CHOICES]


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", choices=STATE_FILTERS, required=False)
    severity = forms.ChoiceField(label="Severity", choices=SEVERITY_FILTERS, required=False)
    source = forms.ChoiceField(label="Source", choices=SOURCE_FILTERS, required=False)


class CloseForm(forms.Form):
    state = forms.ChoiceField(
        label="What happens now", widget=forms.RadioSelect,
        choices=[(rules.NO_FURTHER_ACTION, "No further action"),
                 (rules.FALSE_POSITIVE, "False positive: the rule was wrong about this")],
        error_messages={"required": "Choose no further action or false positive."})
    reason = forms.CharField(
        label="Why", max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why: the reason is kept with the concern.",
                        "max_length": f"Keep the reason under {MAX_REASON} characters."})


class EscalateForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of incident", choices=incident_rules.TYPE_CHOICES,
                             error_messages={"invalid_choice": "Choose a kind of incident "
                                                               "from the list."})
    summary = forms.CharField(label="Summary (optional)", max_length=200, required=False,
                              error_messages={"max_length": "Keep the summary under 200 "
                                                            "characters."})
