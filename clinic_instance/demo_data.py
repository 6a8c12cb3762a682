"""Realistic demo data for a small French practice, relative to today."""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction

from . import booking
from .availability import available_slots, clinic_timezone
from .models import Clinic, Practitioner, ScheduleException, VisitReason, WeeklyRange
from .patient_details import PatientDetails

PRACTITIONERS = [
    # (title, first, last, specialty, rpps, reasons [(name, minutes, patients, instructions)], days, ranges)
    (
        "Dr",
        "Claire",
        "Martin",
        "Médecin généraliste",
        "10003456789",
        [
            ("Consultation", 20, "all", ""),
            ("Renouvellement d'ordonnance", 15, "known", ""),
            ("Vaccination", 10, "all", "Apportez votre carnet de vaccination."),
        ],
        [0, 1, 2, 3, 4],
        [(time(8, 30), time(12, 0)), (time(14, 0), time(18, 30))],
    ),
    (
        "Dr",
        "Karim",
        "Benali",
        "Dermatologue",
        "10004567890",
        [
            ("Première consultation", 30, "new", "Venez sans maquillage ni vernis."),
            ("Consultation de suivi", 20, "known", ""),
            ("Contrôle des grains de beauté", 30, "all", ""),
        ],
        [0, 2, 4],
        [(time(9, 0), time(12, 30)), (time(14, 0), time(17, 0))],
    ),
    (
        "Dr",
        "Sophie",
        "Lefèvre",
        "Pédiatre",
        "10005678901",
        [
            ("Consultation enfant", 20, "all", "Apportez le carnet de santé de l'enfant."),
            ("Examen obligatoire (8 jours, 9 mois, 24 mois)", 30, "all", "Apportez le carnet de santé."),
        ],
        [1, 3, 5],
        [(time(9, 0), time(12, 0)), (time(13, 30), time(16, 30))],
    ),
    (
        "",
        "Lucas",
        "Moreau",
        "Masseur-kinésithérapeute",
        "10006789012",
        [("Séance de rééducation", 30, "all", "Apportez votre ordonnance et une serviette.")],
        [0, 1, 2, 3, 4],
        [(time(8, 0), time(12, 0)), (time(13, 0), time(19, 0))],
    ),
]

DEMO_PATIENTS = [
    ("Jeanne", "Dupont", date(1958, 4, 12)),
    ("Thomas", "Bernard", date(1984, 9, 3)),
    ("Inès", "Robert", date(2019, 1, 22)),
    ("Hugo", "Petit", date(1991, 6, 30)),
    ("Léa", "Durand", date(1976, 11, 8)),
    ("Nathan", "Leroy", date(2003, 2, 14)),
    ("Chloé", "Roux", date(1969, 7, 19)),
    ("Louis", "Fournier", date(1999, 12, 1)),
]


@transaction.atomic
def create_demo_clinic(*, now: datetime, seed: int = 1) -> Clinic:
    """Create the demo practice unless it already has practitioners (then leave it)."""
    clinic = Clinic.load()
    if Practitioner.objects.exists():
        return clinic
    clinic.name = "Maison de santé des Tilleuls"
    clinic.address = "12 rue des Tilleuls, 35000 Rennes"
    clinic.phone = "+33299000000"
    clinic.email = "accueil@tilleuls.example"
    clinic.minimum_notice_minutes = 60
    clinic.save()
    tz = clinic_timezone()
    today = now.astimezone(tz).date()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    for title, first, last, specialty, rpps, reasons, days, ranges in PRACTITIONERS:
        practitioner = Practitioner.objects.create(
            title=title, first_name=first, last_name=last, specialty=specialty, rpps=rpps
        )
        for name, minutes, patients, instructions in reasons:
            reason = VisitReason.objects.create(
                name=name, duration_minutes=minutes, patients=patients, instructions=instructions
            )
            reason.practitioners.add(practitioner)
        for weekday in days:
            for start, end in ranges:
                WeeklyRange.objects.create(practitioner=practitioner, weekday=weekday, start_time=start, end_time=end)
        _book_some(practitioner, today, now, rng)
    # One absence: the general practitioner is away two days the week after next.
    away = today + timedelta(days=14 - today.weekday() + 1)
    ScheduleException.objects.create(
        practitioner=Practitioner.objects.get(last_name="Martin"),
        kind=ScheduleException.Kind.ABSENCE,
        start=datetime.combine(away, time(0), tz),
        end=datetime.combine(away + timedelta(days=2), time(0), tz),
        note="Formation",
    )
    return clinic


def _book_some(practitioner: Practitioner, today: date, now: datetime, rng: random.Random) -> None:
    """Fill about a third of the next two weeks' slots, as phone bookings."""
    reasons = list(practitioner.visit_reasons.filter(patients="all"))
    for offset in range(14):
        day = today + timedelta(days=offset)
        reason = rng.choice(reasons)
        for slot in available_slots(practitioner=practitioner, visit_reason=reason, day_from=day, day_to=day, now=now)[
            ::3
        ]:
            first, last, birth = rng.choice(DEMO_PATIENTS)
            phone = f"+3361{rng.randrange(10**7):07d}"
            try:
                booking.book_appointment(
                    practitioner=practitioner,
                    visit_reason=reason,
                    start=slot.start,
                    patient=PatientDetails(first, last, birth, phone),
                    now=now,
                    source="phone",
                )
            except booking.BookingError:
                continue
