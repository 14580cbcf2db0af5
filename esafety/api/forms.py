from django import forms

from esafety.api.models import DEFAULT_CHECKS_PER_MINUTE, MAX_CHECKS_PER_MINUTE


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What will use it",
                           help_text="e.g. 'Outlook add-in' or 'Staff mail client'")
    checks_per_minute = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_CHECKS_PER_MINUTE,
        initial=DEFAULT_CHECKS_PER_MINUTE, label="Checks a minute",
        help_text=f"For everyone using this token together ({DEFAULT_CHECKS_PER_MINUTE} if "
                  "left empty). Past it, the add-in sends mail without checking it until the "
                  "minute is up: allow for everyone pressing Send at the busiest minute of "
                  "the day.")
