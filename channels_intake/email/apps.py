from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "channels_intake.email"
    label = "intake_email"
    verbose_name = "E-mail channel"

    def ready(self) -> None:
        from . import processing  # noqa: F401 - registers the "email" processor
