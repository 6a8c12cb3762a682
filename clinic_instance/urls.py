from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from config.favicon import favicon_urlpatterns

from . import federation_views, views, waitlist_views
from .link_urls import API, MANAGE, PRACTITIONER, SMS, WAITLIST_OFFER, WORKSPACE  # registers manage_token
from .workspace import calendar_feed_views

urlpatterns = [
    *favicon_urlpatterns,
    path("", include("config.operations.urls")),
    path(".well-known/openrdv", federation_views.discovery, name="federation-discovery"),
    path("federation/v1/feed/", federation_views.feed, name="federation-feed"),
    path("", views.home, name="home"),
    path(PRACTITIONER, views.practitioner_page, name="practitioner"),
    path("book/<int:practitioner_id>/<int:reason_id>/", views.book_details, name="book-details"),
    path("book/<int:practitioner_id>/<int:reason_id>/waitlist/", waitlist_views.join, name="waitlist-join"),
    path("waitlist/<manage_token:token>/", waitlist_views.entry, name="waitlist-entry"),
    path("waitlist/<manage_token:token>/leave/", waitlist_views.leave, name="waitlist-leave"),
    path(WAITLIST_OFFER, waitlist_views.offer, name="waitlist-offer"),
    path(MANAGE, views.manage, name="manage"),
    path("appointment/<manage_token:token>/cancel/", views.cancel, name="cancel"),
    path("appointment/<manage_token:token>/move/", views.move, name="move"),
    path("appointment/<manage_token:token>/calendar.ics", views.calendar_file, name="calendar-file"),
    path("calendar/<str:token>.ics", calendar_feed_views.feed, name="calendar-feed"),
    path(WORKSPACE, include("clinic_instance.workspace.urls")),
    path(SMS, include("clinic_instance.sms.urls")),
    path(API, include("clinic_instance.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("i18n/", include("django.conf.urls.i18n")),
    # One sign-in for the admin and the workspace, second factor included.
    path("admin/login/", RedirectView.as_view(pattern_name="workspace:login", query_string=True)),
    path("admin/", admin.site.urls),
]
