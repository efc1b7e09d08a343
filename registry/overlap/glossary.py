"""The domain glossary: what a draft's words say about the registry's vocabularies.

A draft may come in English, Spanish or Chinese while almost every catalogued tool is
described in English. The glossary maps the domain's words in each language to
(a) English keywords, which widen the lexical query so that a Spanish draft can still match
English text, and (b) taxonomy codes, so that a draft written without facets still shares
functions, trafficking types, target users and regions with the tools that do the same
thing. It is vocabulary of the field, not of any one catalogue entry.

Matching is on lower-cased, accent-free text: "línea de ayuda" and "linea de ayuda" are the
same. Latin-script patterns are regular expressions matched at word boundaries; Chinese ones
are plain substrings (Chinese has no spaces between words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

FACET_FIELDS = ("functions", "trafficking_types", "target_users", "regions")


def fold(text: str) -> str:
    """Lower-case `text` and strip accents (NFKD minus combining marks); keeps CJK as is."""
    if not text or text.isascii():  # nothing to decompose (the common case, and fast)
        return (text or "").lower()
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


# --- Language ---------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORDS = re.compile(r"[^\W\d_]+")
_SPANISH_MARKERS = frozenset(
    """
    de la que el en los las del para con una por se su sus al como mas pero esta este estos
    nuestra nuestro nuestros nuestras necesitamos queremos busca buscamos sobre entre donde
    cuando tambien sin hacia desde muy ya u y o es son ser puede pueden
    """.split()
)
_ENGLISH_MARKERS = frozenset(
    """
    the and of to for with we that our is are be a an in on by from this these which who
    their they can need needs want would should into it its
    """.split()
)


def primary_language(code: str | None) -> str:
    """ "es-MX" -> "es", "zh-hans" -> "zh", None -> "en"."""
    return (code or "en").split("-")[0].lower() or "en"


def detect_language(text: str, declared: str | None = None) -> str:
    """The primary language of `text`: "zh" for Chinese script, "es" when Spanish words
    outnumber English ones, else the declared language (English by default).

    A declared language other than English is trusted; a declared (or defaulted) English is
    overruled only by clear evidence, since the API's default is "en"."""
    declared_primary = primary_language(declared)
    if declared_primary != "en":
        return declared_primary
    if len(_CJK.findall(text or "")) >= 2:
        return "zh"
    words = _WORDS.findall(fold(text))
    spanish = sum(1 for w in words if w in _SPANISH_MARKERS)
    english = sum(1 for w in words if w in _ENGLISH_MARKERS)
    if spanish >= 2 and spanish > 1.5 * english:
        return "es"
    if any(ch in (text or "") for ch in "ñ¿¡") and spanish > english:
        return "es"
    return "en"


# --- Entries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """Words meaning one thing, and what that thing is in English and in the taxonomy."""

    patterns: tuple[str, ...]
    english: str = ""
    functions: tuple[str, ...] = ()
    trafficking_types: tuple[str, ...] = ()
    target_users: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


def E(patterns, english="", *, f=(), t=(), u=(), r=()) -> Entry:  # noqa: N802 - table syntax
    if isinstance(patterns, str):
        patterns = (patterns,)
    return Entry(tuple(patterns), english, tuple(f), tuple(t), tuple(u), tuple(r))


