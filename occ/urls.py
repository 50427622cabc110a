from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from channels_intake.web import ComplaintIntakeView
from complaints.api import public, staff
from occ.api import auth
from occ.health import health
from occ.observability.metrics import metrics_view
from privacy.ops.api import transfers as privacy_api
from routing.api import agency
from routing.api import staff as routing

api_v1 = [
    path("api/v1/categories/", public.CategoryListView.as_view(), name="category-list"),
    path("api/v1/complaints/", ComplaintIntakeView.as_view(), name="complaint-file"),
    path("api/v1/track/", public.TrackView.as_view(), name="complaint-track"),
    path("api/v1/auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("api/v1/auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("api/v1/auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("api/v1/staff/complaints/", staff.ComplaintListView.as_view(), name="staff-complaint-list"),
    path(
        "api/v1/staff/complaints/<str:reference>/",
        staff.ComplaintDetailView.as_view(),
        name="staff-complaint",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/status/",
        staff.ComplaintStatusView.as_view(),
        name="staff-complaint-status",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/notes/",
        staff.ComplaintNoteView.as_view(),
        name="staff-complaint-notes",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/assign/",
        staff.ComplaintAssignView.as_view(),
        name="staff-complaint-assign",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/incident/",
        staff.ComplaintIncidentView.as_view(),
        name="staff-complaint-incident",
    ),
    path(
        "api/v1/staff/attachments/<int:pk>/download/",
        staff.AttachmentDownloadView.as_view(),
        name="staff-attachment-download",
    ),
    # routing and referrals (staff)
    path(
        "api/v1/staff/complaints/<str:reference>/routing/",
        routing.RoutingView.as_view(),
        name="staff-routing",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/referrals/", routing.ReferView.as_view(), name="staff-refer"
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/consents/",
        routing.ConsentView.as_view(),
        name="staff-consent",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/consents/<int:pk>/withdraw/",
        routing.ConsentWithdrawView.as_view(),
        name="staff-consent-withdraw",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/legal-orders/",
        routing.LegalOrderView.as_view(),
        name="staff-legal-order",
    ),
    path("api/v1/staff/statistics/", staff.StatisticsView.as_view(), name="staff-statistics"),
    path("api/v1/staff/referrals/", routing.ReferralQueueView.as_view(), name="staff-referral-queue"),
    path(
        "api/v1/staff/referrals/<int:pk>/resend/",
        routing.ReferralResendView.as_view(),
        name="staff-referral-resend",
    ),
    # agency API (officers and agency systems)
    path("api/v1/agency/referrals/", agency.ReferralListView.as_view(), name="agency-referrals"),
    path("api/v1/agency/notices/", agency.NoticeListView.as_view(), name="agency-notices"),
    path(
        "api/v1/agency/referrals/<uuid:delivery_id>/",
        agency.ReferralDetailView.as_view(),
        name="agency-referral",
    ),
    path(
        "api/v1/agency/referrals/<uuid:delivery_id>/acknowledge/",
        agency.ReferralAckView.as_view(),
        name="agency-referral-ack",
    ),
    path(
        "api/v1/agency/referrals/<uuid:delivery_id>/updates/",
        agency.ReferralUpdateView.as_view(),
        name="agency-referral-update",
    ),
    path(
        "api/v1/agency/referrals/<uuid:delivery_id>/data/",
        agency.ReferralDataView.as_view(),
        name="agency-referral-data",
    ),
    # transfer log (auditors)
    path("api/v1/audit/transfers/", privacy_api.TransferLogView.as_view(), name="audit-transfers"),
    path(
        "api/v1/audit/transfers/verify/",
        privacy_api.TransferLogVerifyView.as_view(),
        name="audit-transfers-verify",
    ),
]

_SWAGGER_CDN = "https://cdn.jsdelivr.net"
_swagger_csp = csp_update(
    {"script-src": [_SWAGGER_CDN], "style-src": [_SWAGGER_CDN, "'unsafe-inline'"], "img-src": [_SWAGGER_CDN]}
)

urlpatterns = [
    *api_v1,
    path("health/", health, name="health"),
    path("metrics/", metrics_view, name="metrics"),
    path("", include("channels_intake.email.urls")),
    path("", include("channels_intake.telephony.urls")),
    path("", include("privacy.ops.urls")),
    path("", include("channels_intake.open311.urls")),
    path("", include("indicators.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The one page that loads code from elsewhere (Swagger UI from its CDN, with its inline style).
    path("api/docs/", _swagger_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/privacy/", include("interfaces.privacydesk.urls")),
    path("desk/indicators/", include("interfaces.indicators.urls")),
    path("", include("interfaces.urls")),
]

# Staff reach the admin only after the second factor, like the desk.
admin.site.__class__ = OTPAdminSite

handler400 = "occ.api.views.bad_request"
handler404 = "occ.api.views.not_found"
handler500 = "occ.api.views.server_error"
