"""Pages anyone may read without signing in, for the school's website to link to: each
policy's current version with its approval and review dates, and the monitoring notices
for parents and for staff made from the live settings. Nothing here is private: a school
publishes its policies."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from esafety.directory.models import School, UnknownSchool
from esafety.policies.middleware import gate_exempt
from esafety.policies.models import PolicyDocument
from esafety.public import notice


def _school(slug: str) -> School:
    # by_slug's message names the known schools, which a public page must not list: any
    # unknown name is a plain 404.
    try:
        return School.objects.by_slug(slug)
    except UnknownSchool:
        raise Http404("no such school") from None


def _published(school: School) -> list[tuple[PolicyDocument, object]]:
    found = []
    for document in PolicyDocument.objects.filter(school=school).order_by("title"):
        version = document.current_version()
        if version is not None:
            found.append((document, version))
    return found


@gate_exempt
@require_GET
def school_home(request: HttpRequest, slug: str) -> HttpResponse:
    school = _school(slug)
    return render(request, "public/home.html", {"school": school,
                                                "policies": _published(school)})


@gate_exempt
@require_GET
def policy(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    school = _school(slug)
    document = PolicyDocument.objects.filter(school=school, pk=pk).first()
    version = document.current_version() if document is not None else None
    if document is None or version is None:
        raise Http404("no such policy")
    return render(request, "public/policy.html", {"school": school, "document": document,
                                                  "version": version})


@gate_exempt
@require_GET
def monitoring(request: HttpRequest, slug: str, audience: str) -> HttpResponse:
    school = _school(slug)
    if audience not in notice.AUDIENCES:
        raise Http404("no such notice")
    return render(request, "public/monitoring.html", {
        "school": school, "notice": notice.build(school, audience)})