# Functions, trafficking types and users, as English writers put them, with the catalogue's
# usual words for the main functions (a "helpline" is also a "hotline").
ENGLISH: tuple[Entry, ...] = (
    E(
        (
            r"hotlines?",
            r"helplines?",
            r"tip ?lines?",
            r"textlines?",
            r"phone lines?",
            r"reporting (?:line|channel|form|system|service|app)s?",
            r"report(?:ing)? (?:abuse|"
            r"concerns?|suspicions?|tips?|cases?)",
            r"anonymous(?:ly)? report\w*",
            r"short ?code",
            r"dial",
        ),
        "hotline helpline phone line tipline report",
        f=["hotline_reporting"],
    ),
    E(
        (r"case management", r"case ?workers?", r"case (?:files|records|tracking)", r"caseload"),
        "case management",
        f=["case_management"],
        u=["ngo", "service_provider"],
    ),
    E(
        (
            r"supply chains?",
            r"suppliers?",
            r"sourcing",
            r"procurement",
            r"traceability",
            r"due diligence",
            r"social (?:audit|compliance)\w*",
            r"audits?",
            r"buyers?",
            r"commodit\w+",
            r"raw materials?",
        ),
        "supply chain suppliers",
        f=["supply_chain"],
        u=["business"],
    ),
    E(
        (
            r"worker voice",
            r"grievances?",
            r"complaints?",
            r"worker (?:surveys?|feedback)",
            r"workers'? (?:reports?|feedback)",
        ),
        "worker voice grievance",
        f=["worker_voice"],
        t=["labor"],
    ),
    E(
        (
            r"recruit\w*",
            r"labou?r brokers?",
            r"brokers?",
            r"placement fees?",
            r"hiring",
            r"job ?seekers?",
            r"employment agenc\w+",
            r"labou?r providers?",
            r"employer pays",
        ),
        "recruitment recruiters",
        f=["recruitment_monitoring"],
        t=["labor"],
    ),
    E(
        (
            r"identify(?:ing)? (?:potential |possible )?victims?",
            r"victim identification",
            r"screening",
            r"screen(?:ing)? (?:for|questions?|tool)",
            r"red flags",
            r"indicators?",
        ),
        f=["victim_identification"],
    ),
    E(
        (
            r"online ads?",
            r"escort\w*",
            r"classifieds?",
            r"social media",
            r"advertisements?",
            r"chats?",
            r"grooming",
            r"crawl\w*",
            r"dark ?web",
            r"platforms? (?:users?|content)",
            r"content moderation",
            r"uploads?",
        ),
        f=["online_monitoring"],
    ),
    E(
        (
            r"images?",
            r"photos?",
            r"photograph\w*",
            r"pictures?",
            r"videos?",
            r"hash\w*",
            r"fingerprint\w*",
            r"computer vision",
            r"facial",
            r"faces?",
        ),
        f=["image_analysis"],
    ),
    E(
        (
            r"financial",
            r"banks?",
            r"banking",
            r"transactions?",
            r"money laundering",
            r"payments?",
            r"crypto\w*",
            r"bitcoin",
            r"follow the money",
            r"adverse media",
            r"anti-money",
        ),
        "financial transactions",
        f=["financial_intelligence"],
    ),
    E(
        (
            r"share (?:information|intelligence|data|signals)",
            r"information sharing",
            r"exchange (?:information|data|intelligence)",
            r"pool(?:ing)? (?:data|information)",
            r"secure messaging",
            r"data hub",
            r"cross-platform",
        ),
        f=["information_sharing"],
    ),
    E(
        (
            r"survivors?",
            r"shelters?",
            r"referrals?",
            r"reintegration",
            r"counsell?ing",
            r"safety planning",
            r"aftercare",
        ),
        "survivors",
        f=["survivor_services"],
        u=["survivors"],
    ),
    E(
        (
            r"awareness",
            r"campaigns?",
            r"prevention",
            r"educat\w+",
            r"curricul\w+",
            r"schools?",
            r"lesson\w*",
            r"teens?",
            r"youth",
            r"young people",
        ),
        f=["awareness_education"],
    ),
    E(
        (
            r"training",
            r"trainings",
            r"courses?",
            r"workshops?",
            r"e-?learning",
            r"teach\w*",
            r"modules?",
            r"simulations?",
        ),
        f=["training"],
    ),
    E(
        (
            r"research\w*",
            r"datasets?",
            r"statistics",
            r"estimates?",
            r"index",
            r"benchmarks?",
            r"rankings?",
            r"data collection",
            r"evidence",
            r"prevalence",
        ),
        f=["research_data"],
    ),
    E(
        (r"maps?", r"mapping", r"satellite\w*", r"geospatial", r"gis", r"directory", r"hotspots?"),
        f=["mapping"],
    ),
    E(
        (
            r"translat\w+",
            r"interpret(?:er|ers|ing|ation)",
            r"multilingual",
            r"own languages?",
            r"language access",
        ),
        "translation interpreters languages",
        f=["translation_language"],
    ),
    E(
        (
            r"legal",
            r"lawyers?",
            r"attorneys?",
            r"pro bono",
            r"courts?",
            r"case law",
            r"legislation",
            r"prosecutions?",
            r"judges?",
            r"immigration relief",
            r"restitution",
        ),
        "legal lawyers",
        f=["legal_support"],
    ),
    E(
        (
            r"forced labou?r",
            r"labou?r (?:trafficking|exploitation)",
            r"debt bondage",
            r"bonded labou?r",
            r"modern slavery",
            r"workers?",
            r"migrant workers?",
        ),
        t=["labor"],
    ),
    E(
        (
            r"sex trafficking",
            r"sexual(?:ly)? exploit\w*",
            r"sexual abuse",
            r"csam",
            r"escorts?",
            r"commercial sex",
            r"sex buyers?",
            r"sextortion",
            r"nude\w*",
            r"intimate images?",
        ),
        t=["sex"],
    ),
    E(
        (
            r"forced marriages?",
            r"organ (?:removal|trafficking)",
            r"forced criminality",
            r"child marriages?",
        ),
        t=["other"],
    ),
    E(
        (
            r"police",
            r"law enforcement",
            r"investigators?",
            r"prosecutors?",
            r"officers?",
            r"detectives?",
        ),
        u=["law_enforcement"],
    ),
    E(
        (r"companies", r"company", r"brands?", r"businesses", r"employers?", r"corporate"),
        u=["business"],
    ),
    E((r"ngos?", r"nonprofits?", r"non-profits?", r"charit(?:y|ies)", r"civil society"), u=["ngo"]),
    E(
        (
            r"governments?",
            r"ministr(?:y|ies)",
            r"public authorit\w+",
            r"agencies",
            r"policymakers?",
        ),
        u=["government"],
    ),
    E((r"researchers?", r"academics?", r"universit(?:y|ies)"), u=["researchers"]),
    E(
        (
            r"social workers?",
            r"service providers?",
            r"health (?:workers|staff|care)",
            r"nurses?",
            r"clinicians?",
            r"child welfare",
        ),
        u=["service_provider"],
    ),
    E(
        (
            r"general public",
            r"members of the public",
            r"citizens",
            r"bystanders?",
            r"travell?ers?",
            r"consumers?",
        ),
        u=["public"],
    ),
)

