from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.favicon import favicon_urlpatterns

from . import api, federation_views, moderation_views, practitioner_views, views

urlpatterns = [
    *favicon_urlpatterns,
    path("", include("config.operations.urls")),
    path(".well-known/openrdv", federation_views.discovery, name="federation-discovery"),
    path("federation/v1/instances/", federation_views.register_instance, name="federation-register"),
    path("federation/v1/profiles/<str:ref>", federation_views.receive_profile, name="federation-profile"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
# French at /, English at /en/: the language is in the address, never in a cookie. Every address a
# person or a page's script follows is in both (tests/directory/test_languages.py walks them): the
# hand-off, and the API, whose specialty labels and suggestions follow the address's language.
urlpatterns += i18n_patterns(
    path("", views.search, name="search"),
    path("go/<int:profile_id>/", views.go, name="go"),
    path("api/v1/search/", api.SearchView.as_view(), name="api-search"),
    path("api/v1/specialties/", api.SpecialtySuggestionView.as_view(), name="api-specialties"),
    path("api/v1/places/", api.PlaceSuggestionView.as_view(), name="api-places"),
    path("p/<int:profile_id>/", views.profile, name="profile"),
    path("p/<int:profile_id>/report/", views.report, name="report"),
    path("practitioners/signup/", practitioner_views.signup, name="signup"),
    path("practitioners/verify/<str:token>/", practitioner_views.verify_email, name="verify-email"),
    path(
        "practitioners/login/",
        auth_views.LoginView.as_view(template_name="directory/practitioners/login.html"),
        name="login",
    ),
    path("practitioners/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("practitioners/", practitioner_views.account, name="practitioner-account"),
    path("practitioners/claim/", practitioner_views.claim, name="claim-profile"),
    path("practitioners/new/", practitioner_views.create_profile, name="create-profile"),
    path("practitioners/profiles/<int:profile_id>/", practitioner_views.edit_profile, name="edit-profile"),
    path("moderation/", moderation_views.queue, name="moderation"),
    path("moderation/changes/<int:change_id>/<str:decision>/", moderation_views.decide_change, name="decide-change"),
    path("moderation/profiles/<int:profile_id>/<str:status>/", moderation_views.set_status, name="set-status"),
    path(
        "moderation/profiles/<int:profile_id>/reports/resolve/",
        moderation_views.resolve_reports,
        name="resolve-reports",
    ),
    path(
        "moderation/instances/<int:instance_id>/<str:status>/",
        moderation_views.set_instance_status,
        name="set-instance-status",
    ),
    prefix_default_language=False,
)
