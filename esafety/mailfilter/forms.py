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
                  "who_can_approve", "postmaster"]
        labels = {
            "staff_fail_open": "If a member of staff's message cannot be checked, deliver it "
                               "unchecked (otherwise the mail server keeps it and tries again)",
            "held_retention_days": "Keep held messages for this many days",
            "trusted_authserv": "Your mail server's name in Authentication-Results headers",
            "who_can_approve": "Who pupils ask to add an address (pupils read these words)",
            "postmaster": "Address the filter's notices come from",
        }

    def clean_held_retention_days(self):
        days = self.cleaned_data["held_retention_days"]
        if days < 1 or days > 3650:
            raise forms.ValidationError("Choose between 1 and 3,650 days.")
        return days
