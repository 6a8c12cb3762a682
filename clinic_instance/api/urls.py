from django.urls import path, register_converter

from ..converters import ManageTokenConverter
from . import views

register_converter(ManageTokenConverter, "manage_token")

MANAGE = "appointments/manage/<manage_token:token>"

urlpatterns = [
    path("practitioners/", views.PractitionerListView.as_view(), name="api-practitioners"),
    path("slots/", views.SlotListView.as_view(), name="api-slots"),
    path("appointments/", views.AppointmentCreateView.as_view(), name="api-appointments"),
    path(f"{MANAGE}/", views.ManageAppointmentView.as_view(), name="api-manage"),
    path(f"{MANAGE}/cancel/", views.CancelAppointmentView.as_view(), name="api-cancel"),
    path(f"{MANAGE}/reschedule/", views.RescheduleAppointmentView.as_view(), name="api-reschedule"),
]
