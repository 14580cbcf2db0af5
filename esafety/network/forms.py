from __future__ import annotations

from django import forms

from esafety.network.models import UNIDENTIFIED_CHOICES

HOW = [("provider", "Your school account"), ("local", "A username and password"),
       ("me", "The person signed in here"), ("other", "Someone else")]


class PortalForm(forms.Form):
    school = forms.SlugField(max_length=60)
    next = forms.CharField(required=False, max_length=2000)
    how = forms.ChoiceField(choices=HOW)


class SchoolForm(forms.Form):
    school = forms.SlugField(max_length=60)


class NetworkSettingsForm(forms.Form):
    idle_minutes = forms.IntegerField(
        min_value=1, max_value=24 * 60, label="Sign a computer out after this many idle minutes")
    school_day_ends = forms.TimeField(label="Everyone is signed out at",
                                      help_text="e.g. 17:00",
                                      widget=forms.TimeInput(format="%H:%M"))
    unidentified = forms.ChoiceField(choices=UNIDENTIFIED_CHOICES,
                                     label="Before anyone signs in, a computer gets")
    snapshot_age_limit_minutes = forms.IntegerField(
        min_value=1, max_value=7 * 24 * 60,
        label="Alert when the filter's policy is out of date for more than (minutes)")
    extra_web_hosts = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        label="Other sites everyone may reach to sign in (one per line)",
        help_text="e.g. login.microsoftonline.com")

    def clean_extra_web_hosts(self) -> str:
        import re

        hosts = []
        for line in self.cleaned_data["extra_web_hosts"].splitlines():
            host = line.strip().lower()
            if not host:
                continue
            if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?", host):
                raise forms.ValidationError(f"'{host[:60]}' is not a site name, e.g. "
                                            "login.microsoftonline.com")
            hosts.append(host)
        return "\n".join(hosts)