# Spanish: each entry also carries the English words that the catalogue would use.
SPANISH: tuple[Entry, ...] = (
    E(
        (r"trata de personas", r"trata de seres humanos", r"trata", r"tratantes?"),
        "human trafficking traffickers",
    ),
    E(
        (
            r"trata laboral",
            r"trabajo forzoso",
            r"trabajos forzados",
            r"explotacion laboral",
            r"trabajo esclavo",
            r"esclavitud laboral",
            r"servidumbre por deudas?",
            r"trabajo en servidumbre",
        ),
        "forced labour labor exploitation",
        t=["labor"],
    ),
    E((r"esclavitud moderna", r"esclavitud"), "modern slavery"),
    E(
        (
            r"explotacion sexual",
            r"trata sexual",
            r"trata con fines sexuales",
            r"abuso sexual",
            r"comercio sexual",
            r"prostitucion",
        ),
        "sexual exploitation sex trafficking",
        t=["sex"],
    ),
    E(
        (r"abuso sexual infantil", r"material de abuso", r"pornografia infantil"),
        "child sexual abuse material CSAM",
        t=["sex"],
    ),
    E((r"matrimonios? forzados?", r"matrimonio infantil"), "forced marriage", t=["other"]),
    E(
        (
            r"lineas? de ayuda",
            r"lineas? telefonicas?",
            r"lineas? directas?",
            r"lineas? de denuncias?",
            r"lineas? nacional(?:es)?",
            r"lineas? gratuitas?",
            r"linea \d+",
            r"telefono",
            r"llamadas?",
            r"llamar",
        ),
        "hotline helpline phone line call",
        f=["hotline_reporting"],
    ),
    E(
        (r"denuncias?", r"denunciar", r"reportar", r"reportes?", r"avisos?", r"pistas?"),
        "report reporting tip",
        f=["hotline_reporting"],
    ),
    E((r"anonim[oa]s?", r"anonimamente", r"confidencial(?:es)?"), "anonymous confidential"),
    E((r"mensajes? de texto", r"\bsms\b", r"textos?"), "text message SMS"),
    E(
        (r"gestion de casos", r"manejo de casos", r"expedientes?", r"seguimiento de casos"),
        "case management case records",
        f=["case_management"],
    ),
    E(
        (
            r"cadenas? de suministros?",
            r"cadenas? de valor",
            r"cadenas? productivas?",
            r"proveedor(?:es)?",
            r"abastecimiento",
            r"compras",
            r"adquisiciones",
            r"debida diligencia",
            r"auditorias? sociales?",
            r"auditorias?",
            r"auditor(?:es)?",
        ),
        "supply chain suppliers sourcing procurement due diligence audit",
        f=["supply_chain"],
        u=["business"],
    ),
    E(
        (
            r"trazabilidad",
            r"rastreabilidad",
            r"origen de (?:los )?productos?",
            r"materias? primas?",
        ),
        "traceability origin raw material",
        f=["supply_chain"],
    ),
    E(
        (
            r"voz de (?:los )?trabajador(?:es|as)",
            r"quejas?",
            r"reclamaciones",
            r"reclamos",
            r"mecanismos? de quejas",
            r"encuestas?",
        ),
        "worker voice grievance complaint survey",
        f=["worker_voice"],
    ),
    E(
        (
            r"reclutamiento",
            r"reclutador(?:es|as)?",
            r"agencias? de (?:empleo|colocacion|"
            r"reclutamiento|contratacion)",
            r"contratacion",
            r"intermediarios?",
            r"enganchador(?:es)?",
            r"comisiones de contratacion",
            r"cuotas de reclutamiento",
        ),
        "recruitment recruiters recruitment agencies fees",
        f=["recruitment_monitoring"],
        t=["labor"],
    ),
    E(
        (r"empleador(?:es)? paga", r"el empleador paga"),
        "employer pays principle",
        f=["recruitment_monitoring"],
    ),
    E(
        (
            r"identificacion de (?:las )?victimas",
            r"identificar (?:a )?(?:las )?victimas",
            r"deteccion de (?:las )?victimas",
            r"detectar victimas",
            r"tamizaje",
            r"cribado",
            r"cuestionarios? de deteccion",
            r"indicadores",
        ),
        "victim identification screening indicators",
        f=["victim_identification"],
    ),
    E((r"victimas?",), "victims"),
    E(
        (r"sobrevivientes?", r"supervivientes?"),
        "survivors",
        f=["survivor_services"],
        u=["survivors"],
    ),
    E(
        (
            r"albergues?",
            r"refugios?",
            r"casas? de acogida",
            r"acogida",
            r"reintegracion",
            r"atencion a (?:las )?victimas",
            r"derivacion(?:es)?",
            r"canalizacion",
            r"apoyo psicologico",
            r"terapia",
        ),
        "shelter referral reintegration counselling support services",
        f=["survivor_services"],
    ),
    E(
        (
            r"anuncios?",
            r"clasificados",
            r"redes sociales",
            r"en linea",
            r"internet",
            r"plataformas? digitales?",
            r"chats?",
            r"conversaciones",
        ),
        "online ads advertisements social media internet chat",
        f=["online_monitoring"],
    ),
    E(
        (r"grooming", r"captacion de menores", r"acoso sexual en linea"),
        "grooming child online",
        f=["online_monitoring"],
        t=["sex"],
    ),
    E(
        (
            r"imagen(?:es)?",
            r"fotos?",
            r"fotografias?",
            r"videos?",
            r"huellas? digital(?:es)?",
            r"\bhash\w*",
        ),
        "images photos video hash fingerprint",
        f=["image_analysis"],
    ),
    E((r"habitacion(?:es)?", r"hoteles?", r"huespedes"), "hotel room guests"),
    E(
        (
            r"financier[oa]s?",
            r"bancos?",
            r"bancari[oa]s?",
            r"transacciones",
            r"pagos?",
            r"lavado de dinero",
            r"blanqueo",
            r"criptomonedas?",
            r"bitcoin",
            r"cadena de bloques",
            r"blockchain",
            r"seguir el dinero",
        ),
        "financial banks transactions payments money laundering cryptocurrency blockchain",
        f=["financial_intelligence"],
    ),
    E(
        (
            r"compartir (?:la )?informacion",
            r"intercambio (?:seguro )?de informacion",
            r"intercambiar (?:datos|informacion)",
            r"compartir datos",
            r"poner en comun",
        ),
        "share information exchange data",
        f=["information_sharing"],
    ),
    E(
        (
            r"sensibilizacion",
            r"concienciacion",
            r"concientizacion",
            r"campanas?",
            r"prevencion",
            r"educacion",
            r"educativ[oa]s?",
            r"escuelas?",
            r"colegios?",
            r"jovenes",
            r"adolescentes",
            r"ninos",
            r"ninas",
            r"menores",
            r"padres",
        ),
        "awareness campaign prevention education school young people children parents",
        f=["awareness_education"],
    ),
    E(
        (
            r"capacitacion(?:es)?",
            r"capacitar",
            r"formacion",
            r"cursos?",
            r"talleres?",
            r"entrenamiento",
            r"simulacros?",
            r"simulaciones",
        ),
        "training course workshop simulation",
        f=["training"],
    ),
    E(
        (
            r"investigacion(?:es)?",
            r"datos",
            r"estadisticas?",
            r"indices?",
            r"estimaciones?",
            r"prevalencia",
            r"evidencia",
            r"clasificacion de empresas",
            r"rankings?",
        ),
        "research data statistics index estimates evidence ranking",
        f=["research_data"],
    ),
    E(
        (r"mapas?", r"mapeo", r"satelit\w+", r"geoespacial(?:es)?", r"directorios?"),
        "map mapping satellite directory",
        f=["mapping"],
    ),
    E(
        (
            r"traduccion(?:es)?",
            r"traductor(?:es)?",
            r"interpretes?",
            r"interpretacion",
            r"idiomas?",
            r"lenguas?",
        ),
        "translation interpreters languages",
        f=["translation_language"],
    ),
    E(
        (
            r"asesoria (?:legal|juridica)",
            r"abogad[oa]s?",
            r"juridic[oa]s?",
            r"legal(?:es)?",
            r"justicia",
            r"tribunal(?:es)?",
            r"jurisprudencia",
            r"sentencias",
            r"leyes",
            r"legislacion",
            r"pro bono",
            r"gratuit[oa]s? para sobrevivientes",
            r"fiscales",
            r"jueces",
            r"procesamientos?",
            r"enjuiciamientos?",
        ),
        "legal lawyers attorneys court case law legislation prosecutors judges",
        f=["legal_support"],
    ),
    E(
        (
            r"policias?",
            r"fuerzas del orden",
            r"fuerzas de seguridad",
            r"agentes",
            r"investigador(?:es)?",
        ),
        "police law enforcement investigators",
        u=["law_enforcement"],
    ),
    E(
        (r"empresas?", r"marcas", r"compradores", r"negocios", r"empleador(?:es)?"),
        "companies brands buyers businesses employers",
        u=["business"],
    ),
    E(
        (
            r"\bongs?\b",
            r"organizaciones? de la sociedad civil",
            r"sociedad civil",
            r"organizaciones? sin fines de lucro",
        ),
        "NGOs civil society organisations",
        u=["ngo"],
    ),
    E(
        (r"gobiernos?", r"autoridades", r"ministerios?", r"instituciones publicas"),
        "government authorities",
        u=["government"],
    ),
    E(
        (r"trabajador(?:es|as)? migrantes?", r"migrantes?", r"migracion", r"migrar"),
        "migrant workers migration",
        t=["labor"],
    ),
    E(
        (r"trabajador(?:es|as)?", r"obrer[oa]s?", r"jornaleros?", r"temporeros?"),
        "workers",
        t=["labor"],
    ),
    E(
        (r"aplicacion(?:es)?", r"\bapps?\b", r"movil(?:es)?", r"celular(?:es)?"),
        "mobile app smartphone",
    ),
    E((r"plataformas?", r"sitio web", r"pagina web", r"portal"), "platform website portal"),
    E((r"herramientas?", r"software", r"sistemas?"), "tool software system"),
    E((r"bases? de datos",), "database"),
    E((r"camioneros?", r"transportistas?", r"camiones"), "truck drivers trucking"),
    E((r"autobus(?:es)?", r"conductores de autobus", r"terminales"), "bus drivers terminal"),
    E(
        (r"aerolineas?", r"aviacion", r"tripulacion", r"azafatas?", r"vuelos?"),
        "airline aviation flight crew",
    ),
    E(
        (r"turismo", r"turistas?", r"viajeros?", r"viajes"),
        "tourism travel travellers",
        u=["public"],
    ),
    E(
        (
            r"pesca\w*",
            r"pescador(?:es)?",
            r"barcos?",
            r"buques?",
            r"embarcaciones",
            r"\bmar\b",
            r"maritim[oa]s?",
        ),
        "fishing vessels ships sea fisheries",
    ),
    E((r"mariscos?", r"productos del mar"), "seafood"),
    E((r"gente de mar", r"marinos?", r"marineros?", r"tripulantes"), "seafarers"),
    E(
        (r"algodon", r"textil(?:es)?", r"ropa", r"moda", r"confeccion", r"fabricas?"),
        "cotton apparel fashion garment factories",
    ),
    E(
        (r"agricultura", r"agricol\w+", r"granjas?", r"campo", r"cultivos?", r"cosechas?"),
        "agriculture farm farmworkers",
    ),
    E((r"lecher\w+", r"lacteos?"), "dairy farms"),
    E((r"ladrillos?", r"hornos de ladrillo", r"ladrilleras?"), "brick kilns"),
    E(
        (r"trabajador(?:es|as)? del hogar", r"trabajo domestico", r"empleadas? domesticas?"),
        "domestic workers",
        t=["labor"],
    ),
    E((r"trabajo infantil",), "child labour", t=["labor"]),
    E(
        (r"desaparecid[oa]s?", r"personas desaparecidas", r"ninos desaparecidos"),
        "missing persons missing children",
    ),
    E(
        (r"fronteras?", r"transito", r"intercepcion(?:es)?", r"interceptar"),
        "border transit interception",
        f=["victim_identification"],
    ),
    E((r"fuentes abiertas", r"osint"), "open source intelligence OSINT"),
    E((r"codigos? de conducta",), "code of conduct"),
    E((r"certificacion", r"certificar", r"acreditacion"), "certification standard"),
    E(
        (r"licencias?", r"licenciad[oa]s?", r"registro publico", r"registros?"),
        "licence register registry",
    ),
    E((r"declaraciones",), "statements"),
    E(
        (
            r"propietarios",
            r"propiedad",
            r"beneficiarios finales",
            r"registros mercantiles",
            r"comercio exterior",
        ),
        "ownership corporate records trade data",
    ),
    E((r"consumidor(?:es)?", r"productos cotidianos", r"huella"), "consumers footprint"),
    E((r"bienes", r"mercancias", r"productos"), "goods products"),
    E((r"riesgos?",), "risk"),
    E(
        (r"calificar", r"calificaciones", r"resenas?", r"opiniones", r"valorar", r"evaluar(?:an)?"),
        "rate reviews ratings",
    ),
    E((r"derechos",), "rights"),
    E((r"visas?", r"visados?"), "visas"),
    E((r"refugiad[oa]s?", r"solicitantes de asilo"), "refugees asylum"),
    E((r"voluntari[oa]s?",), "volunteers"),
    E((r"comunidad(?:es)?", r"red de", r"redes de organizaciones"), "community network"),
    E((r"senuelos?", r"falsos anuncios", r"anuncios falsos"), "decoy ads"),
    E(
        (r"compradores de sexo", r"clientes de prostitucion", r"disuasion", r"disuadir"),
        "sex buyers deterrence",
        t=["sex"],
    ),
    E(
        (r"desnud\w+", r"intimas?", r"sexting", r"sextorsion"),
        "nude intimate images sextortion",
        t=["sex"],
    ),
    E((r"eliminar", r"retirar", r"bajar", r"remocion"), "remove removal take down"),
    E(
        (r"auriculares", r"grabad[oa]s?", r"entrevistas? confidenciales?", r"entrevistas?"),
        "recorded questions interviews headphones",
    ),
    E((r"tabletas?", r"peliculas", r"cuestionarios?"), "tablet films quiz"),
    E((r"codigo|programacion|desarrollo de software",), "coding software development"),
    E((r"empleo", r"trabajo digno", r"carreras?"), "employment jobs careers"),
    E(
        (r"grupos? de trabajo", r"fuerzas? de tarea", r"multiagencia", r"interinstitucional"),
        "task force multi-agency multidisciplinary",
    ),
)

