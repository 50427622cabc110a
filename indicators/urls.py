from django.urls import path

from . import api, api_clusters

urlpatterns = [
    path(
        "api/v1/staff/complaints/<str:reference>/linked/",
        api.ComplaintLinkedView.as_view(),
        name="staff-complaint-linked",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/links/",
        api.ComplaintLinkView.as_view(),
        name="staff-complaint-link",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/duplicate/",
        api.ComplaintDuplicateView.as_view(),
        name="staff-complaint-duplicate",
    ),
    path(
        "api/v1/staff/complaints/<str:reference>/duplicate/undo/",
        api.ComplaintDuplicateUndoView.as_view(),
        name="staff-complaint-duplicate-undo",
    ),
    path("api/v1/staff/links/<int:pk>/undo/", api.LinkUndoView.as_view(), name="staff-link-undo"),
    path("api/v1/staff/indicators/", api.IndicatorSearchView.as_view(), name="staff-indicator-search"),
    path(
        "api/v1/staff/indicators/<int:pk>/state/",
        api.IndicatorStateView.as_view(),
        name="staff-indicator-state",
    ),
    path("api/v1/staff/clusters/", api_clusters.ClusterListView.as_view(), name="staff-cluster-list"),
    path("api/v1/staff/clusters/<int:pk>/", api_clusters.ClusterDetailView.as_view(), name="staff-cluster"),
    path("api/v1/agency/indicators/", api.AgencyIndicatorExportView.as_view(), name="agency-indicators"),
]
