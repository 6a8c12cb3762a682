"""Realistic demo data for a small French practice, relative to today."""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from . import booking
from .availability import available_slots, clinic_timezone
from .models import Clinic, Patient, Practitioner, ScheduleException, StaffMember, VisitReason, WeeklyRange
from .patient_details import PatientDetails

# The visit reasons' names in English, shown to patients reading in English.
REASONS_IN_ENGLISH = {
    "Consultation": "Consultation",
    "Renouvellement d'ordonnance": "Prescription renewal",
    "Vaccination": "Vaccination",
    "Première consultation": "First consultation",
    "Consultation de suivi": "Follow-up consultation",
    "Contrôle des grains de beauté": "Mole check",
    "Consultation enfant": "Child consultation",
    "Examen obligatoire (8 jours, 9 mois, 24 mois)": "Compulsory check-up (8 days, 9 months, 24 months)",
    "Renouvellement de lunettes": "Glasses renewal",
    "Séance de rééducation": "Physiotherapy session",
    "Consultation et détartrage": "Check-up and scaling",
    "Urgence dentaire": "Dental emergency",
    "Séance": "Session",
    "Premier entretien": "First interview",
    "Certificat médical": "Medical certificate",
    "Consultation de cardiologie": "Cardiology consultation",
    "Électrocardiogramme": "Electrocardiogram",
}

TILLEULS = [
    # (title, first, last, specialty, directory code, rpps, reasons [(name, minutes, patients, instructions)],
    #  days, ranges)
    (
        "Dr",
        "Claire",
        "Martin",
        "Médecin généraliste",
        "medecine-generale",
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
        "dermatologie",
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
        "pediatrie",
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
        "masso-kinesitherapie",
        "10006789012",
        [("Séance de rééducation", 30, "all", "Apportez votre ordonnance et une serviette.")],
        [0, 1, 2, 3, 4],
        [(time(8, 0), time(12, 0)), (time(13, 0), time(19, 0))],
    ),
]

CHENES = [
    (
        "Dr",
        "Antoine",
        "Garnier",
        "Ophtalmologiste",
        "ophtalmologie",
        "10007890123",
        [
            ("Première consultation", 30, "new", "Apportez vos lunettes et vos ordonnances."),
            ("Renouvellement de lunettes", 20, "all", "Apportez vos lunettes."),
        ],
        [0, 1, 3],
        [(time(9, 0), time(12, 30)), (time(14, 0), time(18, 0))],
    ),
    (
        "Dr",
        "Camille",
        "Faure",
        "Chirurgien-dentiste",
        "chirurgie-dentaire",
        "10008901234",
        [("Consultation et détartrage", 30, "all", ""), ("Urgence dentaire", 20, "all", "")],
        [0, 1, 2, 3, 4],
        [(time(8, 30), time(12, 0)), (time(13, 30), time(18, 30))],
    ),
    (
        "",
        "Manon",
        "Girard",
        "Psychologue",
        "psychologie",
        "",
        [("Séance", 50, "all", ""), ("Premier entretien", 50, "new", "")],
        [1, 2, 4],
        [(time(10, 0), time(13, 0)), (time(14, 0), time(19, 0))],
    ),
    (
        "Dr",
        "Julien",
        "Mercier",
        "Médecin généraliste",
        "medecine-generale",
        "10009012345",
        [("Consultation", 20, "all", ""), ("Certificat médical", 15, "all", "")],
        [0, 1, 2, 3, 4, 5],
        [(time(8, 0), time(12, 0)), (time(14, 0), time(19, 0))],
    ),
    (
        "Dr",
        "Élise",
        "Roussel",
        "Cardiologue",
        "cardiologie",
        "10001122334",
        [
            ("Consultation de cardiologie", 30, "all", "Apportez vos derniers ECG et bilans sanguins."),
            ("Électrocardiogramme", 20, "all", ""),
        ],
        [1, 3, 4],
        [(time(9, 0), time(12, 30)), (time(14, 0), time(17, 30))],
    ),
]

# The two demo practices of the demo network, in two towns.
PRACTICES = {
    "tilleuls": {
        "clinic": {"name": "Maison de santé des Tilleuls", "address": "12 rue des Tilleuls", "postcode": "35000",
                   "city": "Rennes", "latitude": 48.1119, "longitude": -1.6807, "phone": "+33299000000",
                   "email": "accueil@tilleuls.example", "wheelchair_accessible": True},
        "practitioners": TILLEULS,
        "away": "Martin",
    },
    "chenes": {
        "clinic": {"name": "Cabinet des Chênes", "address": "5 quai de la Fosse", "postcode": "44000",
                   "city": "Nantes", "latitude": 47.2107, "longitude": -1.5650, "phone": "+33240000000",
                   "email": "accueil@chenes.example", "wheelchair_accessible": False},
        "practitioners": CHENES,
        "away": "Faure",
    },
}  # fmt: skip

