"""Patient records through the staff API: corrections, merging duplicates, GDPR export and erasure.

As the patient pages: patients are looked up through staff_access.patient_for
(an erased patient and an id that never existed get the same 404), input is
checked by the pages' ContactForm, and the services of patient_records.py and
gdpr.py write and audit. Export and erasure are for administrators only (403).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import audit
from ..gdpr import erase_patient, export_patient
from ..models import Patient
from ..patient_records import MergeError, can_merge, merge, update_contact
from ..staff_access import patient_for
from ..workspace.patient_forms import ContactForm
from ..workspace.patient_views import CONTACT_FIELDS
from .staff_auth import IsAdministrator, StaffAPIMixin
from .staff_common import bad_request, conflict, form_errors, form_input
from .staff_patient_serializers import MergeSerializer, PatientContactSerializer
from .staff_serializers import StaffErrorSerializer, StaffPatientSerializer
from .staff_views import StaffPatientView


class StaffPatientRecordView(StaffPatientView):
    """GET (staff_views.StaffPatientView) and PATCH of one patient's identity and contact details."""

    @extend_schema(
        request=PatientContactSerializer,
        responses={
            200: StaffPatientSerializer,
            400: OpenApiResponse(description="The failing field and why"),
            401: None,
            404: None,
        },
    )
    def patch(self, request, patient_id: int):
        """Correct identity and contact details (audited with the changed fields' names only)."""
        patient = patient_for(request.user, patient_id)
        current = {name: getattr(patient, name) for name in CONTACT_FIELDS}
        data, errors = form_input(request.data, CONTACT_FIELDS, start=current)
        if errors:
            return bad_request(errors)
        form = ContactForm(data)
        if not form.is_valid():
            return bad_request(form_errors(form))
        try:
            changed = update_contact(patient, form.cleaned_data, request=request)
        except Patient.DoesNotExist:
            raise Http404 from None
        if not changed:  # the answer still shows the record: a read
            audit.record_patient(request, audit.Action.VIEW, patient)
        return Response(StaffPatientSerializer(Patient.objects.get(pk=patient.pk)).data)


class StaffPatientMergeView(StaffAPIMixin, APIView):
    @extend_schema(
        request=MergeSerializer,
        responses={
            200: StaffPatientSerializer,
            400: OpenApiResponse(description="The failing field and why (a record merged into itself)"),
            401: None,
            403: OpenApiResponse(description="One of the records has appointments outside the caller's agendas"),
            404: None,
            409: OpenApiResponse(StaffErrorSerializer, description="A record was erased or merged meanwhile"),
        },
    )
    def post(self, request, patient_id: int):
        """Merge the duplicate into this record: its appointments move here, then it is deleted.

        Allowed to whoever sees every appointment of both patients (patient_records.can_merge).
        """
        keep = patient_for(request.user, patient_id)
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        duplicate = patient_for(request.user, serializer.validated_data["duplicate"])
        if duplicate.pk == keep.pk:
            return bad_request({"duplicate": [_("A record cannot be merged into itself.")]})
        if not can_merge(request.user, keep, duplicate):
            raise PermissionDenied
        try:
            kept = merge(keep, duplicate, now=timezone.now(), request=request)
        except MergeError as error:
            return conflict(error.message, "merge_refused")
        return Response(StaffPatientSerializer(kept).data)


class StaffPatientExportView(StaffAPIMixin, APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="Everything kept about the patient (gdpr.export_patient)"
            ),
            401: None,
            403: OpenApiResponse(description="Administrators only"),
            404: None,
        }
    )
    def get(self, request, patient_id: int):
        """The patient's GDPR access request: identity, appointments and their audit trail (audited)."""
        patient = patient_for(request.user, patient_id)
        data = export_patient(patient, now=timezone.now())
        audit.record_patient(request, audit.Action.EXPORT, patient)
        return Response(data)


class StaffPatientEraseView(StaffAPIMixin, APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        request=None,
        responses={204: None, 401: None, 403: OpenApiResponse(description="Administrators only"), 404: None},
    )
    def post(self, request, patient_id: int):
        """Erase the patient: future appointments cancelled, every appointment kept anonymised (gdpr.py)."""
        patient = patient_for(request.user, patient_id)
        erase_patient(patient, now=timezone.now(), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
