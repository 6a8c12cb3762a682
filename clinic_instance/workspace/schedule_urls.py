"""The schedule area's addresses: absences, weekly schedules, visit reasons, calendar feeds."""

from django.urls import path

from . import absence_views, calendar_feed_views, schedule_views

urlpatterns = [
    path("absences/", absence_views.absences, name="absences"),
    path("absences/<int:absence_id>/", absence_views.absence, name="absence"),
    path("absences/<int:absence_id>/delete/", absence_views.absence_delete, name="absence-delete"),
    path("practitioners/", schedule_views.practitioners, name="practitioners"),
    path("practitioners/<int:practitioner_id>/schedule/", schedule_views.schedule, name="practitioner-schedule"),
    path("practitioners/<int:practitioner_id>/reasons/", schedule_views.reasons, name="practitioner-reasons"),
    path(
        "practitioners/<int:practitioner_id>/reasons/<int:reason_id>/",
        schedule_views.reason,
        name="practitioner-reason",
    ),
    path(
        "practitioners/<int:practitioner_id>/reasons/<int:reason_id>/delete/",
        schedule_views.reason_delete,
        name="practitioner-reason-delete",
    ),
    path(
        "practitioners/<int:practitioner_id>/calendar-feed/",
        calendar_feed_views.feed_settings,
        name="calendar-feed-settings",
    ),
    path(
        "practitioners/<int:practitioner_id>/calendar-feed/create/",
        calendar_feed_views.feed_create,
        name="calendar-feed-create",
    ),
    path(
        "practitioners/<int:practitioner_id>/calendar-feed/revoke/",
        calendar_feed_views.feed_revoke,
        name="calendar-feed-revoke",
    ),
    path(
        "practitioners/<int:practitioner_id>/calendar-feed/names/",
        calendar_feed_views.feed_names,
        name="calendar-feed-names",
    ),
]
