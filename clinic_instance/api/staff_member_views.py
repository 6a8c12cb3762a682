"""Staff accounts through the API: administrators only (anyone else, 403)."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import audit, staff_accounts
from ..models import AuditEntry, StaffMember
from .staff_auth import IsAdministrator, StaffAPIMixin
from .staff_serializers import StaffMemberSerializer, StaffMemberUpdateSerializer


def _members():
    return StaffMember.objects.select_related("user").prefetch_related("agendas").order_by("user__username")


class StaffMemberListView(StaffAPIMixin, APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses={200: StaffMemberSerializer(many=True), 401: None, 403: None})
    def get(self, request):
        """Every staff account, its role and agendas."""
        return Response(StaffMemberSerializer(_members(), many=True).data)


class StaffMemberView(StaffAPIMixin, APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        request=StaffMemberUpdateSerializer,
        responses={
            200: StaffMemberSerializer,
            400: OpenApiResponse(description="The failing field and why"),
            401: None,
            403: OpenApiResponse(description="Only administrators change roles and agendas"),
            404: None,
        },
    )
    def patch(self, request, member_id: int):
        """Change a member's role, practitioner, agendas or whether the account is active."""
        member = get_object_or_404(_members(), pk=member_id)
        serializer = StaffMemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        role = data.get("role", member.role)
        practitioner = data.get("practitioner", member.practitioner)
        if role == StaffMember.Role.PRACTITIONER and practitioner is None:
            return Response({"practitioner": [_("Choose the practitioner whose agenda this is.")]}, status=400)
        taken = StaffMember.objects.filter(practitioner=practitioner).exclude(pk=member.pk)
        if role == StaffMember.Role.PRACTITIONER and taken.exists():
            return Response({"practitioner": [_("Another account is already this practitioner.")]}, status=400)
        before = f"{member.role}/{'active' if member.user.is_active else 'inactive'}"
        active = data.get("active", member.user.is_active)
        try:
            staff_accounts.change_member(
                member,
                role=role,
                practitioner=practitioner,
                agendas=data.get("agendas", list(member.agendas.all())),
                active=active,
            )
        except ValidationError as error:
            return Response({"role": error.messages, "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
        audit.record(
            request,
            AuditEntry.Action.STAFF,
            AuditEntry.ObjectType.STAFF,
            object_id=member.user_id,
            detail=f"{before} → {role}/{'active' if active else 'inactive'}",
        )
        return Response(StaffMemberSerializer(_members().get(pk=member.pk)).data)
