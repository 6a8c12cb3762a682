from .appointments import Appointment
from .federation import DirectoryRegistration, OutboxMessage
from .patients import Patient
from .practice import Clinic, Practitioner, VisitReason
from .schedules import ScheduleException, WeeklyRange

__all__ = [
    "Appointment",
    "Clinic",
    "DirectoryRegistration",
    "OutboxMessage",
    "Patient",
    "Practitioner",
    "ScheduleException",
    "VisitReason",
    "WeeklyRange",
]
