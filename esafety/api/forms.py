from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What will use it",
                           help_text="e.g. 'Outlook add-in' or 'Staff mail client'")
