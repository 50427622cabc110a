from django.urls import path

from . import views as web

app_name = "indicators-desk"
urlpatterns = [
    path("case/<str:reference>/linked/", web.case_linked, name="case-linked"),
    path("case/<str:reference>/link/", web.case_link, name="case-link"),
    path("case/<str:reference>/duplicate/", web.case_duplicate, name="case-duplicate"),
    path("case/<str:reference>/duplicate/undo/", web.case_duplicate_undo, name="case-duplicate-undo"),
    path("phone/hint/", web.phone_hint, name="phone-hint"),
]