CHINESE: tuple[Entry, ...] = (
    E(("人口贩卖", "人口贩运", "拐卖"), "human trafficking"),
    E(
        ("强迫劳动", "强迫劳工", "劳工剥削", "债务奴役", "现代奴役"),
        "forced labour modern slavery",
        t=["labor"],
    ),
    E(("性剥削", "性交易", "色情", "性虐待"), "sexual exploitation", t=["sex"]),
    E(("儿童性虐待", "儿童色情"), "child sexual abuse material", t=["sex"]),
    E(("强迫婚姻", "逼婚"), "forced marriage", t=["other"]),
    E(("热线", "求助电话", "电话"), "hotline helpline phone", f=["hotline_reporting"]),
    E(("举报", "报告", "投诉热线"), "report reporting", f=["hotline_reporting"]),
    E(("匿名",), "anonymous"),
    E(("个案管理", "案件管理", "案例管理"), "case management", f=["case_management"]),
    E(
        ("供应链", "供应商", "采购", "溯源", "尽职调查", "审核", "审计"),
        "supply chain suppliers procurement traceability due diligence audit",
        f=["supply_chain"],
        u=["business"],
    ),
    E(
        ("工人心声", "申诉", "投诉", "调查问卷"),
        "worker voice grievance complaint survey",
        f=["worker_voice"],
    ),
    E(
        ("招聘", "中介", "招工", "劳务派遣"),
        "recruitment recruiters agencies",
        f=["recruitment_monitoring"],
        t=["labor"],
    ),
    E(
        ("识别受害者", "受害者识别", "筛查", "甄别"),
        "victim identification screening",
        f=["victim_identification"],
    ),
    E(("受害者",), "victims"),
    E(("幸存者",), "survivors", f=["survivor_services"], u=["survivors"]),
    E(("庇护所", "收容", "转介", "安置"), "shelter referral", f=["survivor_services"]),
    E(
        ("网络广告", "社交媒体", "网上", "在线", "网络"),
        "online social media internet",
        f=["online_monitoring"],
    ),
    E(("图像", "图片", "照片", "视频", "哈希"), "images photos video hash", f=["image_analysis"]),
    E(
        ("金融", "银行", "交易", "洗钱", "加密货币", "比特币"),
        "financial banks transactions money laundering cryptocurrency",
        f=["financial_intelligence"],
    ),
    E(
        ("信息共享", "共享信息", "数据共享", "交换信息"),
        "information sharing",
        f=["information_sharing"],
    ),
    E(
        ("宣传", "意识", "教育", "预防", "学校", "青少年", "儿童"),
        "awareness education prevention school young children",
        f=["awareness_education"],
    ),
    E(("培训", "课程", "训练"), "training course", f=["training"]),
    E(
        ("研究", "数据", "统计", "指数", "估计"),
        "research data statistics index",
        f=["research_data"],
    ),
    E(("地图", "卫星", "名录", "目录"), "map satellite directory", f=["mapping"]),
    E(("翻译", "口译", "语言"), "translation interpreters language", f=["translation_language"]),
    E(
        ("法律", "律师", "司法", "法院", "判例"),
        "legal lawyers court case law",
        f=["legal_support"],
    ),
    E(("警察", "执法"), "police law enforcement", u=["law_enforcement"]),
    E(("企业", "公司", "品牌"), "companies brands", u=["business"]),
    E(("非政府组织", "民间组织"), "NGOs", u=["ngo"]),
    E(("政府",), "government", u=["government"]),
    E(("移民", "农民工", "外籍劳工", "移工"), "migrant workers migration", t=["labor"]),
    E(("工人", "劳工"), "workers", t=["labor"]),
    E(("应用", "手机"), "mobile app"),
    E(("平台", "网站"), "platform website"),
    E(("评价", "评论", "评分"), "reviews ratings rate"),
    E(("风险",), "risk"),
    E(("酒店", "房间"), "hotel room"),
    E(("渔业", "渔船", "海上", "船只"), "fishing vessels sea"),
    E(("卡车司机",), "truck drivers"),
    E(("失踪",), "missing"),
)

