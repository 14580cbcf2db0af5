from django.conf import settings
from django.db import models


class Identity(models.Model):
    """The claims of one account at the provider (the login name and password are the
    Django user's)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="identity")
    claims = models.JSONField(default=dict)

    objects: models.Manager["Identity"] = models.Manager()

    def __str__(self) -> str:
        return self.user.get_username()
