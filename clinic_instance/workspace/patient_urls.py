"""The patient area's addresses: patient records, GDPR, the audit trail and data retention."""

from django.urls import path

from ..link_urls import PATIENT
from . import audit_views, patient_views

urlpatterns = [
    path("patients/", patient_views.patient_list, name="patients"),
    path(PATIENT, patient_views.patient_detail, name="patient"),
    path("patients/<int:patient_id>/edit/", patient_views.patient_edit, name="patient-edit"),
    path("patients/<int:patient_id>/merge/", patient_views.patient_merge, name="patient-merge"),
    path("patients/<int:patient_id>/export.json", patient_views.patient_export, name="patient-export"),
    path("patients/<int:patient_id>/erase/", patient_views.patient_erase, name="patient-erase"),
    path("audit/", audit_views.audit_trail, name="audit"),
    path("data-retention/", audit_views.data_retention, name="data-retention"),
    path("data-retention/purge/", audit_views.purge_now, name="data-retention-purge"),
]
