"""The agenda area's addresses."""

from django.urls import path

from . import agenda_views

urlpatterns = [
    path("agenda/", agenda_views.day_view, name="agenda"),
    path("agenda/week/", agenda_views.week_view, name="agenda-week"),
    path("agenda/events/", agenda_views.events, name="agenda-events"),
    path("agenda/print/", agenda_views.print_view, name="agenda-print"),
]
