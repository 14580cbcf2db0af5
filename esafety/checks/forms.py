from django import forms

MAX_UPLOAD = 15 * 1024 * 1024


class CheckForm(forms.Form):
    DIRECTIONS = [("sending", "I am about to send it"), ("received", "I received it")]

    message = forms.CharField(
        label="Paste the message", required=False, max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="The text you want to send, or a whole email with its headers "
                  "(From:, To:, Subject: ...).")
    upload = forms.FileField(label="…or upload a saved email (.eml)", required=False)
    subject = forms.CharField(label="Subject (for pasted text)", required=False, max_length=300)
    direction = forms.ChoiceField(label="This message is", choices=DIRECTIONS,
                                  initial="sending", widget=forms.RadioSelect)

    def clean(self):
        data = super().clean()
        text, upload = data.get("message", ""), data.get("upload")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError("That file is too large to check (15 MB at most).")
            data["raw"] = upload.read()
            if not data["raw"].strip():
                raise forms.ValidationError("That file is empty.")
        elif text.strip() or data.get("subject", "").strip():
            data["raw"] = None
        else:
            raise forms.ValidationError("Paste a message or upload an email to check it.")
        return data


class ApprovedRecipientForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=None, label="Pupil")
    address = forms.CharField(label="Email address or whole domain", max_length=254,
                              help_text="e.g. author@booksforschools.org, or museum.org.uk")
    note = forms.CharField(label="Why (optional)", max_length=200, required=False)

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        from esafety.directory import roles
        from esafety.directory.models import Person

        self.fields["pupil"].queryset = (Person.objects.filter(school=school, role=roles.PUPIL,
                                                               is_active=True)
                                         .order_by("last_name", "first_name"))


class CorrespondentForm(forms.Form):
    address = forms.CharField(label="Email address or whole domain", max_length=254)
    note = forms.CharField(label="Who is this (optional)", max_length=200, required=False)
