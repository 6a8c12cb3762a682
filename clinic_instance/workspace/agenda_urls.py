"""The agenda area's addresses (placeholder until the area is built)."""

from django.urls import path

from .auth_views import placeholder

urlpatterns = [
    path("agenda/", placeholder, name="agenda"),
]
