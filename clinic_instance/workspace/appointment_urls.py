"""The appointment area's addresses: booking by phone, one appointment's page and its changes."""

from django.urls import path

from . import appointment_views, book_views

urlpatterns = [
    path("book/", book_views.book, name="book"),
    path("patients/search.json", book_views.patient_search_json, name="patient-search-json"),
    path("appointments/<int:appointment_id>/", appointment_views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/move/", appointment_views.appointment_move, name="appointment-move"),
    path("appointments/<int:appointment_id>/cancel/", appointment_views.appointment_cancel, name="appointment-cancel"),
    path("appointments/<int:appointment_id>/status/", appointment_views.appointment_status, name="appointment-status"),
    path("appointments/<int:appointment_id>/note/", appointment_views.appointment_note, name="appointment-note"),
]
