"""URLs of this channel, mounted by occ/urls.py."""

from django.urls import path

from .api import MailGatewayView

urlpatterns = [path("api/v1/intake/email/", MailGatewayView.as_view(), name="mail-gateway")]
