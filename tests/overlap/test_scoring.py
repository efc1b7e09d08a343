"""The scoring functions are pure: plain values in, plain values out."""

import pytest

from registry.overlap import glossary, scoring
from registry.overlap.scoring import Signals, Weights


def test_facet_overlap_counts_only_facets_the_draft_names():
    match = scoring.facet_overlap(
        {"functions": {"case_management"}},
        {"functions": {"case_management", "survivor_services"}, "regions": {"KE"}},
    )
    assert match.shared == {"functions": ("case_management",)}
    assert 0.8 < match.score <= 1.0


def test_facet_overlap_is_zero_without_shared_codes():
    match = scoring.facet_overlap({"functions": {"mapping"}}, {"functions": {"training"}})
    assert match.score == 0.0
    assert match.shared == {}


def test_a_focused_record_outranks_a_broad_one_on_the_same_function():
    draft = {"functions": {"hotline_reporting"}}
    focused = scoring.facet_overlap(draft, {"functions": {"hotline_reporting"}})
    broad = scoring.facet_overlap(
        draft, {"functions": {"hotline_reporting", "training", "mapping", "research_data"}}
    )
    assert focused.score > broad.score > 0


def test_global_region_matches_any_place_but_the_country_itself_matches_better():
    draft = {"regions": {"MX"}}
    national = scoring.facet_overlap(draft, {"regions": {"MX"}})
    worldwide = scoring.facet_overlap(draft, {"regions": {"global"}})
    elsewhere = scoring.facet_overlap(draft, {"regions": {"TH"}})
    assert national.score == 1.0
    assert worldwide.matched_by_global and 0 < worldwide.score < 1
    assert elsewhere.score == 0.0


def test_a_worldwide_draft_matches_a_national_record():
    match = scoring.facet_overlap({"regions": {"global"}}, {"regions": {"KE"}})
    assert match.score == 1.0 and match.matched_by_global


def test_explicit_fit_penalizes_records_elsewhere_or_doing_something_else():
    explicit = {"regions": {"MX"}, "functions": {"hotline_reporting"}}
    assert (
        scoring.explicit_fit(explicit, {"regions": {"MX"}, "functions": {"hotline_reporting"}})
        == 1.0
    )
    assert (
        scoring.explicit_fit(explicit, {"regions": {"global"}, "functions": {"hotline_reporting"}})
        == 1.0
    )
    assert (
        scoring.explicit_fit(explicit, {"regions": {"TH"}, "functions": {"hotline_reporting"}})
        < 1.0
    )
    assert scoring.explicit_fit(explicit, {"regions": {"MX"}, "functions": {"training"}}) < 1.0


def test_name_similarity_tolerates_typos_and_ignores_bracketed_expansions():
    assert scoring.name_similarity("Spotlite", "Spotlight") > 0.4
    assert scoring.name_similarity("PATH", "PATH (Platform for the Analysis of Traffickers)") == 1
    assert scoring.name_similarity("Payroll", "Spotlight") < 0.1
    assert scoring.name_similarity("", "Spotlight") == 0.0


def test_stem_unifies_plurals_verb_forms_and_british_spelling():
    assert scoring.stem("hotlines") == scoring.stem("hotline")
    assert scoring.stem("labour") == scoring.stem("labor")
    assert scoring.stem("recognising") == scoring.stem("recognize")
    assert scoring.stem("mapping") == scoring.stem("map")


def test_normalize_ranks_gives_the_best_match_one():
    assert scoring.normalize_ranks({1: 4.0, 2: 2.0}) == {1: 1.0, 2: 0.5}
    assert scoring.normalize_ranks({}) == {}


def test_coverage_and_matched_terms():
    weights = {"hotlin": 2.0, "mexico": 1.0, "confidential": 1.0}
    assert scoring.coverage(weights, {"hotlin", "mexico"}) == pytest.approx(0.75)
    assert scoring.matched_terms(weights, {"mexico", "hotlin"}) == ["hotlin", "mexico"]


def test_calibrated_cosine_stretches_e5s_band():
    assert scoring.calibrate_cosine(0.70) == 0.0
    assert scoring.calibrate_cosine(0.99) == 1.0
    assert 0 < scoring.calibrate_cosine(0.85) < 1


def test_weights_lean_on_meaning_for_non_english_drafts():
    english = scoring.weights_for("en", semantic=True, explicit_facets=False)
    spanish = scoring.weights_for("es", semantic=True, explicit_facets=False)
    assert spanish.semantic > english.semantic
    assert spanish.lexical < english.lexical
    for w in (english, spanish):
        assert w.lexical + w.semantic + w.name + w.facets == pytest.approx(1.0)


