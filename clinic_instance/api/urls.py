from django.urls import include, path

from . import verification_views, views

# The manage_token converter is registered by clinic_instance.urls, which includes this module.

MANAGE = "appointments/manage/<manage_token:token>"

urlpatterns = [
    path("practitioners/", views.PractitionerListView.as_view(), name="api-practitioners"),
    path("practitioners/<int:practitioner_id>/next-slot/", views.NextSlotView.as_view(), name="api-next-slot"),
    path("slots/", views.SlotListView.as_view(), name="api-slots"),
    path("appointments/", views.AppointmentCreateView.as_view(), name="api-appointments"),
    path("phone-verifications/", verification_views.PhoneVerificationView.as_view(), name="api-phone-verifications"),
    path(f"{MANAGE}/", views.ManageAppointmentView.as_view(), name="api-manage"),
    path(f"{MANAGE}/cancel/", views.CancelAppointmentView.as_view(), name="api-cancel"),
    path(f"{MANAGE}/reschedule/", views.RescheduleAppointmentView.as_view(), name="api-reschedule"),
    path("staff/", include("clinic_instance.api.staff_urls")),
]
