from django.contrib import admin

from privacy.admin import ReadOnlyAdmin

from .models import AgentExtension, Call, Fax, Recording, UploadSession


@admin.register(AgentExtension)
class AgentExtensionAdmin(admin.ModelAdmin):
    """Which agent answers on which PBX extension: the one telephony table administrators edit."""

    list_display = ("extension", "user")
    search_fields = ("extension", "user__username")
    autocomplete_fields = ("user",)


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ("call_id", "called_line", "agent_extension", "started_at", "ended_at", "complaint")
    exclude = ("caller_number",)


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ("id", "codec", "duration_seconds", "size", "source", "created_at")


@admin.register(UploadSession)
class UploadSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "source", "state", "received", "total_size", "created_at", "expires_at")


@admin.register(Fax)
class FaxAdmin(ReadOnlyAdmin):
    list_display = ("id", "complaint", "pages", "content_type", "received_at", "previews", "transcribed_at")
    exclude = ("sender_number",)
