from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("book/<int:practitioner_id>/", views.practitioner_page, name="practitioner"),
    path("book/<int:practitioner_id>/<int:reason_id>/", views.book_details, name="book-details"),
    path("appointment/<str:token>/", views.manage, name="manage"),
    path("appointment/<str:token>/cancel/", views.cancel, name="cancel"),
    path("appointment/<str:token>/move/", views.move, name="move"),
    path("appointment/<str:token>/calendar.ics", views.calendar_file, name="calendar-file"),
    path("api/v1/", include("clinic_instance.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
