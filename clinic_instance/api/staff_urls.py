"""The staff API's addresses, under /api/v1/staff/."""

from django.urls import path

from . import staff_member_views, staff_views

APPOINTMENT = "appointments/<int:appointment_id>"

urlpatterns = [
    path("practitioners/", staff_views.StaffPractitionerListView.as_view(), name="staff-api-practitioners"),
    path("appointments/", staff_views.StaffAppointmentListView.as_view(), name="staff-api-appointments"),
    path(f"{APPOINTMENT}/", staff_views.StaffAppointmentView.as_view(), name="staff-api-appointment"),
    path(f"{APPOINTMENT}/move/", staff_views.StaffMoveView.as_view(), name="staff-api-move"),
    path(f"{APPOINTMENT}/cancel/", staff_views.StaffCancelView.as_view(), name="staff-api-cancel"),
    path(f"{APPOINTMENT}/status/", staff_views.StaffStatusView.as_view(), name="staff-api-status"),
    path(f"{APPOINTMENT}/note/", staff_views.StaffNoteView.as_view(), name="staff-api-note"),
    path("patients/", staff_views.StaffPatientSearchView.as_view(), name="staff-api-patients"),
    path("patients/<int:patient_id>/", staff_views.StaffPatientView.as_view(), name="staff-api-patient"),
    path("members/", staff_member_views.StaffMemberListView.as_view(), name="staff-api-members"),
    path("members/<int:member_id>/", staff_member_views.StaffMemberView.as_view(), name="staff-api-member"),
]
