"""The patient area's addresses (placeholder until the area is built)."""

from django.urls import path

from .auth_views import placeholder

urlpatterns = [
    path("patients/", placeholder, name="patients"),
    path("audit/", placeholder, name="audit"),
]
