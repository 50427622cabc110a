from django.contrib import admin

from privacy.admin import ReadOnlyAdmin

from .models import Call, Fax, Recording


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ("call_id", "called_line", "agent_extension", "started_at", "ended_at", "complaint")


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ("id", "codec", "duration_seconds", "size", "source", "created_at")


@admin.register(Fax)
class FaxAdmin(ReadOnlyAdmin):
    list_display = ("id", "complaint", "pages", "content_type", "received_at", "transcribed_at")
