"""The clinic's URLs with the message templates' pages, until clinic_instance/workspace/urls.py includes them."""

from django.urls import include, path

from clinic_instance import urls as clinic_urls
from clinic_instance.workspace import message_template_urls
from clinic_instance.workspace import urls as workspace_urls

_included = any(getattr(p, "name", None) == "message-templates" for p in workspace_urls.urlpatterns)
_workspace = [*workspace_urls.urlpatterns, *([] if _included else message_template_urls.urlpatterns)]
urlpatterns = [
    path("workspace/", include((_workspace, "workspace"))) if str(p.pattern) == "workspace/" else p
    for p in clinic_urls.urlpatterns
]
