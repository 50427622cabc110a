from django.urls import path

from ..auth import login_view, logout_view, otp_view
from . import case, media, phone, queues, supervisor

app_name = "desk"
urlpatterns = [
    path("login/", login_view, name="login"),
    path("login/otp/", otp_view, name="otp"),
    path("logout/", logout_view, name="logout"),
    path("", queues.queue, name="queue"),
    path("quarantine/<int:pk>/reprocess/", queues.quarantine_reprocess, name="reprocess"),
    path("search/", queues.search, name="search"),
    path("case/<str:reference>/", case.case, name="case"),
    path("case/<str:reference>/preview/", case.case_preview, name="case-preview"),
    path("case/<str:reference>/status/", case.case_status, name="case-status"),
    path("case/<str:reference>/note/", case.case_note, name="case-note"),
    path("case/<str:reference>/assign/", case.case_assign, name="case-assign"),
    path("case/<str:reference>/route/", case.case_route, name="case-route"),
    path("case/<str:reference>/consent/", case.case_consent, name="case-consent"),
    path("case/<str:reference>/transcribe/", case.fax_transcribe, name="case-transcribe"),
    path("case/<str:reference>/recording/", case.recording_upload, name="case-recording"),
    path("referrals/<int:pk>/resend/", case.referral_resend, name="resend"),
    path("recordings/<int:pk>/audio/", media.recording_audio, name="recording-audio"),
    path("attachments/<int:pk>/", media.attachment, name="attachment"),
    path("faxes/<int:pk>/pages/<int:number>/", media.fax_page, name="fax-page"),
    path("phone/", phone.phone, name="phone"),
    path("phone/history/", phone.phone_history, name="phone-history"),
    path("phone/fields/", phone.phone_fields, name="phone-fields"),
    path("supervisor/", supervisor.supervisor, name="supervisor"),
]
