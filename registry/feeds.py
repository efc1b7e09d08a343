"""Atom feeds of newly added or updated tools and needs, for what the reader may see."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from registry import selectors

FEED_LENGTH = 50


class _ReaderAwareFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        # The feed is computed for whoever asks (a session cookie, or nobody).
        return request.user


class LatestToolsFeed(_ReaderAwareFeed):
    title = _("Anti-Trafficking Technology Registry: latest tools")
    link = "/tools/"
    subtitle = _("Tools added to or updated in the registry.")

    def items(self, user):
        return selectors.tool_list(user).order_by("-updated_at", "-pk")[:FEED_LENGTH]

    def item_title(self, item):
        return item.name

    def item_description(self, item):
        return item.summary

    def item_updateddate(self, item):
        return item.updated_at

    def item_pubdate(self, item):
        return item.created_at


class LatestNeedsFeed(_ReaderAwareFeed):
    title = _("Anti-Trafficking Technology Registry: open needs")
    link = "/needs/"
    subtitle = _("Needs posted by organizations.")

    def items(self, user):
        return (
            selectors.need_list(user)
            .filter(status="open")
            .order_by("-updated_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.description[:500]

    def item_updateddate(self, item):
        return item.updated_at

    def item_pubdate(self, item):
        return item.created_at