# Places people name in drafts, in the three languages, with their ISO codes. English
# country names come from pycountry too (see `_english_country_patterns`).
PLACES: tuple[Entry, ...] = (
    E((r"mexico", r"mexican[oa]?s?", "墨西哥"), "Mexico", r=["MX"]),
    E(
        (
            r"estados unidos",
            r"ee\.? ?uu\.?",
            r"u\.s\.a?\.?",
            r"usa",
            r"(?<!latin )americans?",
            r"united states",
            r"estadounidenses?",
            "美国",
        ),
        "United States US",
        r=["US"],
    ),
    E(
        (
            r"reino unido",
            r"\buk\b",
            r"britain",
            r"british",
            r"england",
            r"inglaterra",
            r"britanic[oa]s?",
            "英国",
        ),
        "United Kingdom UK",
        r=["GB"],
    ),
    E((r"canada", r"canadian\w*", r"canadiense\w*", "加拿大"), "Canada", r=["CA"]),
    E((r"tailandia", r"thailand", r"thai", "泰国"), "Thailand", r=["TH"]),
    E((r"filipinas", r"philippines?", r"filipin[oa]s?", "菲律宾"), "Philippines", r=["PH"]),
    E((r"brasil", r"brazil\w*", r"brasilen[oa]s?", "巴西"), "Brazil", r=["BR"]),
    E((r"argentina\w*", "阿根廷"), "Argentina", r=["AR"]),
    E((r"india", r"indian", r"indi[oa]s?", "印度"), "India", r=["IN"]),
    E((r"nepal\w*", "尼泊尔"), "Nepal", r=["NP"]),
    E((r"bangladesh\w*", r"banglades\w*", "孟加拉"), "Bangladesh", r=["BD"]),
    E((r"camboya", r"cambodia\w*", "柬埔寨"), "Cambodia", r=["KH"]),
    E((r"myanmar", r"birmania", r"burma", r"burmese", "缅甸"), "Myanmar", r=["MM"]),
    E((r"malasia", r"malaysia\w*", "马来西亚"), "Malaysia", r=["MY"]),
    E((r"indonesia\w*", "印度尼西亚", "印尼"), "Indonesia", r=["ID"]),
    E((r"kenia", r"kenya\w*", "肯尼亚"), "Kenya", r=["KE"]),
    E((r"sudafrica", r"south africa\w*", "南非"), "South Africa", r=["ZA"]),
    E((r"australia\w*", "澳大利亚", "澳洲"), "Australia", r=["AU"]),
    E((r"hong kong", "香港"), "Hong Kong", r=["HK"]),
    E((r"china", r"chinese", r"chin[oa]s?", "中国"), "China", r=["CN"]),
    E((r"espana", r"spain", r"espanol(?:es|a)?", "西班牙"), "Spain", r=["ES"]),
    E((r"colombia\w*", "哥伦比亚"), "Colombia", r=["CO"]),
    E((r"peru\w*", "秘鲁"), "Peru", r=["PE"]),
    E((r"guatemala\w*",), "Guatemala", r=["GT"]),
    E((r"honduras", r"hondure\w+"), "Honduras", r=["HN"]),
    E((r"el salvador", r"salvadore\w+"), "El Salvador", r=["SV"]),
    E((r"uganda\w*", "乌干达"), "Uganda", r=["UG"]),
    E((r"laos", r"lao", "老挝"), "Laos", r=["LA"]),
    E((r"vietnam\w*", "越南"), "Viet Nam", r=["VN"]),
    E((r"pakistan\w*", r"paquistan", "巴基斯坦"), "Pakistan", r=["PK"]),
    E(
        (r"europe\w*", r"europa", r"union europea", "欧洲", "欧盟"),
        "Europe",
        r=["BE", "FR", "DE", "IT", "ES", "PT", "NL", "GR", "RO", "PL"],
    ),
    E(
        (
            r"worldwide",
            r"global(?:ly)?",
            r"international(?:ly)?",
            r"mundial(?:es)?",
            r"en todo el mundo",
            r"internacional(?:es)?",
            "全球",
            "国际",
        ),
        "global",
        r=["global"],
    ),
)

