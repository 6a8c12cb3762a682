from .appointments import Appointment
from .patients import Patient
from .practice import Clinic, Practitioner, VisitReason
from .schedules import ScheduleException, WeeklyRange

__all__ = [
    "Appointment",
    "Clinic",
    "Patient",
    "Practitioner",
    "ScheduleException",
    "VisitReason",
    "WeeklyRange",
]
