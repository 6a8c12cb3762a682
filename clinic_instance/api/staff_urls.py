"""The staff API's addresses, under /api/v1/staff/."""

from django.urls import path

from . import (
    staff_absence_views,
    staff_audit_views,
    staff_member_views,
    staff_patient_views,
    staff_schedule_views,
    staff_views,
)

APPOINTMENT = "appointments/<int:appointment_id>"
PATIENT = "patients/<int:patient_id>"
PRACTITIONER = "practitioners/<int:practitioner_id>"

urlpatterns = [
    path("practitioners/", staff_views.StaffPractitionerListView.as_view(), name="staff-api-practitioners"),
    path(f"{PRACTITIONER}/schedule/", staff_schedule_views.StaffScheduleView.as_view(), name="staff-api-schedule"),
    path(
        f"{PRACTITIONER}/visit-reasons/",
        staff_schedule_views.StaffReasonListView.as_view(),
        name="staff-api-reasons",
    ),
    path(
        f"{PRACTITIONER}/visit-reasons/<int:reason_id>/",
        staff_schedule_views.StaffReasonView.as_view(),
        name="staff-api-reason",
    ),
    path("appointments/", staff_views.StaffAppointmentListView.as_view(), name="staff-api-appointments"),
    path(f"{APPOINTMENT}/", staff_views.StaffAppointmentView.as_view(), name="staff-api-appointment"),
    path(f"{APPOINTMENT}/move/", staff_views.StaffMoveView.as_view(), name="staff-api-move"),
    path(f"{APPOINTMENT}/cancel/", staff_views.StaffCancelView.as_view(), name="staff-api-cancel"),
    path(f"{APPOINTMENT}/status/", staff_views.StaffStatusView.as_view(), name="staff-api-status"),
    path(f"{APPOINTMENT}/note/", staff_views.StaffNoteView.as_view(), name="staff-api-note"),
    path("absences/", staff_absence_views.StaffAbsenceListView.as_view(), name="staff-api-absences"),
    path("absences/<int:absence_id>/", staff_absence_views.StaffAbsenceView.as_view(), name="staff-api-absence"),
    path("patients/", staff_views.StaffPatientSearchView.as_view(), name="staff-api-patients"),
    path(f"{PATIENT}/", staff_patient_views.StaffPatientRecordView.as_view(), name="staff-api-patient"),
    path(f"{PATIENT}/merge/", staff_patient_views.StaffPatientMergeView.as_view(), name="staff-api-patient-merge"),
    path(f"{PATIENT}/export/", staff_patient_views.StaffPatientExportView.as_view(), name="staff-api-patient-export"),
    path(f"{PATIENT}/erase/", staff_patient_views.StaffPatientEraseView.as_view(), name="staff-api-patient-erase"),
    path("audit/", staff_audit_views.StaffAuditTrailView.as_view(), name="staff-api-audit"),
    path("members/", staff_member_views.StaffMemberListView.as_view(), name="staff-api-members"),
    path("members/<int:member_id>/", staff_member_views.StaffMemberView.as_view(), name="staff-api-member"),
]
