from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import api, views

urlpatterns = [
    path("go/<int:profile_id>/", views.go, name="go"),
    path("api/v1/search/", api.SearchView.as_view(), name="api-search"),
    path("api/v1/specialties/", api.SpecialtySuggestionView.as_view(), name="api-specialties"),
    path("api/v1/places/", api.PlaceSuggestionView.as_view(), name="api-places"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
# French at /, English at /en/: the language is in the address, never in a cookie.
urlpatterns += i18n_patterns(
    path("", views.search, name="search"),
    path("p/<int:profile_id>/", views.profile, name="profile"),
    prefix_default_language=False,
)
