from django.contrib import admin

from .models import MailRule


@admin.register(MailRule)
class MailRuleAdmin(admin.ModelAdmin):
    list_display = ("recipient", "subject_keyword", "category", "priority", "is_active")
