"""Build a clinic in a few lines. Personas: Dr Alice Durand (general practice) and
Dr Bob Martin (dermatology) work here; patient Paul Petit books online."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic_instance.models import (
    Appointment,
    Clinic,
    Patient,
    Practitioner,
    ScheduleException,
    VisitReason,
    WeeklyRange,
)

PARIS = ZoneInfo("Europe/Paris")
ALL_WEEK = range(7)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def make_clinic(**policy) -> Clinic:
    defaults = {
        "name": "Cabinet des Lilas",
        "minimum_notice_minutes": 0,
        "booking_horizon_days": 90,
        "buffer_minutes": 0,
        "cancellation_cutoff_hours": 24,
    }
    clinic = Clinic(pk=1, **{**defaults, **policy})
    clinic.save()
    return clinic


def make_practitioner(
    first_name: str = "Alice",
    last_name: str = "Durand",
    specialty: str = "Médecin généraliste",
    *,
    weekdays=range(5),
    ranges=((time(9), time(12)), (time(14), time(18))),
    **fields,
) -> Practitioner:
    practitioner = Practitioner.objects.create(
        first_name=first_name, last_name=last_name, specialty=specialty, **fields
    )
    for weekday in weekdays:
        for start, end in ranges:
            WeeklyRange.objects.create(practitioner=practitioner, weekday=weekday, start_time=start, end_time=end)
    return practitioner


def make_reason(practitioner: Practitioner, name: str = "Consultation", minutes: int = 20, **fields) -> VisitReason:
    reason = VisitReason.objects.create(name=name, duration_minutes=minutes, **fields)
    reason.practitioners.add(practitioner)
    return reason


def make_patient(first_name: str = "Paul", last_name: str = "Petit", **fields) -> Patient:
    defaults = {"birth_date": date(1980, 5, 17), "phone": "+33612345678", "email": "paul@example.org"}
    return Patient.objects.create(first_name=first_name, last_name=last_name, **{**defaults, **fields})


def make_appointment(practitioner, reason, start: datetime, patient=None, **fields) -> Appointment:
    return Appointment.objects.create(
        practitioner=practitioner,
        visit_reason=reason,
        patient=patient or make_patient(),
        start=start,
        end=start + timedelta(minutes=reason.duration_minutes),
        **fields,
    )


def make_absence(practitioner, start: datetime, end: datetime) -> ScheduleException:
    return ScheduleException.objects.create(practitioner=practitioner, kind="absence", start=start, end=end)


def patient_json(**overrides) -> dict:
    return {
        "first_name": "Paul",
        "last_name": "Petit",
        "birth_date": "1980-05-17",
        "phone": "06 12 34 56 78",
        "email": "paul@example.org",
        **overrides,
    }
