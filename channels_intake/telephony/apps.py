from django.apps import AppConfig


class TelephonyChannelConfig(AppConfig):
    name = "channels_intake.telephony"
    label = "intake_telephony"
    verbose_name = "Telephone and fax channels"
