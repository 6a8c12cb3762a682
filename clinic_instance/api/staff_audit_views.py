"""The audit trail through the staff API: administrators only, the audit page's filters, one page at a time.

Two queries a page whatever its size (the count and the entries) plus the
filter form's list of staff accounts: the actor is read from actor_label, never
joined.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from ..models import AuditEntry
from ..workspace.patient_forms import AuditFilterForm
from .staff_auth import IsAdministrator, StaffAPIMixin
from .staff_common import StaffPagination, bad_request, form_errors

FILTERS = ("actor", "action", "object_type", "patient", "date_from", "date_to")


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "patient_id",
            "practitioner_id",
            "ip_address",
            "detail",
        ]


class StaffAuditTrailView(StaffAPIMixin, ListAPIView):
    permission_classes = [IsAdministrator]
    serializer_class = AuditEntrySerializer
    pagination_class = StaffPagination

    def get_queryset(self):
        return self.form.filter(AuditEntry.objects.order_by("-at", "-id"))

    @extend_schema(
        parameters=[
            OpenApiParameter("actor", int, required=False, description="A staff account's user id"),
            OpenApiParameter("action", str, required=False, enum=AuditEntry.Action.values),
            OpenApiParameter("object_type", str, required=False, enum=AuditEntry.ObjectType.values),
            OpenApiParameter("patient", int, required=False, description="A patient id (erased or merged too)"),
            OpenApiParameter("date_from", str, required=False, description="First local day, YYYY-MM-DD"),
            OpenApiParameter("date_to", str, required=False, description="Last local day, YYYY-MM-DD"),
        ],
        responses={
            200: AuditEntrySerializer(many=True),
            400: OpenApiResponse(description="The failing filter and why"),
            401: None,
            403: OpenApiResponse(description="Administrators only"),
        },
    )
    def get(self, request, *args, **kwargs):
        """Audit entries, newest first, filtered as on the audit page."""
        filters = {name: request.query_params[name] for name in FILTERS if request.query_params.get(name)}
        self.form = AuditFilterForm(filters)
        if not self.form.is_valid():
            return bad_request(form_errors(self.form))
        return self.list(request, *args, **kwargs)
