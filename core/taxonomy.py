"""The controlled vocabularies of ../shared/design/taxonomy.md, as code.

Codes are stable identifiers stored in the database and exchanged by the API and the
catalogue format; labels are what people read and go through gettext. The multi-valued
vocabularies are mirrored into small tables (registry.models.vocabulary) so that facets are
joined and filtered through indexes on every database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    GOVERNMENT = "government", _("Government agency")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    NGO = "ngo", _("Non-governmental organization")
    PRIVATE_SECTOR = "private_sector", _("Private sector / technology firm")
    ACADEMIC = "academic", _("Academic or research institution")
    INTERNATIONAL_ORG = "international_org", _("International organization")
    SURVIVOR_LED = "survivor_led", _("Survivor-led organization")
    FUNDER = "funder", _("Funder or foundation")


class Purpose(models.TextChoices):
    DISRUPT = "disrupt", _("Disrupts the behaviours that underpin trafficking")
    COORDINATE = "coordinate", _("Helps anti-trafficking actors cooperate and share information")
    SUPPORT = "support", _("Raises awareness or supports victims and survivors")


class FocusArea(models.TextChoices):
    PREVENTION = "prevention", _("Prevention")
    PROTECTION = "protection", _("Protection")
    PROSECUTION = "prosecution", _("Prosecution")
    PARTNERSHIP = "partnership", _("Partnership")


class Function(models.TextChoices):
    VICTIM_IDENTIFICATION = "victim_identification", _("Victim identification")
    ONLINE_MONITORING = (
        "online_monitoring",
        _("Monitoring of online ads, classifieds and social media"),
    )
    IMAGE_ANALYSIS = "image_analysis", _("Image and video analysis")
    FINANCIAL_INTELLIGENCE = (
        "financial_intelligence",
        _("Financial intelligence and transaction monitoring"),
    )
    SUPPLY_CHAIN = "supply_chain", _("Supply-chain due diligence and forced-labour risk")
    WORKER_VOICE = "worker_voice", _("Worker voice and grievance channels")
    RECRUITMENT_MONITORING = (
        "recruitment_monitoring",
        _("Ethical recruitment and recruiter monitoring"),
    )
    HOTLINE_REPORTING = "hotline_reporting", _("Hotlines and reporting channels")
    CASE_MANAGEMENT = "case_management", _("Case management")
    INFORMATION_SHARING = (
        "information_sharing",
        _("Secure information sharing between organizations"),
    )
    SURVIVOR_SERVICES = "survivor_services", _("Services and referrals for survivors")
    AWARENESS_EDUCATION = "awareness_education", _("Awareness and education")
    TRAINING = "training", _("Training for professionals")
    RESEARCH_DATA = "research_data", _("Research, data collection and analysis")
    MAPPING = "mapping", _("Mapping and geospatial analysis")
    TRANSLATION_LANGUAGE = "translation_language", _("Translation and language access")
    LEGAL_SUPPORT = "legal_support", _("Legal support and access to justice")


class TraffickingType(models.TextChoices):
    SEX = "sex", _("Sex trafficking")
    LABOR = "labor", _("Labour trafficking")
    OTHER = "other", _("Other (forced marriage, organ removal, forced criminality)")


class TargetUser(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    GOVERNMENT = "government", _("Government")
    NGO = "ngo", _("NGOs")
    SERVICE_PROVIDER = "service_provider", _("Service providers")
    BUSINESS = "business", _("Businesses")
    SURVIVORS = "survivors", _("Survivors")
    PUBLIC = "public", _("General public")
    RESEARCHERS = "researchers", _("Researchers")


class Technology(models.TextChoices):
    MOBILE_APP = "mobile_app", _("Mobile app")
    WEB_PLATFORM = "web_platform", _("Web platform")
    DATA_ANALYTICS = "data_analytics", _("Data analytics")
    MACHINE_LEARNING = "machine_learning", _("Machine learning")
    IMAGE_ANALYSIS = "image_analysis", _("Image analysis")
    GEOSPATIAL = "geospatial", _("Geospatial")
    HOTLINE_SMS = "hotline_sms", _("Hotline / SMS")
    CHATBOT = "chatbot", _("Chatbot")
    BLOCKCHAIN = "blockchain", _("Blockchain")
    DATABASE = "database", _("Database")
    BROWSER_EXTENSION = "browser_extension", _("Browser extension")
    API_SERVICE = "api_service", _("API service")
    TRAINING_CONTENT = "training_content", _("Training content")


class Maturity(models.TextChoices):
    IDEA = "idea", _("Idea")
    PROTOTYPE = "prototype", _("Prototype")
    PILOT = "pilot", _("Pilot")
    DEPLOYED = "deployed", _("Deployed")
    DISCONTINUED = "discontinued", _("Discontinued")


class Availability(models.TextChoices):
    OPEN_SOURCE = "open_source", _("Open source")
    FREE = "free", _("Free to use")
    FREE_FOR_NONPROFITS = "free_for_nonprofits", _("Free for NGOs and public bodies")
    DISCOUNTED = "discounted", _("Discounted for NGOs and public bodies")
    COMMERCIAL = "commercial", _("Commercial licence only")
    RESTRICTED = "restricted", _("Only for vetted law enforcement / government")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone")
    REGISTERED = "registered", _("Registered: any signed-in user")
    VERIFIED = "verified", _("Verified: members of verified organizations")
    RESTRICTED = "restricted", _("Restricted: verified organizations of named sectors")
    PRIVATE = "private", _("Private: the owning organization and those it shares with")


class Safeguard(models.TextChoices):
    PRIVACY_BY_DESIGN = "privacy_by_design", _("Privacy by design")
    DATA_MINIMIZATION = "data_minimization", _("Data minimization")
    SURVIVOR_INFORMED = "survivor_informed", _("Survivor-informed")
    HUMAN_IN_THE_LOOP = "human_in_the_loop", _("Human in the loop")
    FALSE_POSITIVE_REVIEW = "false_positive_review", _("False-positive review")
    MINOR_VICTIM_PROTECTION = "minor_victim_protection", _("Protections for minor victims")
    SECURITY_AUDIT = "security_audit", _("Security audit")
    MISUSE_TERMS = "misuse_terms", _("Terms against misuse")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    MET = "met", _("Met")
    CLOSED = "closed", _("Closed")


class LicenseTerms(models.TextChoices):
    FREE = "free", _("Free")
    DISCOUNTED = "discounted", _("Discounted")
    PRO_BONO = "pro_bono", _("Pro bono")


class LicenseOfferStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


class LicenseRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


GLOBAL_REGION = "global"

# Languages written with a script subtag that the registry knows besides ISO 639-1 codes.
EXTRA_LANGUAGES = {
    "zh-hans": "Chinese (Simplified)",
    "zh-hant": "Chinese (Traditional)",
    "pt-br": "Portuguese (Brazil)",
    "sr-latn": "Serbian (Latin)",
}


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166-1 alpha-2 countries, as (code, English name)."""
    import pycountry

    return sorted((c.alpha_2, c.name) for c in pycountry.countries)


def region_choices() -> list[tuple[str, str]]:
    """Where a tool or need operates: every country, plus worldwide reach."""
    return [(GLOBAL_REGION, "Global")] + country_choices()


def language_choices() -> list[tuple[str, str]]:
    """BCP 47 language tags the registry accepts: ISO 639-1 codes and a few script variants."""
    import pycountry

    codes = {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    codes.update(EXTRA_LANGUAGES)
    return sorted(codes.items())
