"""Twilio's webhooks; included by clinic_instance/urls.py at sms/ (namespace "sms")."""

from django.urls import path

from clinic_instance import twilio_webhooks
from clinic_instance.link_urls import TWILIO_STATUS

app_name = "sms"
urlpatterns = [
    path(TWILIO_STATUS, twilio_webhooks.status_callback, name="twilio-status"),
    path("twilio/inbound/", twilio_webhooks.inbound_message, name="twilio-inbound"),
]
