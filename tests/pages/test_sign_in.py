"""Signing in with an email address and signing out (a POST, as Django 5 requires)."""

from django.urls import reverse

from tests.factories import UserFactory

from .conftest import PASSWORD


def test_sign_in_with_email_and_password(client):
    user = UserFactory(email="officer@example.org", display_name="Officer Ada")

    response = client.post(
        reverse("accounts:login"), {"username": "Officer@Example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("registry:home")
    home = client.get(reverse("registry:home"))
    assert home.context["user"] == user
    html = home.content.decode()
    assert "Officer Ada" in html
    assert "Sign out" in html


def test_sign_in_redirects_to_next(client):
    UserFactory(email="officer@example.org")

    response = client.post(
        reverse("accounts:login"),
        {"username": "officer@example.org", "password": PASSWORD, "next": "/tools/"},
    )

    assert response.url == "/tools/"


def test_wrong_password_shows_an_error(client):
    UserFactory(email="officer@example.org")

    response = client.post(
        reverse("accounts:login"), {"username": "officer@example.org", "password": "wrong"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert not response.context["user"].is_authenticated


def test_sign_out_is_a_post_form_in_the_header(client):
    client.force_login(UserFactory())

    html = client.get(reverse("registry:home")).content.decode()
    assert f'method="post" action="{reverse("accounts:logout")}"' in html

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not client.get(reverse("registry:home")).context["user"].is_authenticated


def test_anonymous_header_offers_sign_in(client):
    html = client.get(reverse("registry:tool-list")).content.decode()

    assert "Sign in" in html
    assert "/accounts/login/?next=/tools/" in html
