from django.apps import AppConfig


class InterfacesConfig(AppConfig):
    """The HTML interfaces (portal, agent desk, agency inbox, privacy desk): no models of their own."""

    name = "interfaces"
    verbose_name = "Interfaces"
