"""The one matcher (ecitizen.core.textmatch): plurals, accents, hyphens, languages, ranking."""

from __future__ import annotations

import pytest

from ecitizen.core.textmatch import Index, fold, matching_keys, parse, words

ENGLISH = [
    ("pothole", [("Pot-hole", 3), ("Roads", 2), ("Tell us how deep it is.", 1)]),
    ("streetlight", [("Street light not working", 3), ("Street lighting", 2)]),
    ("report", [("Report a problem", 3), ("problem fault street road", 2)]),
    ("tax", [("Property tax", 3), ("tax taxes", 2)]),
    ("fees", [("Fees and taxes", 3), ("fee fees cost", 2)]),
    ("parking", [("Apply for a resident parking permit", 3), ("Parking and roads", 2)]),
    ("birth", [("Register a birth certificate", 3)]),
]


def keys(index: Index, query: str, **kwargs) -> list:
    return [hit.key for hit in index.search(query, **kwargs)]


@pytest.fixture(scope="module")
def english():
    return Index(ENGLISH, "en")


@pytest.mark.parametrize("query", ["pothole", "potholes", "POTHOLES", "Pot-hole", "pot-holes", "pot‐hole"])
def test_singular_plural_case_and_hyphens_find_the_pot_hole(english, query):
    assert keys(english, query)[0] == "pothole"


@pytest.mark.parametrize("query", ["tax", "taxes", "Tax", "TAXES"])
def test_tax_and_taxes_find_both_the_tax_and_the_fee_schedule(english, query):
    assert set(keys(english, query)) == {"tax", "fees"}


def test_a_phrase_with_small_words_finds_what_is_titled_so_first(english):
    assert keys(english, "report a problem")[0] == "report"
    assert keys(english, "Report a problem") == keys(english, "report problem")


def test_every_word_must_match_unless_asked_otherwise(english):
    assert keys(english, "pothole zebra") == []
    assert keys(english, "pothole zebra", require_all=False) == ["pothole"]


def test_the_start_of_a_word_matches_from_three_letters(english):
    assert keys(english, "certif") == ["birth"]
    assert keys(english, "park") == ["parking"]
    assert keys(english, "pa") == []


def test_a_title_match_ranks_above_a_keyword_or_summary_match(english):
    # "taxes" is the title word of the fee schedule and only a keyword of the tax.
    assert keys(english, "taxes") == ["fees", "tax"]
    assert keys(english, "property tax") == ["tax"]


def test_nothing_and_only_punctuation_find_nothing(english):
    assert keys(english, "") == []
    assert keys(english, "   ") == []
    assert keys(english, "!!! ???") == []


def test_small_words_alone_are_still_searched(english):
    assert parse("a", "en")[0].word == "a"
    assert set(keys(english, "a")) == {"report", "parking", "birth"}


def test_accents_and_case_fold_away():
    assert fold("Façade ÉLÈVE") == "facade eleve"
    index = Index([("s", [("Inscripción en el padrón", 3)]), ("f", [("Taxe foncière", 3)])], "es")
    for query in ("inscripcion", "INSCRIPCIÓN", "padron", "inscripciones"):
        assert keys(index, query) == ["s"], query


@pytest.mark.parametrize("query", ["permis", "Permis", "PERMIS"])
def test_french_permis(query):
    index = Index(
        [("p", [("Demander un permis de stationnement", 3)]), ("t", [("Taxe foncière", 3)])],
        "fr",
    )
    assert keys(index, query) == ["p"]


@pytest.mark.parametrize("query", ["taxe", "taxes", "fonciere", "foncière", "Foncières"])
def test_french_plurals_and_accents(query):
    index = Index([("t", [("Taxe foncière", 3)])], "fr")
    assert keys(index, query) == ["t"]


@pytest.mark.parametrize("query", ["impuestos", "impuesto", "IMPUESTOS", "inmuebles"])
def test_spanish_impuestos(query):
    index = Index([("t", [("Impuesto sobre bienes inmuebles", 3)]), ("b", [("Bache", 3)])], "es")
    assert keys(index, query) == ["t"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ضريبة", "tax"),  # tax
        ("الضريبة", "tax"),  # the tax
        ("العقار", "tax"),  # the property
        ("حفرة", "pothole"),  # pot-hole
        ("الحفرة", "pothole"),
        ("حُفرة", "pothole"),  # with a short vowel written
        ("طريق", "pothole"),  # road, without the article
    ],
)
def test_arabic_with_and_without_the_article_and_short_vowels(query, expected):
    index = Index([("tax", [("ضريبة العقارات", 3)]), ("pothole", [("حفرة في الطريق", 3)])], "ar")
    assert keys(index, query) == [expected]


def test_the_readers_language_decides_the_stemming():
    # Spanish "bache"/"baches": the Spanish stemmer makes them one word; without stemming they differ.
    entries = [("b", [("Bache", 3)])]
    assert keys(Index(entries, "es"), "baches") == ["b"]
    assert keys(Index(entries, "xx"), "bache") == ["b"]


def test_a_hyphenated_word_is_whole_joined_and_in_parts():
    assert words("Pot-hole, l'impôt") == ["pothole", "pot", "hole", "l", "impôt"]
    assert words("Pot-hole", hyphen_parts=False) == ["pothole"]


def test_the_query_is_at_most_ten_words_and_each_word_once():
    terms = parse("tax tax " + " ".join(f"w{i}" for i in range(20)), "en")
    assert len(terms) == 10
    assert [t.word for t in terms].count("tax") == 1


def test_close_words_suggest_a_spelling_that_exists(english):
    assert english.close_words("pothle") == ["pothole"]
    assert english.close_words("pothole") == []  # already known
    assert english.close_words("xq") == []


def test_markup_in_a_query_is_only_words(english):
    assert keys(english, "<script>alert('tax')</script>") == []
    assert keys(english, "<b>tax</b>", require_all=False) == ["tax", "fees"]


def test_matching_keys_for_the_catalogue():
    texts = [(1, "apply for a resident parking permit\nsolicitar un permiso"), (2, "bus pass")]
    assert matching_keys("permits", texts, "en") == [1]
    assert matching_keys("Parking PERMIT", texts, "en") == [1]
    assert matching_keys("zebra", texts, "en") == []


def test_the_start_of_a_word_is_a_fallback_not_noise():
    index = Index([("taxi", [("Taxi driver licence", 3)]), ("tax", [("Property tax", 3)])], "en")
    assert keys(index, "tax") == ["tax"]  # not every taxi
    assert keys(index, "taxi") == ["taxi"]
    assert keys(index, "driv") == ["taxi"]  # no word has the stem "driv": the start of "driver" will do


def test_without_prefix_only_whole_words_match():
    index = Index([("taxi", [("Taxi driver licence", 3)])], "en")
    assert keys(index, "tax") == ["taxi"]  # this index has no "tax": the start of "taxi" will do
    assert keys(index, "tax", prefix=False) == []
