from django.urls import path

from . import views

app_name = "privacydesk"
urlpatterns = [
    path("", views.requests_list, name="requests"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request"),
    path("requests/<uuid:public_id>/decide/", views.request_decide, name="decide"),
    path("requests/<uuid:public_id>/tie/", views.request_tie, name="tie"),
    path("holds/", views.holds, name="holds"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold-release"),
    path("transfers/", views.transfers, name="transfers"),
    path("exports/", views.exports, name="exports"),
    path("breaches/", views.breaches, name="breaches"),
    path("breaches/<int:pk>/notified/", views.breach_notified, name="breach-notified"),
]
