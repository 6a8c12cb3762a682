"""Directory staff's back office; day-to-day moderation has its own page (/moderation/)."""

from django.contrib import admin
from django.db import models

from .models import Instance, InstanceKey, Profile, ProfileChange, ProfileReport, Specialty

HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["label", "label_en", "profession", "code", "annuaire_codes"]
    search_fields = ["label", "synonyms", "label_en", "synonyms_en", "code"]


class InstanceKeyInline(admin.TabularInline):
    """The keys an instance proved it holds: set by its registrations only."""

    model = InstanceKey
    fields = readonly_fields = ["key_id", "document"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    inlines = [InstanceKeyInline]
    list_display = ["name", "base_url", "status", "last_seen_at"]
    list_filter = ["status"]
    search_fields = ["name", "base_url"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["display_name", "specialty", "postcode", "city", "status", "source", "owner"]
    list_filter = ["status", "source", "specialty"]
    search_fields = ["last_name", "first_name", "rpps", "postcode", "city"]
    raw_id_fields = ["owner", "instance"]
    readonly_fields = ["updated_at"]
    list_select_related = ["specialty", "owner"]
    show_full_result_count = False  # a million rows: no COUNT(*) on every page


@admin.register(ProfileChange)
class ProfileChangeAdmin(admin.ModelAdmin):
    list_display = ["profile", "kind", "status", "submitted_by", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["profile", "submitted_by", "decided_by"]


@admin.register(ProfileReport)
class ProfileReportAdmin(admin.ModelAdmin):
    list_display = ["profile", "reason", "created_at", "resolved_at"]
    list_filter = ["reason"]
    raw_id_fields = ["profile"]
