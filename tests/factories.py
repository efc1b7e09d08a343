"""factory_boy factories for every model. Facets are given as lists of codes."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import Membership, Organization, Role, User, VerificationStatus
from registry.models import LicenseOffer, LicenseRequest, Need, Tool, ToolUse


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    sector = "ngo"
    country = "US"
    website = "https://example.org"
    verification_status = VerificationStatus.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.VIEWER


class _FacetedFactory(factory.django.DjangoModelFactory):
    """Sets many-to-many facets from lists of codes after the row is created."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        facets = {k: kwargs.pop(k) for k in list(kwargs) if k in model_class.FACETS}
        obj = super()._create(model_class, *args, **kwargs)
        for field, codes in facets.items():
            getattr(obj, field).set(codes)
        return obj


class ToolFactory(_FacetedFactory):
    class Meta:
        model = Tool

    slug = factory.Sequence(lambda n: f"tool-{n}")
    name = factory.Sequence(lambda n: f"Tool {n}")
    organization = factory.SubFactory(OrganizationFactory)
    summary = "Helps investigators find trafficking victims in online advertisements."
    description = "A longer account of what the tool does and who it is for."
    availability = "free"
    maturity = "deployed"
    visibility = "public"
    purposes = ["disrupt"]
    functions = ["victim_identification"]
    last_reviewed_at = factory.LazyFunction(timezone.now)


class NeedFactory(_FacetedFactory):
    class Meta:
        model = Need

    slug = factory.Sequence(lambda n: f"need-{n}")
    title = factory.Sequence(lambda n: f"Need {n}")
    organization = factory.SubFactory(OrganizationFactory)
    description = "We need a secure way to share case referrals with shelters."
    visibility = "public"
    functions = ["information_sharing"]


class ToolUseFactory(_FacetedFactory):
    class Meta:
        model = ToolUse

    organization = factory.SubFactory(OrganizationFactory)
    tool = factory.SubFactory(ToolFactory)
    visibility = "public"


class LicenseOfferFactory(_FacetedFactory):
    class Meta:
        model = LicenseOffer

    slug = factory.Sequence(lambda n: f"offer-{n}")
    tool = factory.SubFactory(ToolFactory)
    organization = factory.SelfAttribute("tool.organization")
    title = factory.Sequence(lambda n: f"Offer {n}")
    terms = "free"


class LicenseRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseRequest

    offer = factory.SubFactory(LicenseOfferFactory)
    organization = factory.SubFactory(OrganizationFactory)
    message = "We would like to use this tool in our shelters."
