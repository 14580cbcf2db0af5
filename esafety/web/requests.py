"""The request type for pages behind sign-in.

Django types ``request.user`` as "a user or anonymous"; every page behind ``login_required``
(or the AUP gate) is only ever reached by a signed-in ``Person``. Views annotate their
request as ``SignedInRequest`` so mypy checks what they do with the person.
"""
from __future__ import annotations

from django.http import HttpRequest

from esafety.directory.models import Person


class SignedInRequest(HttpRequest):
    user: Person