def test_short_drafts_with_facets_lean_on_facets():
    short = scoring.weights_for("en", semantic=True, explicit_facets=True, draft_terms=1)
    long = scoring.weights_for("en", semantic=True, explicit_facets=True, draft_terms=30)
    plain = scoring.weights_for("en", semantic=True, explicit_facets=False, draft_terms=30)
    assert short.facets > long.facets > plain.facets


def test_without_embeddings_the_semantic_weight_is_zero():
    weights = scoring.weights_for("es", semantic=False, explicit_facets=False)
    assert weights.semantic == 0.0


def test_fuse_is_in_unit_interval_and_monotonic():
    weights = Weights(0.3, 0.4, 0.1, 0.2)
    low = scoring.fuse(Signals(lexical=0.1, semantic=0.1, coverage=0.1), weights)
    high = scoring.fuse(
        Signals(lexical=1.0, semantic=0.9, name=0.9, facets=1.0, coverage=1.0), weights
    )
    assert 0.0 <= low < high <= 1.0
    top = scoring.fuse(Signals(lexical=1, semantic=1, name=1, facets=1, coverage=1), weights)
    assert top == pytest.approx(1.0)


def test_fuse_judges_a_record_without_vector_on_the_other_signals():
    weights = Weights(0.3, 0.4, 0.1, 0.2)
    assert scoring.fuse(Signals(lexical=1, coverage=1, facets=1, semantic=None), weights) > 0.8


def test_short_drafts_are_never_duplicates_by_score_alone():
    strong = Signals(lexical=1, semantic=1, coverage=1)
    assert not scoring.is_likely_duplicate(0.9, strong, draft_terms=1)
    assert scoring.is_likely_duplicate(0.9, strong, draft_terms=12)
    assert not scoring.is_likely_duplicate(0.3, strong, draft_terms=12)
    assert scoring.is_likely_duplicate(0.3, Signals(name=0.9), draft_terms=1)


@pytest.mark.parametrize(
    ("text", "language", "facet", "code"),
    [
        (
            "Necesitamos ayuda contra la trata laboral en el campo",
            "es",
            "trafficking_types",
            "labor",
        ),
        ("Riesgos en la cadena de suministro de algodón", "es", "functions", "supply_chain"),
        ("Una línea de ayuda para víctimas", "es", "functions", "hotline_reporting"),
        ("Una linea de ayuda para victimas", "es", "functions", "hotline_reporting"),
        ("评估供应链的强迫劳动风险", "zh", "functions", "supply_chain"),
        ("A helpline for survivors in Mexico", "en", "regions", "MX"),
        ("Case management for our caseworkers", "en", "functions", "case_management"),
    ],
)
def test_glossary_infers_facets(text, language, facet, code):
    assert code in glossary.read_draft(text, language).facets[facet]


def test_glossary_translates_spanish_into_catalogue_words():
    reading = glossary.read_draft("Línea de ayuda contra la trata laboral", "es")
    assert "hotline" in reading.english_text
    assert "forced labour" in reading.english_text


def test_us_is_not_read_from_the_pronoun():
    assert "US" not in glossary.read_draft("Help us find shelters", "en").facets["regions"]


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        ("We need a hotline for survivors", "en", "en"),
        ("Necesitamos una línea de ayuda para las víctimas de la trata", "en", "es"),
        ("我们需要一个举报热线", None, "zh"),
        ("Anything at all", "es-MX", "es"),
        ("Tarjimly", "zh-hans", "zh"),
    ],
)
def test_detect_language(text, declared, expected):
    assert glossary.detect_language(text, declared) == expected


def test_a_repeated_query_text_is_embedded_once(settings, monkeypatch):
    import numpy as np

    from registry import embeddings

    calls = []

    class FakeModel:
        def query(self, text):
            calls.append(text)
            vector = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
            vector[len(calls) % embeddings.DIMENSIONS] = 1.0
            return vector

    settings.REGISTRY_EMBEDDINGS = True
    monkeypatch.setattr(embeddings, "_get_model", lambda: FakeModel())
    monkeypatch.setattr(embeddings, "QUERY_CACHE_SIZE", 2)
    embeddings.clear_query_cache()
    try:
        first = embeddings.embed_query("Shelter referrals in three languages")
        again = embeddings.embed_query("  Shelter referrals   in three languages ")
        assert again is first and len(calls) == 1
        assert not first.flags.writeable  # shared: nobody may change it in place
        embeddings.embed_query("Hotline for migrant workers")
        embeddings.embed_query("Supply chain audits")  # the oldest text falls out
        embeddings.embed_query("Shelter referrals in three languages")
        assert len(calls) == 4
        embeddings.clear_query_cache()
        embeddings.embed_query("Hotline for migrant workers")
        assert len(calls) == 5
    finally:
        embeddings.clear_query_cache()