# pycountry names that are also ordinary words or US states: never read as countries.
_AMBIGUOUS_COUNTRY_NAMES = frozenset(
    {
        "chad",
        "georgia",
        "jordan",
        "guinea",
        "niger",
        "turkey",
        "oman",
        "mali",
        "togo",
        "peru",
        "cuba",
        "iran",
        "iraq",
        "india",
        "china",
        "malta",
        "monaco",
    }
)


@lru_cache(maxsize=1)
def _english_country_patterns() -> tuple[tuple[str, str], ...]:
    """(folded name, ISO code) for every country, from the vocabulary of regions."""
    from core import taxonomy

    pairs = []
    for code, name in taxonomy.country_choices():
        base = fold(name.split(",")[0])
        if len(base) >= 5 and base not in _AMBIGUOUS_COUNTRY_NAMES:
            pairs.append((base, code))
    return tuple(pairs)


# --- Reading a draft --------------------------------------------------------------------------


@dataclass
class Reading:
    """What the glossary found in a draft."""

    language: str
    english_terms: list[str] = field(default_factory=list)
    facets: dict[str, set[str]] = field(default_factory=lambda: {f: set() for f in FACET_FIELDS})
    matched: list[str] = field(default_factory=list)

    @property
    def english_text(self) -> str:
        return " ".join(self.english_terms)


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern | None:
    if _CJK.search(pattern):
        return None  # plain substring
    return re.compile(rf"(?<![\w])(?:{pattern})(?![\w])")