DEMO_PATIENTS = [
    ("Jeanne", "Dupont", date(1958, 4, 12)),
    ("Thomas", "Bernard", date(1984, 9, 3)),
    ("Inès", "Robert", date(2019, 1, 22)),
    ("Hugo", "Petit", date(1991, 6, 30)),
    ("Léa", "Durand", date(1976, 11, 8)),
    ("Nathan", "Leroy", date(2003, 2, 14)),
    ("Chloé", "Roux", date(1969, 7, 19)),
    ("Louis", "Fournier", date(1999, 12, 1)),
    ("Camille", "Moreau", date(1988, 3, 27)),
    ("Lucas", "Girard", date(2012, 10, 5)),
    ("Manon", "Bonnet", date(1995, 8, 16)),
    ("Gabriel", "Lambert", date(1962, 5, 9)),
    ("Zoé", "Fontaine", date(2008, 12, 24)),
    ("Arthur", "Rousseau", date(1979, 1, 30)),
    ("Emma", "Vincent", date(1951, 9, 11)),
    ("Jules", "Muller", date(2016, 4, 3)),
    ("Sarah", "Lefebvre", date(1983, 7, 7)),
    ("Adam", "Faure", date(1972, 2, 18)),
    ("Alice", "André", date(2001, 11, 29)),
    ("Paul", "Mercier", date(1948, 6, 21)),
]
# One patient per person (the same phone at each booking), and one look-alike record to merge.
DEMO_LOOK_ALIKE = ("Jeane", "Dupont", date(1958, 4, 12), "+33699887766")


def demo_phone(index: int) -> str:
    return f"+3361234{index:04d}"


@transaction.atomic
def create_demo_clinic(*, now: datetime, seed: int = 1, practice: str = "tilleuls") -> Clinic:
    """Create a demo practice unless it already has practitioners (then leave it)."""
    clinic = Clinic.load()
    if Practitioner.objects.exists():
        return clinic
    for name, value in PRACTICES[practice]["clinic"].items():
        setattr(clinic, name, value)
    clinic.minimum_notice_minutes = 60
    clinic.phone_verification = False  # the demo books without codes; production verifies by default
    # Equal times mean no quiet hours (dispatch.quiet_hours_end): a demo tried at night sees its SMS and
    # waiting-list offers at once instead of silently held until 08:00.
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    tz = clinic_timezone()
    today = now.astimezone(tz).date()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    for title, first, last, specialty, code, rpps, reasons, days, ranges in PRACTICES[practice]["practitioners"]:
        practitioner = Practitioner.objects.create(
            title=title, first_name=first, last_name=last, specialty=specialty, specialty_code=code, rpps=rpps,
            languages=["fr", "en"] if rng.random() < 0.5 else ["fr"], sector="1",
        )  # fmt: skip
        for name, minutes, patients, instructions in reasons:
            reason = VisitReason.objects.create(
                name=name, name_en=REASONS_IN_ENGLISH.get(name, ""), duration_minutes=minutes, patients=patients,
                instructions=instructions,
            )  # fmt: skip
            reason.practitioners.add(practitioner)
        for weekday in days:
            for start, end in ranges:
                WeeklyRange.objects.create(practitioner=practitioner, weekday=weekday, start_time=start, end_time=end)
        _book_some(practitioner, today, now, rng)
    first, last, birth, phone = DEMO_LOOK_ALIKE
    Patient.objects.create(first_name=first, last_name=last, birth_date=birth, phone=phone)
    # One absence: a practitioner is away two days the week after next.
    away = today + timedelta(days=14 - today.weekday() + 1)
    ScheduleException.objects.create(
        practitioner=Practitioner.objects.get(last_name=PRACTICES[practice]["away"]),
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
            index = rng.randrange(len(DEMO_PATIENTS))
            first, last, birth = DEMO_PATIENTS[index]
            phone = demo_phone(index)
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


DEMO_SECRETARY = "secretariat"


@transaction.atomic
def create_demo_staff(password: str, administrator: str = "admin") -> None:
    """The demo's workspace accounts: the administrator, a secretary of every agenda, each practitioner.

    Practitioners sign in as their last name in lower case (e.g. "durand").
    """
    user_model = get_user_model()
    admin_user = user_model.objects.filter(username=administrator).first()
    if admin_user is not None:
        StaffMember.objects.get_or_create(user=admin_user, defaults={"role": StaffMember.Role.ADMINISTRATOR})
    if not user_model.objects.filter(username=DEMO_SECRETARY).exists():
        secretary = user_model.objects.create_user(DEMO_SECRETARY, "", password)
        member = StaffMember.objects.create(user=secretary, role=StaffMember.Role.SECRETARY)
        member.agendas.set(Practitioner.objects.all())
    for practitioner in Practitioner.objects.filter(staff_member__isnull=True):
        username = slugify(practitioner.last_name)
        if not user_model.objects.filter(username=username).exists():
            user = user_model.objects.create_user(username, "", password)
            StaffMember.objects.create(user=user, role=StaffMember.Role.PRACTITIONER, practitioner=practitioner)
