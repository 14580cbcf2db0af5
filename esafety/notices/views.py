"""The notices pages: your notices, your email choices, who is told of urgent concerns,
and the emails that could not be sent (for whoever runs the mail)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.errors import EsafetyError
from esafety.notices import actions, kinds, selectors
from esafety.notices.models import Notice, Preference
from esafety.web.requests import SignedInRequest


def _visible(user: Person, about_type: str, pk: int) -> bool:
    """May `user` see this record? Who was told about a thing is for the people who may see
    the thing, fetched through its app's access helper (the same 404 for missing and not
    yours): a concern by need-to-know, a case by the viewer's level (not its reporter's
    page), a suspension by the roles the filtering policy names."""
    if about_type == "concern":
        from esafety.concerns import access as concern_access

        concern_access.get_concern_for_user(user, pk)
        return True
    if about_type == "incident":
        from esafety.incidents import access as incident_access

        _, level = incident_access.get_incident_for_user(user, pk)
        return level in (incident_access.TEAM, incident_access.VIEWER)
    if about_type == "suspension":
        from esafety.filtering import access as filtering_access

        if not filtering_access.may_see_suspensions(user):
            return False
        filtering_access.get_suspension_for_user(user, pk)
        return True
    if about_type == "unblock":
        from esafety.filtering import access as filtering_access

        if not permissions.allowed(user, "use_filtering"):
            return False
        filtering_access.get_unblock_for_user(user, pk)
        return True
    return False


def _mine(request: SignedInRequest, pk: int) -> Notice:
    # Another person's notice is "not found", as a missing one is.
    return get_object_or_404(Notice, pk=pk, recipient=request.user)


@login_required
def notice_list(request: SignedInRequest) -> HttpResponse:
    return render(request, "notices/list.html", {
        "notices": selectors.notices_for(request.user),
        "unread": selectors.unread_count(request.user),
    })


@login_required
@require_POST
def mark_read(request: SignedInRequest, pk: int) -> HttpResponse:
    actions.notice_mark_read(actor=request.user, notice=_mine(request, pk))
    return redirect("notices:list")


@login_required
@require_POST
def mark_all_read(request: SignedInRequest) -> HttpResponse:
    actions.notice_mark_all_read(actor=request.user)
    return redirect("notices:list")


@login_required
@require_POST
def acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        actions.notice_acknowledge(actor=request.user, notice=_mine(request, pk))
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Thank you: the school can see you have seen this.")
    return redirect("notices:list")


class PreferencesForm(forms.Form):
    email_routine = forms.BooleanField(
        required=False, label="Email me about everyday handoffs too",
        help_text="Untick to see them only on your Notices page in esafety.")


@login_required
def preferences(request: SignedInRequest) -> HttpResponse:
    pref = Preference.objects.filter(person=request.user).first()
    form = PreferencesForm(request.POST if request.method == "POST" else None,
                           initial={"email_routine": pref.email_routine if pref else True})
    if request.method == "POST" and form.is_valid():
        actions.preferences_update(actor=request.user,
                                   email_routine=form.cleaned_data["email_routine"])
        messages.success(request, "Your choices are saved.")
        return redirect("notices:preferences")
    return render(request, "notices/preferences.html", {
        "form": form,
        "routine": [kinds.LABELS[k] for k in kinds.ROUTINE],
        "always": [kinds.LABELS[k] for k in kinds.LABELS if k in kinds.ALWAYS_EMAILED],
    })


class StaffChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


class ContactsForm(forms.Form):
    people = StaffChoice(
        queryset=Person.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also tell these people at once about every urgent concern")

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        staff = [p.pk for p in Person.objects.filter(school=school).current()
                 .order_by("last_name", "first_name") if p.is_staff_member]
        field.queryset = Person.objects.filter(pk__in=staff).order_by("last_name", "first_name")


@login_required
def urgent_contacts(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "manage_urgent_contacts", hide=True)
    school = request.user.school
    if school is None:
        raise Http404("no such page")
    form = ContactsForm(request.POST if request.method == "POST" else None, school=school,
                        initial={"people": [p.pk for p in selectors.urgent_contacts(school)]})
    if request.method == "POST" and form.is_valid():
        try:
            actions.urgent_contacts_set(actor=request.user, school=school,
                                        people=list(form.cleaned_data["people"]))
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved: these people are told of every urgent concern.")
            return redirect("notices:urgent_contacts")
    return render(request, "notices/urgent_contacts.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
def email_problems(request: SignedInRequest) -> HttpResponse:
    """Every email esafety could not send: who for, when and why, never what it said."""
    permissions.require(request.user, "see_email_failures", hide=True)
    school = request.user.school
    if school is None:
        raise Http404("no such page")
    return render(request, "notices/email_problems.html",
                  {"failures": selectors.email_failures(school),
                   "may_see_tasks": permissions.allowed(request.user, "see_failed_tasks")})


@login_required
def failed_tasks(request: SignedInRequest) -> HttpResponse:
    """Background tasks that failed (their name, when, the error's first line, how many
    tries): this school's, and the whole install's."""
    permissions.require(request.user, "see_failed_tasks", hide=True)
    school = request.user.school
    if school is None:
        raise Http404("no such page")
    from esafety import tasks

    return render(request, "notices/failed_tasks.html",
                  {"failures": tasks.failed_tasks_for(school.pk)})


@login_required
def told_about(request: SignedInRequest, about_type: str, pk: int) -> HttpResponse:
    """Who was told about a concern, case or suspension, when, and who acknowledged."""
    if not _visible(request.user, about_type, pk):
        raise Http404("no such page")
    found = [n for n in selectors.about(about_type, pk) if n.school_id == request.user.school_id]
    return render(request, "notices/told_about.html", {"notices": found,
                                                       "about_type": about_type})
