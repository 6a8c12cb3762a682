"""The appointment area's addresses (placeholder until the area is built)."""

urlpatterns = []
