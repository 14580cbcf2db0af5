from django import forms

from esafety.mailfilter.models import MailFilterSettings


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, label="Note (optional)",
                           widget=forms.TextInput)


class AuthoriseForm(forms.Form):
    reasons = forms.CharField(
        max_length=2000, label="Why reading this private message is necessary and proportionate",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded with your name in the audit trail (003 §2.6, §2.7).")


class SettingsForm(forms.ModelForm):
    class Meta:
        model = MailFilterSettings
        fields = ["staff_fail_open", "held_retention_days", "trusted_authserv",
                  "who_can_approve", "postmaster", "unknown_internal_sender"]
        widgets = {"unknown_internal_sender": forms.RadioSelect}
        labels = {
            "staff_fail_open": "If a member of staff's message cannot be checked, deliver it "
                               "unchecked (otherwise the mail server keeps it and tries again)",
            "held_retention_days": "Keep held messages for this many days",
            "trusted_authserv": "Your mail server's name in Authentication-Results headers",
            "who_can_approve": "Who pupils ask to add an address (pupils read these words)",
            "postmaster": "Address the filter's notices come from",
            "unknown_internal_sender": "Mail sent from an address in the school's domain that "
                                       "esafety's directory does not know",
        }
        help_texts = {
            "unknown_internal_sender": (
                "A pupil who is not in esafety yet, such as a new starter, has an address "
                "like everyone else's, so the filter cannot tell whether a pupil sent the "
                "message, and pupils may email approved recipients only. Held mail waits "
                "on the Held mail page: add the address to the directory (a shared mailbox "
                "as staff), then release it. Mail within the school, and mail coming to "
                "such an address, is not held."),
        }

    def clean_held_retention_days(self):
        days = self.cleaned_data["held_retention_days"]
        if days < 1 or days > 3650:
            raise forms.ValidationError("Choose between 1 and 3,650 days.")
        return days


YEAR_CHOICES = [("", "—")] + [(str(y), "Reception" if y == 0 else f"Year {y}")
                              for y in range(0, 14)]


class GroupApprovalForm(forms.Form):
    year_group = forms.TypedChoiceField(choices=YEAR_CHOICES, coerce=int, empty_value=None,
                                        required=False, label="Year group")
    form = forms.CharField(max_length=32, required=False, label="or a form",
                           help_text="e.g. 8B: leave the year group empty")
    address = forms.CharField(label="Email address or whole domain", max_length=254,
                              help_text="e.g. author@booksforschools.org, or museum.org.uk")
    note = forms.CharField(label="Why (optional)", max_length=200, required=False)

    def clean(self):
        data = super().clean() or {}
        if (data.get("year_group") is None) == (not (data.get("form") or "").strip()):
            raise forms.ValidationError("Choose a year group or type a form (one of them).")
        return data
