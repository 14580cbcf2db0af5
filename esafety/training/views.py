"""The training pages: the matrix by role, your own training, courses, recording
completions, the spreadsheet, and the training-needs survey."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.directory import permissions
from esafety.directory.models import School
from esafety.errors import EsafetyError
from esafety.training import access, actions, selectors
from esafety.training.forms import AnswerForm, CompletionForm, CourseForm, SurveyForm
from esafety.training.models import Completion, Response
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


def _school(request: SignedInRequest) -> School:
    if request.user.school is None:  # the service operator has no school's training
        raise Http404("not available")
    return request.user.school


def _may(request: SignedInRequest) -> dict[str, bool]:
    return {name: permissions.allowed(request.user, name)
            for name in ("view_training_records", "manage_training", "take_training")}


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """The matrix by role for those who keep the records; everyone else's own training."""
    if not permissions.allowed(request.user, "view_training_records"):
        return mine(request)
    school = _school(request)
    return render(request, "training/matrix.html", {
        "matrix": selectors.matrix(school), "courses": selectors.courses(school),
        "summary": selectors.coverage_summary(school), "may": _may(request)})


@login_required
def mine(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "take_training", hide=True)
    school = _school(request)
    mine = [cell for cell in selectors.cells(school) if cell.person.pk == request.user.pk]
    answered = set(Response.objects.filter(person=request.user).values_list("survey_id",
                                                                             flat=True))
    open_surveys = [s for s in selectors.surveys(school).filter(closed_on__isnull=True)
                    if s.pk not in answered]
    history = Completion.objects.filter(person=request.user).select_related("course")
    return render(request, "training/mine.html", {
        "cells": mine, "surveys": open_surveys, "history": history, "may": _may(request)})


@login_required
def courses(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "manage_training", hide=True)
    school = _school(request)
    form = CourseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.course_save(actor=request.user, school=school, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Course saved.")
            return redirect("training:courses")
    return render(request, "training/courses.html", {
        "courses": selectors.courses(school, include_retired=True), "form": form,
        "may": _may(request)})


@login_required
def course(request: SignedInRequest, pk: int) -> HttpResponse:
    found = access.course_for(request.user, pk)
    initial = {"name": found.name, "kind": found.kind, "valid_months": found.valid_months,
               "for_roles": found.for_roles, "description": found.description,
               "retired": found.retired}
    form = CourseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.course_save(actor=request.user, school=found.school, course=found,
                                **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Course saved.")
            return redirect("training:courses")
    return render(request, "training/course.html", {"course": found, "form": form})


@login_required
def record(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "manage_training", hide=True)
    school = _school(request)
    form = CompletionForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.completion_record(actor=request.user, course=data["course"],
                                             people=list(data["people"]),
                                             completed_on=data["completed_on"],
                                             note=data["note"])
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Recorded for {len(made)} "
                                      f"{'person' if len(made) == 1 else 'people'}.")
            return redirect("training:home")
    return render(request, "training/record.html", {"form": form, "may": _may(request)})


@login_required
def export(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_training_records", hide=True)
    school = _school(request)
    found = selectors.cells(school)
    response = csvsafe.download(
        "training.csv", ["Person", "Role", "Course", "Status", "Last completed", "Runs out"],
        ([cell.person.display_name, cell.person.role_label, cell.course.name, cell.label,
          cell.completed_on.isoformat() if cell.completed_on else "Never",
          cell.expires_on.isoformat() if cell.expires_on else ""] for cell in found))
    actions.export_record(actor=request.user, school=school, rows=len(found))
    return response


@login_required
def surveys(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_training_records", hide=True)
    school = _school(request)
    may = _may(request)
    form = SurveyForm(request.POST if request.method == "POST" and may["manage_training"]
                      else None)
    if form.is_bound and form.is_valid():
        try:
            survey = actions.survey_open(actor=request.user, school=school,
                                         title=form.cleaned_data["title"],
                                         questions=form.questions())
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "The survey is open: staff see it on their training page.")
            return redirect("training:survey_results", pk=survey.pk)
    return render(request, "training/surveys.html", {
        "surveys": selectors.surveys(school), "form": form if may["manage_training"] else None,
        "may": may})


@login_required
def survey_answer(request: SignedInRequest, pk: int) -> HttpResponse:
    survey = access.survey_for(request.user, pk)
    form = AnswerForm(request.POST if request.method == "POST" else None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            actions.survey_answer(actor=request.user, survey=survey, answers=form.answers())
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Thank you: your answers help plan the school's training.")
            return redirect("training:mine")
    return render(request, "training/answer.html", {"survey": survey, "form": form})


@login_required
def survey_results(request: SignedInRequest, pk: int) -> HttpResponse:
    survey = access.survey_for(request.user, pk, "view_training_records")
    return render(request, "training/results.html", {
        "survey": survey, "results": selectors.results(survey),
        "responses": survey.responses.count(), "may": _may(request)})


@login_required
@require_POST
def survey_close(request: SignedInRequest, pk: int) -> HttpResponse:
    survey = access.survey_for(request.user, pk, "manage_training")
    try:
        actions.survey_close(actor=request.user, survey=survey)
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The survey is closed.")
    return redirect("training:survey_results", pk=survey.pk)


@login_required
def survey_export(request: SignedInRequest, pk: int) -> HttpResponse:
    """The results as totals (never who answered what): one row per question."""
    survey = access.survey_for(request.user, pk, "view_training_records")
    results = selectors.results(survey)

    def row(r: dict) -> list:
        spread = dict(r.get("spread", []))
        return ([r["question"].text, r["answered"], r.get("average", "")]
                + [spread.get(n, "") for n in range(1, 6)]
                + [r.get("yes", ""), r.get("no", ""), " | ".join(r.get("texts", []))])

    response = csvsafe.download(
        "training-needs-survey.csv",
        ["Question", "Answered", "Average (1 to 5)", "1", "2", "3", "4", "5", "Yes", "No",
         "In their own words"],
        (row(r) for r in results))
    actions.export_record(actor=request.user, school=survey.school, rows=len(results),
                          register=f"Survey results: {survey.title}")
    return response
