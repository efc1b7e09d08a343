"""Helpers shared by the catalogue tests."""

import copy
import json
from pathlib import Path

from accounts.models import Organization
from registry.catalog import export_catalog
from registry.models import LicenseOffer, Need, Tool, ToolUse

DATA_DIR = Path(__file__).resolve().parent / "data"
_DEMO = json.loads((DATA_DIR / "with_needs_and_offers.json").read_text(encoding="utf-8"))


def demo_data() -> dict:
    """The catalogue of data/with_needs_and_offers.json, free to change."""
    return copy.deepcopy(_DEMO)


def database_state() -> tuple:
    """What an import could change: every exported field and every row's updated_at."""
    stamps = tuple(
        tuple(model.objects.order_by("slug").values_list("slug", "updated_at"))
        for model in (Organization, Tool, Need, LicenseOffer)
    )
    return export_catalog("json"), stamps


def wipe_catalogue() -> None:
    """An empty catalogue (the vocabularies stay): the target of a round trip."""
    LicenseOffer.objects.all().delete()
    ToolUse.objects.all().delete()
    Need.objects.all().delete()
    Tool.objects.all().delete()
    Organization.objects.all().delete()
