from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "esafety.network"
    label = "network"
    verbose_name = "Who is at this computer"

    def ready(self) -> None:
        # The portal's marker is acted on when any sign-in completes (local or the school's
        # provider): Django's user_logged_in signal is the one moment both share.
        from esafety.network import receivers  # noqa: F401
