from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("tools/", views.tool_list, name="tool-list"),
    path("tools/new/", views.tool_create, name="tool-create"),
    path("tools/<slug:slug>/", views.tool_detail, name="tool-detail"),
    path("tools/<slug:slug>/edit/", views.tool_edit, name="tool-edit"),
    path("tools/<slug:slug>/delete/", views.tool_delete, name="tool-delete"),
    path("tools/<slug:slug>/reviewed/", views.tool_mark_reviewed, name="tool-mark-reviewed"),
    path("needs/", views.need_list, name="need-list"),
    path("needs/new/", views.need_create, name="need-create"),
    path("needs/<slug:slug>/", views.need_detail, name="need-detail"),
    path("needs/<slug:slug>/edit/", views.need_edit, name="need-edit"),
    path("needs/<slug:slug>/met/", views.need_mark_met, name="need-mark-met"),
    path("licences/", views.licence_list, name="licence-list"),
    path("licences/<slug:slug>/request/", views.licence_request, name="licence-request"),
    path(
        "licences/requests/<int:pk>/<str:decision>/",
        views.licence_request_decide,
        name="licence-request-decide",
    ),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("organizations/<slug:slug>/join/", views.organization_join, name="organization-join"),
    path(
        "organizations/<slug:slug>/workspace/",
        views.organization_workspace,
        name="organization-workspace",
    ),
    path(
        "organizations/<slug:slug>/workspace/<slug:action>/",
        views.organization_workspace_action,
        name="organization-workspace-action",
    ),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/hide/", views.moderation_hide, name="moderation-hide"),
    path("moderation/access-log/", views.moderation_access_log, name="moderation-access-log"),
    path("moderation/duplicates/", views.moderation_duplicates, name="moderation-duplicates"),
    path(
        "moderation/organizations/<slug:slug>/",
        views.moderation_decide,
        name="moderation-decide",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    # Search page.
    # Need-tool matches, co-signing and duplicate reviews.
    # Catalogue import and export jobs.
    # Licence offers and translated summaries.
]
