from django.contrib import admin, messages

from .models import InboundItem
from .services import inbound_reprocess


@admin.register(InboundItem)
class InboundItemAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "channel", "source", "state", "attempts", "received_at", "reason")
    list_filter = ("state", "kind", "channel")
    readonly_fields = [f.name for f in InboundItem._meta.fields]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Reprocess the selected quarantined items")
    def reprocess(self, request, queryset):
        done = 0
        for item_id in queryset.filter(state=InboundItem.State.QUARANTINED).values_list("id", flat=True):
            if inbound_reprocess(item_id=item_id).state == InboundItem.State.PROCESSED:
                done += 1
        self.message_user(request, f"{done} item(s) processed.", messages.INFO)
