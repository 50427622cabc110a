"""URLs of this channel, mounted by occ/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    # machines (HMAC-signed)
    path("api/v1/telephony/cti/events/", api.CtiEventView.as_view(), name="cti-event"),
    path("api/v1/telephony/recordings/", api.PbxRecordingView.as_view(), name="pbx-recording"),
    path("api/v1/telephony/fax/", api.FaxGatewayView.as_view(), name="fax-gateway"),
    # agents
    path("api/v1/staff/phone-complaints/", api.PhoneComplaintView.as_view(), name="staff-phone-complaint"),
    path("api/v1/staff/calls/", api.CallListView.as_view(), name="staff-calls"),
    path("api/v1/staff/calls/<str:call_id>/link/", api.CallLinkView.as_view(), name="staff-call-link"),
    path("api/v1/staff/callers/<str:number>/complaints/", api.CallerComplaintsView.as_view(), name="staff-caller"),
    path("api/v1/staff/complaints/<str:reference>/recordings/", api.ComplaintRecordingsView.as_view(),
         name="staff-recordings"),
    path("api/v1/staff/recordings/<int:pk>/audio/", api.RecordingAudioView.as_view(), name="staff-recording-audio"),
    path("api/v1/staff/uploads/", api.UploadStartView.as_view(), name="staff-upload-start"),
    path("api/v1/staff/uploads/<uuid:upload_id>/", api.UploadChunkView.as_view(), name="staff-upload"),
    path("api/v1/staff/uploads/<uuid:upload_id>/complete/", api.UploadCompleteView.as_view(),
         name="staff-upload-complete"),
    path("api/v1/staff/faxes/", api.FaxListView.as_view(), name="staff-faxes"),
    path("api/v1/staff/faxes/<int:pk>/pages/<int:number>/", api.FaxPageView.as_view(), name="staff-fax-page"),
    path("api/v1/staff/faxes/<int:pk>/transcribe/", api.FaxTranscribeView.as_view(), name="staff-fax-transcribe"),
]
