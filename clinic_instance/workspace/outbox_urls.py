"""The addresses of the review of messages that did not go out (administrators): include in workspace/urls.py.

Included before message_template_urls: "messages/<kind>/<channel>/<language>/" would also match the actions.
"""

from django.urls import path

from ..link_urls import MESSAGE_OUTBOX
from . import outbox_views

urlpatterns = [
    path(MESSAGE_OUTBOX, outbox_views.message_outbox, name="message-outbox"),
    path("messages/outbox/<int:message_id>/resend/", outbox_views.resend_message, name="message-resend"),
    path("messages/outbox/<int:message_id>/handled/", outbox_views.mark_message_handled, name="message-handled"),
]
