from django import forms

from esafety.mailmonitor.models import MonitorSettings


class MonitorSettingsForm(forms.ModelForm):
    class Meta:
        model = MonitorSettings
        fields = ["evidence_capture", "retention_days", "private_markers"]
        labels = {"evidence_capture": "Keep the whole message when something is found",
                  "retention_days": "Days to keep captured mail",
                  "private_markers": "Subject words that mark a message private or personal"}


class AuthoriseForm(forms.Form):
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), min_length=10, max_length=4000,
        label="Why reading this private message is necessary and proportionate")
