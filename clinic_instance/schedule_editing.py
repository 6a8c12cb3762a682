"""Editing a practitioner's weekly schedule and visit reasons from the workspace.

Who may edit: administrators, and every staff member for the practitioners
they can see (staff_access.visible_practitioners): a secretary for the
practitioners she is assigned to, a practitioner for himself and the agendas
he is granted. Views look the practitioner up with staff_access.practitioner_for
(404 otherwise).

A visit reason may be shared by several practitioners (many-to-many): a change
applies to all of them, so it is allowed only to someone who can see every
practitioner using it (can_edit_reason). A reason that appointments use is
deactivated, never deleted (the foreign key protects it).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.forms import BaseModelFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import audit
from .booking import locked_agenda
from .models import AuditEntry, Practitioner, VisitReason, WeeklyRange
from .staff_access import visible_practitioners


class ScheduleError(Exception):
    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RangeRow:
    """One weekly range as the overlap check sees it (a form's cleaned data or a saved row)."""

    weekday: int
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    @classmethod
    def of(cls, weekly_range: WeeklyRange) -> "RangeRow":
        return cls(
            weekly_range.weekday,
            weekly_range.start_time,
            weekly_range.end_time,
            weekly_range.valid_from,
            weekly_range.valid_until,
        )

    def overlaps(self, other: "RangeRow") -> bool:
        """Same weekday, shared minutes, and validity periods (open-ended when empty) that meet."""
        if self.weekday != other.weekday or not (self.start < other.end and other.start < self.end):
            return False
        starts_before_other_ends = (
            self.valid_from is None or other.valid_until is None or self.valid_from <= other.valid_until
        )
        other_starts_before_self_ends = (
            other.valid_from is None or self.valid_until is None or other.valid_from <= self.valid_until
        )
        return starts_before_other_ends and other_starts_before_self_ends


def find_overlaps(rows: Sequence[RangeRow]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of rows that overlap; a handful of rows a week, so pairwise is fine."""
    return [(i, j) for i in range(len(rows)) for j in range(i + 1, len(rows)) if rows[i].overlaps(rows[j])]


def save_schedule(*, practitioner: Practitioner, formset: BaseModelFormSet, request: HttpRequest | None) -> int:
    """Save a valid formset of the practitioner's weekly ranges; returns how many rows changed.

    Holds the agenda lock, so a booking never sees half a schedule, and checks
    the saved schedule again: another staff member's edit saved meanwhile
    cannot leave two ranges overlapping (ScheduleError, nothing saved).
    """
    with locked_agenda(practitioner):
        formset.save()
        changed = len(formset.new_objects) + len(formset.changed_objects) + len(formset.deleted_objects)
        saved = [RangeRow.of(r) for r in practitioner.weekly_ranges.all()]
        if find_overlaps(saved):
            raise ScheduleError(
                _("Another change to this schedule was saved meanwhile; please check it again."), code="conflict"
            )
        if changed:
            audit.record(
                request,
                AuditEntry.Action.UPDATE,
                AuditEntry.ObjectType.SCHEDULE,
                practitioner_id=practitioner.pk,
                detail=f"weekly ranges: {len(formset.new_objects)} added, "
                f"{len(formset.changed_objects)} changed, {len(formset.deleted_objects)} removed",
            )
    return changed


def reasons_of(practitioner: Practitioner) -> QuerySet[VisitReason]:
    return practitioner.visit_reasons.prefetch_related("practitioners").order_by("-is_active", "name")


def reason_of(practitioner: Practitioner, reason_id: int) -> VisitReason | None:
    return reasons_of(practitioner).filter(pk=reason_id).first()


def can_edit_reason(user: AbstractBaseUser, reason: VisitReason) -> bool:
    """Only someone who manages every practitioner using the reason may change it for all of them."""
    return not reason.practitioners.exclude(pk__in=visible_practitioners(user)).exists()


def add_visit_reason(*, practitioner: Practitioner, reason: VisitReason, request: HttpRequest | None) -> VisitReason:
    """Save a new (unsaved) reason and offer it with this practitioner."""
    with transaction.atomic():
        reason.save()
        reason.practitioners.add(practitioner)
        _record_reason(request, AuditEntry.Action.CREATE, reason, practitioner, "visit reason created")
    return reason


def update_visit_reason(
    *, reason: VisitReason, practitioner: Practitioner, changed: Sequence[str], request: HttpRequest | None
) -> None:
    """Save the changed fields of a reason; the audit names the fields, never their values."""
    if not changed:
        return
    with transaction.atomic():
        reason.save(update_fields=list(changed))
        _record_reason(request, AuditEntry.Action.UPDATE, reason, practitioner, "visit reason: " + ", ".join(changed))


def delete_visit_reason(*, reason: VisitReason, practitioner: Practitioner, request: HttpRequest | None) -> None:
    """Delete a reason no appointment uses; otherwise ScheduleError (deactivate it instead)."""
    if reason.appointments.exists():
        raise ScheduleError(_("Appointments use this visit reason: deactivate it instead."), code="in_use")
    try:
        with transaction.atomic():
            _record_reason(request, AuditEntry.Action.DELETE, reason, practitioner, "visit reason deleted")
            reason.delete()
    except ProtectedError as error:  # an appointment booked meanwhile
        raise ScheduleError(_("Appointments use this visit reason: deactivate it instead."), code="in_use") from error


def _record_reason(
    request: HttpRequest | None, action: str, reason: VisitReason, practitioner: Practitioner, detail: str
) -> None:
    audit.record(
        request,
        action,
        AuditEntry.ObjectType.SCHEDULE,
        object_id=reason.pk,
        practitioner_id=practitioner.pk,
        detail=detail,
    )
