from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from channels_intake.web import ComplaintIntakeView
from complaints.api import public, staff
from occ.api import auth

api_v1 = [
    path("api/v1/categories/", public.CategoryListView.as_view(), name="category-list"),
    path("api/v1/complaints/", ComplaintIntakeView.as_view(), name="complaint-file"),
    path("api/v1/track/", public.TrackView.as_view(), name="complaint-track"),
    path("api/v1/auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("api/v1/auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("api/v1/auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("api/v1/staff/complaints/", staff.ComplaintListView.as_view(), name="staff-complaint-list"),
    path("api/v1/staff/complaints/<str:reference>/", staff.ComplaintDetailView.as_view(), name="staff-complaint"),
    path("api/v1/staff/complaints/<str:reference>/status/", staff.ComplaintStatusView.as_view(),
         name="staff-complaint-status"),
    path("api/v1/staff/complaints/<str:reference>/notes/", staff.ComplaintNoteView.as_view(),
         name="staff-complaint-notes"),
    path("api/v1/staff/complaints/<str:reference>/assign/", staff.ComplaintAssignView.as_view(),
         name="staff-complaint-assign"),
    path("api/v1/staff/attachments/<int:pk>/download/", staff.AttachmentDownloadView.as_view(),
         name="staff-attachment-download"),
]

urlpatterns = [
    *api_v1,
    path("", include("channels_intake.email.urls")),
    path("", include("channels_intake.telephony.urls")),
    path("", include("privacy.ops.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
