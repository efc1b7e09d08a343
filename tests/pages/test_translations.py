"""Spanish and Simplified Chinese: every message is translated, and pages speak the language
the browser asks for."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ToolFactory

LOCALES = ["es", "zh_Hans"]


def _unquote(line: str) -> str:
    return ast.literal_eval(line) if line else ""


def po_entries(path: Path):
    """(msgid, [msgstr...], fuzzy) for each entry of a .po file, header excluded.

    A small reader of what makemessages writes: comments, then msgctxt/msgid/msgid_plural/
    msgstr/msgstr[n] lines, each possibly continued by quoted lines."""
    entries = []
    current: dict = {}
    key = None
    fuzzy = False

    def finish():
        nonlocal current, fuzzy
        if current.get("msgid") or current.get("msgid_plural"):
            strs = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            entries.append((current.get("msgid", ""), strs, fuzzy))
        current, fuzzy = {}, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            key = None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            key = match.group(1)
            current[key] = _unquote(match.group(2))
        elif line.startswith('"') and key:
            current[key] += _unquote(line)
    finish()
    return entries


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    path = Path(settings.BASE_DIR) / "locale" / locale / "LC_MESSAGES" / "django.po"
    entries = po_entries(path)

    assert len(entries) > 100
    untranslated = [msgid for msgid, strs, _fuzzy in entries if not strs or not all(strs)]
    fuzzy = [msgid for msgid, _strs, is_fuzzy in entries if is_fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated in {locale}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {locale}"
    assert path.with_suffix(".mo").exists(), "run compilemessages"


def test_the_reader_of_po_files_sees_fuzzy_and_empty_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#, fuzzy\nmsgid "Tools"\nmsgstr "Herramientas"\n\n'
        'msgid "Needs"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "uno"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )

    entries = po_entries(po)

    assert entries == [
        ("Tools", ["Herramientas"], True),
        ("Needs", [""], False),
        ("one", ["uno", ""], False),
    ]


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("es", ["Herramientas", "Necesidades", "Saltar al contenido principal"]),
        ("zh-hans", ["工具", "需求", "跳到主要内容"]),
        ("zh-CN,zh;q=0.9", ["工具", "跳到主要内容"]),
    ],
)
def test_pages_speak_the_language_the_browser_asks_for(client, accept, expected):
    ToolFactory(name="Shelter Bridge", functions=["case_management"])

    for name in ("registry:home", "registry:tool-list"):
        html = client.get(reverse(name), headers={"accept-language": accept}).content.decode()
        for text in expected:
            assert text in html, (name, accept, text)


def test_tool_list_facets_are_translated(client):
    ToolFactory(functions=["case_management"])

    html = client.get(
        reverse("registry:tool-list"), headers={"accept-language": "es"}
    ).content.decode()

    assert "Gestión de casos" in html


@pytest.mark.urls("tests.pages.i18n_urls")
def test_language_switcher_sets_the_language(client):
    html = client.get(reverse("registry:home")).content.decode()
    assert 'name="language"' in html
    assert reverse("set_language") in html

    response = client.post(
        reverse("set_language"), {"language": "es", "next": reverse("registry:tool-list")}
    )

    assert response.status_code == 302
    assert "Herramientas" in client.get(reverse("registry:tool-list")).content.decode()


def test_a_dismissed_suggestion_and_a_dismissed_report_are_worded_apart_where_needed():
    from django.utils import translation

    from community.models import RecordReport
    from registry.models import NeedToolMatch

    with translation.override("zh-hans"):
        suggestion = str(NeedToolMatch.Decision.DISMISSED.label)
        report = str(RecordReport.Status.DISMISSED.label)
    assert suggestion != report
    assert "Dismissed" not in (suggestion, report)
