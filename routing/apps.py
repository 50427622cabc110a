from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Agencies' side of a case: routing rules, referrals and their delivery, recipient notices,
    the disclosure gate and the agency API. Sits above complaints and fills in its hooks."""

    name = "routing"
    verbose_name = "Routing to agencies"

    def ready(self) -> None:
        from complaints import hooks

        from . import selectors

        hooks.provide_tracking_destinations(selectors.tracking_destinations_sql)
        hooks.provide_referrals_by_agency(selectors.referrals_by_agency)
