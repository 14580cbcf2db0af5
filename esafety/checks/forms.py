from typing import Any

from django import forms

from esafety.directory.picker import PersonPickerField

# The largest paste and upload the page checks (README "Communication checks"). The checker
# reads at most 200,000 characters of text anyway; an email of 10 MB is mostly attachments.
MAX_PASTE = 200_000
MAX_UPLOAD = 10 * 1024 * 1024
TOO_LONG = ("That text is too long to check here: paste at most 200,000 characters (about 60 "
            "pages). For longer messages, save the email and upload it, or ask IT to run "
            "esafety check on it.")
TOO_LARGE = ("That file is too large to check here (10 MB at most). Ask IT to run esafety "
             "check on it.")


class CheckForm(forms.Form):
    DIRECTIONS = [("sending", "I am about to send it"), ("received", "I received it")]
    AUDIENCES = [("parents", "Parents or carers"), ("pupils", "Pupils"),
                 ("staff", "Staff in the school"), ("outside", "Someone outside the school")]

    message = forms.CharField(
        label="Paste the message", required=False, max_length=MAX_PASTE,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="The text you want to send, or a whole email with its headers "
                  "(From:, To:, Subject: ...). Up to 200,000 characters.")
    upload = forms.FileField(label="…or upload a saved email (.eml, up to 10 MB)",
                             required=False)
    subject = forms.CharField(label="Subject (for pasted text)", required=False, max_length=300)
    direction = forms.ChoiceField(label="This message is", choices=DIRECTIONS,
                                  initial="sending", widget=forms.RadioSelect)
    audience = forms.ChoiceField(
        label="Who is it going to?", choices=AUDIENCES, required=False,
        widget=forms.RadioSelect,
        help_text="For pasted text without a To: line. If you do not say, it is checked as "
                  "if it goes outside the school.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text, upload = data.get("message", ""), data.get("upload")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(TOO_LARGE)
            data["raw"] = upload.read()
            if not data["raw"].strip():
                raise forms.ValidationError("That file is empty.")
        elif text.strip() or data.get("subject", "").strip():
            data["raw"] = None
        else:
            raise forms.ValidationError("Paste a message or upload an email to check it.")
        return data


class ApprovedRecipientForm(forms.Form):
    pupil = PersonPickerField(queryset=None, label="Pupil", scope="pupils")
    address = forms.CharField(label="Email address or whole domain", max_length=254,
                              help_text="e.g. author@booksforschools.org, or museum.org.uk")
    note = forms.CharField(label="Why (optional)", max_length=200, required=False)

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        from esafety.directory import roles
        from esafety.directory.models import Person

        field = self.fields["pupil"]
        assert isinstance(field, PersonPickerField)
        field.queryset = (Person.objects.filter(school=school, role=roles.PUPIL,
                                                               is_active=True)
                                         .order_by("last_name", "first_name"))


class CorrespondentForm(forms.Form):
    address = forms.CharField(label="Email address or whole domain", max_length=254)
    note = forms.CharField(label="Who is this (optional)", max_length=200, required=False)
