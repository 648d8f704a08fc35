from django.contrib import admin

from .models import Division, Membership, Unit


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "path"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "division", "parent", "active"]
    list_filter = ["type", "active"]
    autocomplete_fields = ["division"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role"]
    autocomplete_fields = ["unit"]
