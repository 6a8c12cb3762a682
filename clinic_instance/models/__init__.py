from .appointments import Appointment
from .audit import AuditEntry
from .federation import DirectoryRegistration, OutboxMessage
from .messages import MessageTemplate, OutgoingMessage, SmsOptOut
from .patients import Patient
from .practice import Clinic, Practitioner, VisitReason
from .schedules import ScheduleException, WeeklyRange
from .staff import CalendarFeed, StaffInvite, StaffMember
from .verification import PhoneVerification
from .waitlist import WaitlistEntry, WaitlistJoin, WaitlistOffer

__all__ = [
    "Appointment",
    "AuditEntry",
    "CalendarFeed",
    "Clinic",
    "DirectoryRegistration",
    "MessageTemplate",
    "OutboxMessage",
    "OutgoingMessage",
    "Patient",
    "PhoneVerification",
    "Practitioner",
    "ScheduleException",
    "SmsOptOut",
    "StaffInvite",
    "StaffMember",
    "VisitReason",
    "WaitlistEntry",
    "WaitlistJoin",
    "WaitlistOffer",
    "WeeklyRange",
]
