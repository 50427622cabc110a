from django.urls import path

from .api import public, staff, staff_records, staff_retention

p = "api/v1/privacy/"
urlpatterns = [
    path(f"{p}requests/", public.RequestFileView.as_view(), name="privacy-request-file"),
    path(f"{p}requests/verify/", public.RequestVerifyView.as_view(), name="privacy-request-verify"),
    path(f"{p}requests/status/", public.RequestStatusView.as_view(), name="privacy-request-status"),
    path(f"{p}requests/export/", public.RequestExportView.as_view(), name="privacy-request-export"),
    path(f"{p}policy/", public.PolicyView.as_view(), name="privacy-policy"),
    path(f"{p}notices/", public.NoticeFeedView.as_view(), name="privacy-notices"),
    path(f"{p}cookies/", public.CookieChoiceView.as_view(), name="privacy-cookies"),
    path(f"{p}staff/requests/", staff.RequestListView.as_view(), name="privacy-staff-requests"),
    path(
        f"{p}staff/requests/<uuid:public_id>/",
        staff.RequestDetailView.as_view(),
        name="privacy-staff-request",
    ),
    path(
        f"{p}staff/requests/<uuid:public_id>/grant/",
        staff.RequestGrantView.as_view(),
        name="privacy-staff-request-grant",
    ),
    path(
        f"{p}staff/requests/<uuid:public_id>/refuse/",
        staff.RequestRefuseView.as_view(),
        name="privacy-staff-request-refuse",
    ),
    path(
        f"{p}staff/requests/<uuid:public_id>/complaints/",
        staff.RequestTieView.as_view(),
        name="privacy-staff-request-tie",
    ),
    path(
        f"{p}staff/requests/<uuid:public_id>/export/",
        staff.RequestExportView.as_view(),
        name="privacy-staff-request-export",
    ),
    path(f"{p}staff/holds/", staff_retention.HoldListView.as_view(), name="privacy-holds"),
    path(
        f"{p}staff/holds/<int:pk>/release/",
        staff_retention.HoldReleaseView.as_view(),
        name="privacy-hold-release",
    ),
    path(f"{p}staff/purge-runs/", staff_retention.PurgeRunListView.as_view(), name="privacy-purge-runs"),
    path(f"{p}staff/breaches/", staff_records.BreachListView.as_view(), name="privacy-breaches"),
    path(
        f"{p}staff/breaches/<int:pk>/notified/",
        staff_records.BreachNotifiedView.as_view(),
        name="privacy-breach-notified",
    ),
    path(f"{p}staff/processing-record/", staff_records.ProcessingRecordView.as_view(), name="privacy-ropa"),
    path(f"{p}staff/access-report/", staff_records.AccessReportView.as_view(), name="privacy-access-report"),
    path(f"{p}staff/traffic/", staff_records.TrafficSearchView.as_view(), name="privacy-traffic-search"),
    path(f"{p}staff/policies/", staff_records.PolicyDraftView.as_view(), name="privacy-policy-draft"),
    path(
        f"{p}staff/policies/<int:pk>/publish/",
        staff_records.PolicyPublishView.as_view(),
        name="privacy-policy-publish",
    ),
]
