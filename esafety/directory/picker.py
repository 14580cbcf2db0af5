"""The person picker: a search-as-you-type field that also works without JavaScript.

Without JavaScript it is a plain text box: type a name or a username and the form finds
the person on the server, or says clearly that nobody, or several people, match (listing
them). With JavaScript (static/esafety/picker.js) the box suggests people as you type,
from `/people/search`, which only ever returns people the signed-in person may see
(`access.people_visible_to`). A short list (a handful of senior staff) is still a plain
drop-down: searching is for the long ones (a school's pupils would be hundreds of options).

A form sets the field's `queryset` as it would a ModelChoiceField's; `limit_to(viewer)`
(or `limit_pickers(form, viewer)`) narrows it to the people that viewer may see.
"""

import re

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from esafety.directory import roles
from esafety.directory.models import Person

# Up to this many choices the picker is an ordinary drop-down.
SELECT_UP_TO = 30
# The search endpoint: at least this many characters, at most this many answers.
MIN_QUERY = 2
MAX_RESULTS = 20
# Candidates named in a "several people match" message.
MAX_CANDIDATES = 8
# Longest text taken as one person's name (a pasted essay is not a name).
MAX_TEXT = 300
# Most people one multiple picker takes.
MAX_PEOPLE = 50

# What the suggestions are drawn from (the form's own queryset always has the last word).
SCOPES: dict[str, frozenset | None] = {
    "everyone": None,
    "adults": roles.ADULT_ROLES,
    "staff": roles.STAFF_ROLES,
    "pupils": roles.PUPIL_ROLES,
    "involved": roles.INVOLVED_ROLES,
    "senior": roles.SENIOR_ROLES,
    "governors": roles.GOVERNOR_ROLES,
    # A case team adds anyone of the school to a case (a parent who sent an abusive message
    # can be its alleged perpetrator). The viewer's own limits (people_visible_to) still
    # apply: a pupil or visitor asking for this scope still finds no parents or pupils.
    "case": frozenset(roles.ROLE_LABELS),
}

_WITH_USERNAME = re.compile(r"^(?P<name>.*)\((?P<username>[^()]+)\)\s*$")
_SEPARATORS = re.compile(r"[;,\n\r]+")


def describe(person: Person) -> str:
    """'Year 8, 8B' for a pupil, the role for anyone else."""
    text = person.year_label or person.role_label
    return f"{text}, {person.form}" if person.form else text


def option_text(person: Person) -> str:
    """What the box holds once someone is chosen: their name and, to be exact, username."""
    return f"{person.display_name} ({person.username})"


def choice_label(person: Person) -> str:
    return f"{person.display_name} ({describe(person)})"


def scoped(queryset, scope: str):
    wanted = SCOPES.get(scope)
    return queryset if wanted is None else queryset.filter(role__in=wanted)


def search(queryset, text: str):
    """People in `queryset` whose first name, last name or username hold every word typed."""
    found = queryset
    for word in text.split()[:6]:
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                             | Q(username__icontains=word))
    return found.order_by("last_name", "first_name", "pk")


def suggestion(person: Person) -> dict:
    return {"value": option_text(person), "name": person.display_name,
            "username": person.username, "hint": describe(person)}


def resolve(queryset, text: str) -> Person:
    """Find the one person `text` names in `queryset`, or raise a ValidationError that says
    why not (nobody, or several: listing them)."""
    text = text.strip()
    if "\x00" in text:  # PostgreSQL refuses it in a query: refuse it here, plainly
        raise forms.ValidationError("A name cannot hold a null character.", code="null")
    if len(text) > MAX_TEXT:
        raise forms.ValidationError("That is too long for a name (%(max)s characters at most).",
                                    code="too_long", params={"max": MAX_TEXT})
    exact = _WITH_USERNAME.match(text)
    if exact:
        person = queryset.filter(username__iexact=exact.group("username").strip()).first()
        if person is not None:
            return person
        text = exact.group("name").strip() or exact.group("username").strip()
    person = queryset.filter(username__iexact=text).first()
    if person is not None:
        return person
    if text.isdigit():  # a drop-down's value, or an older form's: never a partial match
        person = queryset.filter(pk=int(text)).first()
        found = [] if person is None else [person]
    else:
        found = list(search(queryset, text)[:MAX_CANDIDATES + 1])
    if len(found) == 1:
        return found[0]
    if found:
        # "Sam Jones" when a "Sam Jonesy" exists too: the whole name typed, exactly, wins.
        typed = " ".join(text.lower().split())
        whole = [p for p in search(queryset, text)[:500] if p.display_name.lower() == typed]
        if len(whole) == 1:
            return whole[0]
    if not found:
        raise forms.ValidationError(
            "Nobody called “%(text)s” can be chosen here. Check the spelling, or type their "
            "username.", code="no_match", params={"text": text[:100]})
    names = "; ".join(option_text(p) + f", {describe(p)}" for p in found[:MAX_CANDIDATES])
    more = " and more: type more of the name" if len(found) > MAX_CANDIDATES else ""
    raise forms.ValidationError(
        "Several people match “%(text)s”: %(names)s%(more)s. Type one of them as shown, "
        "with the username in brackets.", code="several",
        params={"text": text[:100], "names": names, "more": more})


