from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_account

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.two_factor_verify, name="two-factor-verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("security/", views.security, name="security"),
    path("security/password/", views.password_change, name="password-change"),
    path("security/confirm/", views.reauthenticate, name="reauthenticate"),
    path("security/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("security/two-factor/off/", views.two_factor_disable, name="two-factor-disable"),
    path(
        "security/sign-out-everywhere/", views.sign_out_everywhere_view, name="sign-out-everywhere"
    ),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("me/", views_account.account, name="account"),
    path("me/tokens/", views_account.token_list, name="tokens"),
    path("me/tokens/new/", views_account.token_create, name="token-create"),
    path("me/tokens/<int:pk>/revoke/", views_account.token_revoke, name="token-revoke"),
    path("me/export/", views.personal_data_export, name="personal-data-export"),
    path("me/delete/", views.account_delete, name="account-delete"),
]
