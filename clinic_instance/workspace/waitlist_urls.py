"""The waiting list's addresses in the workspace: include in workspace/urls.py."""

from django.urls import path

from . import waitlist_views

urlpatterns = [
    path("waiting-list/", waitlist_views.waiting_list, name="waiting-list"),
    path("waiting-list/<int:entry_id>/remove/", waitlist_views.remove, name="waiting-list-remove"),
]
