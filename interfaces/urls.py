"""The people's interfaces of the complaints app: the agent desk, the agency inbox, the citizen portal."""

from django.urls import include, path

from . import agency, portal

agency_patterns = (
    [
        path("", agency.inbox, name="inbox"),
        path("<uuid:delivery_id>/", agency.detail, name="detail"),
        path("<uuid:delivery_id>/acknowledge/", agency.acknowledge, name="acknowledge"),
        path("<uuid:delivery_id>/update/", agency.update, name="update"),
        path("<uuid:delivery_id>/data/", agency.return_data, name="data"),
    ],
    "agency",
)

portal_patterns = (
    [
        path("", portal.home, name="home"),
        path("file/", portal.file_complaint, name="file"),
        path("file/fields/", portal.fields, name="fields"),
        path("track/", portal.track, name="track"),
        path("my-data/", portal.my_data, name="mydata"),
        path("my-data/verify/", portal.my_data_verify, name="mydata-verify"),
        path("privacy-policy/", portal.policy, name="policy"),
        path("cookies/", portal.cookies, name="cookies"),
        path("statistics/", portal.statistics, name="statistics"),
    ],
    "portal",
)

urlpatterns = [
    path("desk/", include("interfaces.desk.urls")),
    path("agency/", include(agency_patterns)),
    path("", include(portal_patterns)),
]
