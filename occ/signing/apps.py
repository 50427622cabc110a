from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "occ.signing"
    label = "signing"
    verbose_name = "Signed requests"
    default_auto_field = "django.db.models.BigAutoField"
