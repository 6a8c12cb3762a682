from django.urls import include, path

from ..link_urls import NEXT_SLOT  # also registers the manage_token converter
from . import verification_views, views, waitlist_views

MANAGE = "appointments/manage/<manage_token:token>"
WAITLIST = "waitlist/<manage_token:token>"
WAITLIST_OFFER = "waitlist/offers/<manage_token:token>"

urlpatterns = [
    path("practitioners/", views.PractitionerListView.as_view(), name="api-practitioners"),
    path(NEXT_SLOT, views.NextSlotView.as_view(), name="api-next-slot"),
    path("slots/", views.SlotListView.as_view(), name="api-slots"),
    path("appointments/", views.AppointmentCreateView.as_view(), name="api-appointments"),
    path("phone-verifications/", verification_views.PhoneVerificationView.as_view(), name="api-phone-verifications"),
    path(f"{MANAGE}/", views.ManageAppointmentView.as_view(), name="api-manage"),
    path(f"{MANAGE}/cancel/", views.CancelAppointmentView.as_view(), name="api-cancel"),
    path(f"{MANAGE}/reschedule/", views.RescheduleAppointmentView.as_view(), name="api-reschedule"),
    path("waitlist/", waitlist_views.WaitlistJoinView.as_view(), name="api-waitlist"),
    path(f"{WAITLIST}/", waitlist_views.WaitlistEntryView.as_view(), name="api-waitlist-entry"),
    path(f"{WAITLIST}/leave/", waitlist_views.WaitlistLeaveView.as_view(), name="api-waitlist-leave"),
    path(f"{WAITLIST_OFFER}/", waitlist_views.WaitlistOfferView.as_view(), name="api-waitlist-offer"),
    path(f"{WAITLIST_OFFER}/accept/", waitlist_views.WaitlistOfferAcceptView.as_view(), name="api-waitlist-accept"),
    path(f"{WAITLIST_OFFER}/decline/", waitlist_views.WaitlistOfferDeclineView.as_view(), name="api-waitlist-decline"),
    path("staff/", include("clinic_instance.api.staff_urls")),
]
