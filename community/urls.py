from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:pk>/", views.thread_detail, name="thread-detail"),
    path("messages/<int:pk>/reply/", views.thread_reply, name="thread-reply"),
    path("messages/<int:pk>/close/", views.thread_close, name="thread-close"),
    path("contact/tool/<slug:slug>/", views.contact_tool, name="contact-tool"),
    path("contact/need/<slug:slug>/", views.contact_need, name="contact-need"),
    path("report/tool/<slug:slug>/", views.report_tool, name="report-tool"),
    path("report/need/<slug:slug>/", views.report_need, name="report-need"),
    path("report/organization/<slug:slug>/", views.report_organization, name="report-organization"),
    path("reports/mine/", views.my_reports, name="my-reports"),
    path("reports/", views.report_queue, name="report-queue"),
    path("reports/<int:pk>/", views.report_resolve, name="report-resolve"),
]
