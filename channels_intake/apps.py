from django.apps import AppConfig


class ChannelsIntakeConfig(AppConfig):
    name = "channels_intake"
    verbose_name = "Intake channels"
