from __future__ import annotations

from django import forms

from esafety.identity.models import KIND_CHOICES, MATCH_CHOICES


class SignInSettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Offer sign-in with the school's provider")
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="Provider")
    tenant_id = forms.CharField(required=False, max_length=64, label="Entra tenant id")
    hosted_domain = forms.CharField(required=False, max_length=253,
                                    label="Google Workspace domain")
    issuer_url = forms.URLField(required=False, max_length=500, label="Issuer URL",
                                assume_scheme="https")
    client_id = forms.CharField(required=False, max_length=255, label="Client id")
    client_secret = forms.CharField(required=False, max_length=500, label="Client secret",
                                    widget=forms.PasswordInput(render_value=False))
    match_rule = forms.ChoiceField(choices=MATCH_CHOICES, label="First sign-in: find the person by")
    match_claim = forms.CharField(required=False, max_length=64, label="Claim holding the MIS id")
    two_factor_for_leaders = forms.BooleanField(
        required=False, label="Headteacher, DSL, online safety lead and IT manager give a code "
                              "from an authenticator app at every sign-in")
    two_factor_note = forms.CharField(required=False, max_length=300,
                                      label="Why it is off (shown on this page)")

    def clean_tenant_id(self):
        value = self.cleaned_data["tenant_id"].strip()
        if value and not all(c.isalnum() or c in "-." for c in value):
            raise forms.ValidationError("A tenant id looks like 72f988bf-86f1-41af-91ab-2d7cd011db47.")
        return value

    def clean_hosted_domain(self):
        value = self.cleaned_data["hosted_domain"].strip().lower()
        if value and ("." not in value or not all(c.isalnum() or c in "-." for c in value)):
            raise forms.ValidationError("Give the domain alone, e.g. hollinspark.sch.uk.")
        return value

    def clean_match_claim(self):
        value = self.cleaned_data["match_claim"].strip()
        if value and not all(c.isalnum() or c in "_-:." for c in value):
            raise forms.ValidationError("A claim name is one word, e.g. employeeId.")
        return value


class CodeForm(forms.Form):
    code = forms.CharField(max_length=12, label="Code")

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("The code is six numbers.")
        return code


class LinkForm(forms.Form):
    username = forms.CharField(max_length=150, label="Their username in esafety")
