from django.urls import path

from . import views, views_history, views_jobs, views_matching, views_offers, views_search

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
    path("search/", views_search.search, name="search"),
    # Need-tool matches, co-signing and duplicate reviews.
    path(
        "needs/<slug:slug>/matches/",
        views_matching.need_match_decide,
        name="need-match-decide",
    ),
    path(
        "needs/<slug:slug>/matches/undo/",
        views_matching.need_match_undo,
        name="need-match-undo",
    ),
    path("needs/<slug:slug>/cosign/", views_matching.need_cosign, name="need-cosign"),
    path(
        "needs/<slug:slug>/cosign/withdraw/",
        views_matching.need_cosign_withdraw,
        name="need-cosign-withdraw",
    ),
    path(
        "moderation/duplicates/review/",
        views_matching.pair_review,
        name="moderation-pair-review",
    ),
    path(
        "moderation/duplicates/reviews/<int:pk>/undo/",
        views_matching.pair_review_undo,
        name="moderation-pair-review-undo",
    ),
    # Catalogue import and export jobs.
    path("catalog/jobs/", views_jobs.job_list, name="catalog-job-list"),
    path("catalog/jobs/new-import/", views_jobs.job_import, name="catalog-job-import"),
    path("catalog/jobs/new-export/", views_jobs.job_export, name="catalog-job-export"),
    path("catalog/jobs/<int:pk>/", views_jobs.job_detail, name="catalog-job-detail"),
    path("catalog/jobs/<int:pk>/errors.csv", views_jobs.job_errors_csv, name="catalog-job-errors"),
    path("catalog/jobs/<int:pk>/download", views_jobs.job_download, name="catalog-job-download"),
    path(
        "history/<str:record_type>/<int:record_id>/restore/<int:change_id>/",
        views_history.history_restore,
        name="history-restore",
    ),
    # Licence offers and translated summaries.
    path("licences/new/", views_offers.offer_create, name="licence-offer-create"),
    path("licences/<slug:slug>/edit/", views_offers.offer_edit, name="licence-offer-edit"),
    path("licences/<slug:slug>/close/", views_offers.offer_close, name="licence-offer-close"),
    path(
        "tools/<slug:slug>/offers/new/",
        views_offers.offer_create_for_tool,
        name="tool-offer-create",
    ),
    path(
        "tools/<slug:slug>/translations/",
        views_offers.translation_list,
        name="tool-translations",
    ),
    path(
        "tools/<slug:slug>/translations/<slug:language>/",
        views_offers.translation_edit,
        name="tool-translation-edit",
    ),
    path(
        "tools/<slug:slug>/translations/<slug:language>/delete/",
        views_offers.translation_delete,
        name="tool-translation-delete",
    ),
]
