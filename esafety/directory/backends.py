from django.contrib.auth.backends import ModelBackend


class SchoolAccessBackend(ModelBackend):
    """Django's password backend, plus the school's rules on who may be signed in.

    `user_can_authenticate` is consulted both at sign-in and on every request that
    loads the user from the session, so a leaver or an expired guest loses access on
    their very next request, not at their next sign-in (003 §5.9).
    """

    def user_can_authenticate(self, user):
        can_use = getattr(user, "can_use_systems", None)
        if can_use is None:
            return super().user_can_authenticate(user)
        return can_use()
