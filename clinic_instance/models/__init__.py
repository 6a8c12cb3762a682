from .appointments import Appointment
from .federation import DirectoryRegistration, OutboxMessage
from .patients import Patient
from .practice import Clinic, Practitioner, VisitReason
from .schedules import ScheduleException, WeeklyRange
from .staff import StaffMember

__all__ = [
    "Appointment",
    "Clinic",
    "DirectoryRegistration",
    "OutboxMessage",
    "Patient",
    "Practitioner",
    "ScheduleException",
    "StaffMember",
    "VisitReason",
    "WeeklyRange",
]
