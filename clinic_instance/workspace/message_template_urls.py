"""The addresses of the message templates' pages (administrators): include in workspace/urls.py."""

from django.urls import path

from . import message_template_views

urlpatterns = [
    path("messages/", message_template_views.message_templates_list, name="message-templates"),
    path(
        "messages/<str:kind>/<str:channel>/<str:language>/",
        message_template_views.message_template,
        name="message-template",
    ),
]
