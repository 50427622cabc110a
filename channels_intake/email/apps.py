from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "channels_intake.email"
    label = "intake_email"
    verbose_name = "E-mail channel"
