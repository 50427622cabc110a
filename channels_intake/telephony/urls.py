"""URLs of this channel, mounted at the site root by occ/urls.py."""

from django.urls import path

from .api import calls, fax, machine, recordings, uploads, uploads_pbx

urlpatterns = [
    # the telephone system (PBX/CTI) and the fax gateway: HMAC-signed
    path("api/v1/telephony/cti/events/", machine.CtiEventView.as_view(), name="cti-event"),
    path("api/v1/telephony/recordings/", machine.PbxRecordingView.as_view(), name="pbx-recording"),
    path(
        "api/v1/telephony/recording-uploads/",
        uploads_pbx.PbxUploadStartView.as_view(),
        name="pbx-upload-start",
    ),
    path(
        "api/v1/telephony/recording-uploads/<uuid:upload_id>/",
        uploads_pbx.PbxUploadView.as_view(),
        name="pbx-upload",
    ),
    path(
        "api/v1/telephony/recording-uploads/<uuid:upload_id>/finalize/",
        uploads_pbx.PbxUploadFinalizeView.as_view(),
        name="pbx-upload-finalize",
    ),
    path("api/v1/telephony/fax/", machine.FaxGatewayView.as_view(), name="fax-gateway"),
    # agents
    path("api/v1/staff/phone-complaints/", calls.PhoneComplaintView.as_view(), name="staff-phone-complaint"),
    path("api/v1/staff/caller-lookup/", calls.CallerLookupView.as_view(), name="staff-caller-lookup"),
    path("api/v1/staff/calls/", calls.CallListView.as_view(), name="staff-calls"),
    path("api/v1/staff/calls/<str:call_id>/", calls.CallDetailView.as_view(), name="staff-call"),
    path("api/v1/staff/calls/<str:call_id>/link/", calls.CallLinkView.as_view(), name="staff-call-link"),
    path(
        "api/v1/staff/calls/<str:call_id>/earlier-complaints/",
        calls.CallEarlierComplaintsView.as_view(),
        name="staff-call-earlier-complaints",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/recordings/",
        recordings.ComplaintRecordingsView.as_view(),
        name="staff-recordings",
    ),
    path(
        "api/v1/staff/recordings/<int:pk>/", recordings.RecordingDetailView.as_view(), name="staff-recording"
    ),
    path(
        "api/v1/staff/recordings/<int:pk>/audio/",
        recordings.RecordingAudioView.as_view(),
        name="staff-recording-audio",
    ),
    path(
        "api/v1/staff/recording-uploads/", uploads.StaffUploadStartView.as_view(), name="staff-upload-start"
    ),
    path(
        "api/v1/staff/recording-uploads/<uuid:upload_id>/",
        uploads.StaffUploadView.as_view(),
        name="staff-upload",
    ),
    path(
        "api/v1/staff/recording-uploads/<uuid:upload_id>/finalize/",
        uploads.StaffUploadFinalizeView.as_view(),
        name="staff-upload-finalize",
    ),
    path("api/v1/staff/faxes/", fax.FaxListView.as_view(), name="staff-faxes"),
    path("api/v1/staff/faxes/<int:pk>/", fax.FaxDetailView.as_view(), name="staff-fax"),
    path("api/v1/staff/faxes/<int:pk>/pages/<int:number>/", fax.FaxPageView.as_view(), name="staff-fax-page"),
    path(
        "api/v1/staff/faxes/<int:pk>/transcribe/",
        fax.FaxTranscribeView.as_view(),
        name="staff-fax-transcribe",
    ),
]
