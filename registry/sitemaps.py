"""Sitemaps for search engines: public records only (computed as an anonymous reader)."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap

from registry import selectors


class ToolSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return selectors.tools_visible_to(AnonymousUser()).order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class NeedSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return selectors.needs_visible_to(AnonymousUser()).order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class OrganizationSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return selectors.organizations_visible_to(AnonymousUser()).order_by("pk")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"tools": ToolSitemap, "needs": NeedSitemap, "organizations": OrganizationSitemap}
