"""The taxonomy is edited by admins in the Django admin."""

from django.contrib import admin

from .models import Category, Industry


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_zh", "order", "active")
    list_editable = ("order", "active")


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_zh", "order", "active")
    list_editable = ("order", "active")
