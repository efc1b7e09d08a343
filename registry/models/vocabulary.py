"""One small table per controlled vocabulary, keyed by the code itself.

Multi-valued facets are many-to-many links to these tables. Because the code is the primary
key, a facet filter such as `functions="case_management"` is an indexed lookup on the link
table alone, identical on SQLite and PostgreSQL, and the database refuses unknown codes.
"""

from django.db import models

from core import taxonomy


class VocabularyTerm(models.Model):
    code = models.CharField(max_length=40, primary_key=True)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    # The TextChoices that define the vocabulary, or a function returning (code, label) pairs.
    choices_source = None

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return str(self.display_label)

    @property
    def display_label(self):
        """The label in the active language (vocabulary labels are translated in code)."""
        return dict(self.definitions()).get(self.code, self.label)

    @classmethod
    def definitions(cls) -> list[tuple[str, str]]:
        source = cls.choices_source
        if source is None:
            return []
        if callable(source) and not hasattr(source, "choices"):
            return source()
        return list(source.choices)


class Sector(VocabularyTerm):
    """Sector of an organization; also the sectors a restricted record is opened to."""

    choices_source = taxonomy.Sector


class Purpose(VocabularyTerm):
    """Why a tool exists: disrupt, coordinate or support."""

    choices_source = taxonomy.Purpose


class FocusArea(VocabularyTerm):
    """The 4P framework: prevention, protection, prosecution, partnership."""

    choices_source = taxonomy.FocusArea


class Function(VocabularyTerm):
    """What a tool does, or what a need asks for."""

    choices_source = taxonomy.Function


class TraffickingType(VocabularyTerm):
    """The form of trafficking a tool or need addresses."""

    choices_source = taxonomy.TraffickingType


class TargetUser(VocabularyTerm):
    """Who a tool is built for."""

    choices_source = taxonomy.TargetUser


class Technology(VocabularyTerm):
    """The kind of technology a tool is built on."""

    choices_source = taxonomy.Technology


class Safeguard(VocabularyTerm):
    """A harm-aware design principle a tool states it follows."""

    choices_source = taxonomy.Safeguard


class Region(VocabularyTerm):
    """An ISO 3166-1 alpha-2 country, or `global` for worldwide reach."""

    choices_source = staticmethod(taxonomy.region_choices)


class Language(VocabularyTerm):
    """A BCP 47 language tag (lower case)."""

    choices_source = staticmethod(taxonomy.language_choices)


VOCABULARY_MODELS = [
    Sector,
    Purpose,
    FocusArea,
    Function,
    TraffickingType,
    TargetUser,
    Technology,
    Safeguard,
    Region,
    Language,
]


def sync_vocabularies(apps=None) -> None:
    """Make every vocabulary table hold exactly the codes defined in code (adds and relabels)."""
    for model in VOCABULARY_MODELS:
        target = apps.get_model("registry", model.__name__) if apps else model
        for position, (code, label) in enumerate(model.definitions()):
            target.objects.update_or_create(
                code=code, defaults={"label": str(label), "position": position}
            )