def _found(pattern: str, folded: str) -> bool:
    regex = _compiled(pattern)
    if regex is None:
        return pattern in folded
    return regex.search(folded) is not None


def _apply(entries: Iterable[Entry], folded: str, reading: Reading, *, translate: bool) -> None:
    for entry in entries:
        hit = next((p for p in entry.patterns if _found(p, folded)), None)
        if hit is None:
            continue
        reading.matched.append(hit)
        if translate and entry.english:
            reading.english_terms.append(entry.english)
        for facet in FACET_FIELDS:
            reading.facets[facet].update(getattr(entry, facet))


def read_draft(text: str, language: str) -> Reading:
    """Facets implied by `text` and, for Spanish and Chinese, its English keywords."""
    folded = fold(text)
    reading = Reading(language=language)
    if language == "es":
        _apply(SPANISH, folded, reading, translate=True)
    elif language == "zh":
        _apply(CHINESE, folded, reading, translate=True)
    # English domain words are common in drafts in any language ("app", "hotline", "SMS").
    _apply(ENGLISH, folded, reading, translate=True)
    _apply(PLACES, folded, reading, translate=language != "en")
    for name, code in _english_country_patterns():
        if name in folded and _found(re.escape(name), folded):
            reading.facets["regions"].add(code)
    return reading