class PersonPickerWidget(forms.Widget):
    """A text box with suggestions (or a drop-down for a short list)."""

    template_name = "directory/widgets/person_picker.html"

    def __init__(self, attrs=None, *, scope: str = "everyone", multiple: bool = False):
        super().__init__(attrs)
        self.scope = scope
        self.multiple = multiple
        self.queryset = None

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.queryset = self.queryset
        return obj

    def short_list(self):
        """The choices as a list when there are few enough for a drop-down, else None."""
        if self.multiple or self.queryset is None:
            return None
        people = list(self.queryset.order_by("last_name", "first_name", "pk")[:SELECT_UP_TO + 1])
        return people if len(people) <= SELECT_UP_TO else None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        people = self.short_list()
        text = widget["value"] or ""
        widget["as_select"] = people is not None
        if people is not None:
            widget["options"] = [
                {"value": option_text(p), "label": choice_label(p),
                 "selected": text in (option_text(p), str(p.pk), p.username)}
                for p in people]
        widget["search_url"] = f"{reverse('directory:search')}?{urlencode({'scope': self.scope})}"
        widget["multiple"] = self.multiple
        widget["min_query"] = MIN_QUERY
        return context

    def format_value(self, value):
        return "" if value is None else str(value)

    def value_from_datadict(self, data, files, name):
        if self.multiple and hasattr(data, "getlist"):
            return "; ".join(v for v in data.getlist(name) if v and str(v).strip())
        return data.get(name)


class PersonPickerField(forms.Field):
    """Choose one person by name or username; cleans to a Person (or None)."""

    widget = PersonPickerWidget
    multiple = False
    default_error_messages = {"required": "Type a name or username."}

    def __init__(self, *, queryset=None, scope: str = "everyone", viewer=None,
                 help_text: str = "", **kwargs):
        self.scope = scope
        kwargs.setdefault("widget", PersonPickerWidget(scope=scope, multiple=self.multiple))
        super().__init__(help_text=help_text or self.default_help, **kwargs)
        self.viewer = None
        self.queryset = queryset if queryset is not None else Person.objects.none()
        if viewer is not None:
            self.limit_to(viewer)

    default_help = "Type part of a name or a username."

    @property
    def queryset(self):
        return self._queryset

    @queryset.setter
    def queryset(self, queryset):
        if self.viewer is not None:
            queryset = _visible(queryset, self.viewer)
        self._queryset = queryset.all()
        self.widget.queryset = self._queryset

    def limit_to(self, viewer) -> None:
        """From now on, only people `viewer` may see can be chosen (and are suggested)."""
        self.viewer = viewer
        self.queryset = self._queryset

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._queryset = self._queryset.all()
        result.widget.queryset = result._queryset
        return result

    def prepare_value(self, value):
        return _as_text(value, self._queryset)

    def has_changed(self, initial, data):
        try:
            chosen = self.to_python(data)
        except forms.ValidationError:
            return True
        return _as_text(initial, self._queryset) != _as_text(chosen, self._queryset)

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        if isinstance(value, Person):
            value = option_text(value)
        return self._resolve(str(value))

    def _resolve(self, text: str) -> Person:
        try:
            return resolve(self._queryset, text)
        except forms.ValidationError as error:
            # A form's own "not in your school" wording for a drop-down's value (a number).
            if text.strip().isdigit() and "invalid_choice" in self.error_messages:
                raise forms.ValidationError(self.error_messages["invalid_choice"],
                                            code="invalid_choice",
                                            params={"value": text.strip()}) from None
            raise error from None


class PeoplePickerField(PersonPickerField):
    """Choose several people: names or usernames separated by ';' (or commas, or lines)."""

    multiple = True
    default_help = ("Type part of a name or a username; separate several people with a "
                    "semicolon (;).")

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value)
        chosen, errors = [], []
        parts = [part for part in _SEPARATORS.split(str(value)) if part.strip()]
        if len(parts) > MAX_PEOPLE:
            raise forms.ValidationError("Name %(max)s people at most here; describe any others "
                                        "in words.", code="too_many", params={"max": MAX_PEOPLE})
        for part in parts:
            try:
                person = self._resolve(part)
            except forms.ValidationError as error:
                errors.extend(error.error_list)
            else:
                if person not in chosen:
                    chosen.append(person)
        if errors:
            raise forms.ValidationError(errors)
        return chosen

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)) or hasattr(value, "model"):
            return "; ".join(_as_text(v, self._queryset) for v in value)
        return _as_text(value, self._queryset)

    def has_changed(self, initial, data):
        return self.prepare_value(initial) != (data or "")


def _as_text(value, queryset) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Person):
        return option_text(value)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        person = queryset.filter(pk=int(value)).first()
        return option_text(person) if person is not None else str(value)
    return str(value)


def _visible(queryset, viewer):
    from esafety.directory.access import people_visible_to

    return queryset.filter(pk__in=people_visible_to(viewer).values("pk"))


def limit_pickers(form, viewer) -> None:
    """Narrow every person picker of `form` to the people `viewer` may see."""
    for field in form.fields.values():
        if isinstance(field, PersonPickerField):
            field.limit_to(viewer)


def people_search_results(viewer, text: str, scope: str = "everyone") -> list[dict]:
    """What `/people/search` answers: at most MAX_RESULTS people `viewer` may see."""
    from esafety.directory.access import people_visible_to

    text = (text or "").strip()[:100]
    if len(text) < MIN_QUERY:
        return []
    found = search(scoped(people_visible_to(viewer), scope), text)[:MAX_RESULTS]
    return [suggestion(p) for p in found]
