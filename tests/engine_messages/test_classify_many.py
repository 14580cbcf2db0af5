"""The batch API (Classifier.classify_many, normalise.tokens_many) answers as the one-text
API does: the same tokens, hits in the same order, flags and ratings; the probabilities
within 1e-9 (the batch adds the model's weights in another order, with numpy)."""

import json
import os
import shlex
import shutil
import sysconfig
from pathlib import Path

import pytest

from esafety.engine.messages import classifier as classifier_module
from esafety.engine.messages import normalise, speedups
from esafety.engine.messages.classifier import (
    LEXICON_PATH,
    Classifier,
    Lexicon,
    _first_words,
    _fixed_parts,
    _token_needs,
    default_classifier,
    load_lexicon,
    load_model,
)
from esafety.engine.messages.normalise import tokens, tokens_many

REFERENCE = json.loads((Path(__file__).parent / "classifier_reference.json").read_text("utf-8"))
REFERENCE_TEXTS = [row["text"] for row in REFERENCE]

# Texts where the batch shortcuts could go wrong: nothing to tokenise, look-alikes, letters
# spaced out at the very start or end of a text, addresses at the edges, "*" masks, safe
# phrases, repeated letters, long texts, characters the batch uses as separators.
EDGE_TEXTS = [
    "", " ", "\n\t ", "\u3000", "*", "**", "***", "!!!", "...", "'", "a", "aa", "aaa",
    "f u c k", "f u c k you", "you f u c k", "x f.u.c.k", "s.h.i.t", "f-u-c-k!", "a b c",
    "u are a f u c k i n g idiot", ". x !!!", "a a a",
    "http://x.com/fuck", "www.shit.com", "see http://a.b", "http://a.b see", "a@b.com",
    "mail me at a@b.com", "x@y.z fuck", "a@b.c!.e", "a@b.c,d.e f", "\"@user: hi@x.com",
    "f*ck", "f**k off", "sh*t", "b*ll*cks you", "*fuck*",
    "sex education", "sex education is fun you idiot", "Dick Whittington", "great tit",
    "breast cancer awareness", "kill time", "you are a hoe", "pussy cat",
    "ｆｕｃｋ you", "f\u200buck", "\u0405hit", "İstanbul", "ΣΑΣ", "caf\u00e9 fuck",
    "fuuuuuck", "shiiit", "shitttt", "fuuuuck yoooou", "€ £ €€ £ucking $hit sh1t",
    "\x00 nul f u c k", "fuck\x00you", "\x01\x02 fuck", "fuck\u2028you", "http://x.com\u2028fuck",
    "Scunthorpe, Sussex, assessment, cockpit, Matsushita", "45s and 1990s at 10am",
    "@user @user you are stupid", "I will kill you", "shut up", "i want to kill myself",
    "go back to your country", "you stupid bitch " * 10, "you " * 100, "bitch " * 60,
]

# Neighbours in one batch that must not run into each other.
NEIGHBOURS = [["a b", "c d"], ["f u", "c k"], ["x.", ".y"], ["foo@bar", ".com"],
              ["http://a", "b"], ["aa", "a"], ["a", "aa"], ["f u c", "k"], ["", "f u c k", ""],
              ["sex", "education"], ["f*", "*k"], ["you", "idiot"]]


def summary(result) -> tuple:
    """Everything a Classification says but its probabilities, hits in order."""
    return (list(result.categories), result.flagged, result.rating, result.flagged_categories,
            result.category_ratings, [(h.category, h.p, h.rating, h.term) for h in result.hits])


def probabilities(result) -> list[float]:
    return [*result.categories.values(), result.model_p]


def assert_same(batch_results, texts, classifier) -> None:
    """Each batch answer is classify(text)'s: exactly, but floats within 1e-9."""
    assert len(batch_results) == len(texts)
    for text, result in zip(texts, batch_results, strict=True):
        expected = classifier.classify(text)
        assert summary(result) == summary(expected), text
        assert probabilities(result) == pytest.approx(probabilities(expected), rel=0, abs=1e-9), text


@pytest.fixture(params=["shared", "fresh"])
def classifier(request):
    """The shipped classifier, and a new one whose per-token memories start empty."""
    if request.param == "shared":
        return default_classifier()
    return Classifier(load_lexicon(), load_model())


def test_classify_many_gives_what_classify_gives_on_the_reference_texts(classifier):
    assert_same(classifier.classify_many(REFERENCE_TEXTS), REFERENCE_TEXTS, classifier)


def test_classify_many_gives_what_classify_gives_on_the_edge_cases(classifier):
    assert_same(classifier.classify_many(EDGE_TEXTS), EDGE_TEXTS, classifier)


def needs_compiled():
    """Skips a test of the compiled scoring when it is not built here (tests/conftest.py
    builds it at the start of the run when a C compiler is there), saying why. scripts/test
    sets ESAFETY_REQUIRE_SPEEDUPS=1: there it fails instead, so CI always tests it."""
    if speedups.compiled is None:
        compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")[0]
        if shutil.which(compiler) is None:
            why = f"there is no C compiler ({compiler}) to build _speedups.c"
        else:
            why = ("_speedups.c did not compile here (python scripts/build_speedups.py "
                   "says why)")
        if os.environ.get("ESAFETY_REQUIRE_SPEEDUPS"):
            pytest.fail(f"scripts/test tests the compiled scoring, but {why}")
        pytest.skip(f"the classifier's compiled scoring is not built: {why}; "
                    "it scores in Python with the same answers")


@pytest.mark.parametrize("required", [False, True])
def test_without_the_compiled_scoring_its_tests_skip_except_in_scripts_test(
        monkeypatch, required):
    monkeypatch.setattr(speedups, "compiled", None)
    if required:
        monkeypatch.setenv("ESAFETY_REQUIRE_SPEEDUPS", "1")
    else:
        monkeypatch.delenv("ESAFETY_REQUIRE_SPEEDUPS", raising=False)
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome, match="compiled scoring"):
        needs_compiled()


@pytest.fixture(params=["compiled", "numpy", "text by text"])
def scoring(request, monkeypatch):
    """Each way Model.window_probabilities can score: compiled (_speedups.c), or without
    it, numpy for every batch or text by text for every batch."""
    if request.param == "compiled":
        needs_compiled()
    else:
        monkeypatch.setattr(speedups, "compiled", None)
        monkeypatch.setattr(classifier_module, "_NUMPY_FROM",
                            0 if request.param == "numpy" else 10**9)
    return request.param


def test_every_way_of_scoring_gives_what_classify_gives(scoring):
    classifier = Classifier(load_lexicon(), load_model())
    texts = REFERENCE_TEXTS + EDGE_TEXTS
    assert_same(classifier.classify_many(texts), texts, classifier)


@pytest.mark.parametrize("batch", [
    ["you are a stupid idiot"],  # one text
    ["you stupid bitch " * 10, "bitch " * 60, "you " * 100, "idiot " * 40],  # only long texts
    ["", " ", "\n", ""],  # only empty texts
    ["", "you idiot", "bitch " * 60, "lovely weather", "f u c k off", " ", "go die " * 20],
], ids=["one text", "only long texts", "only empty texts", "mixed"])
def test_batches_of_one_kind_and_mixed(scoring, batch):
    classifier = default_classifier()
    assert_same(classifier.classify_many(batch), batch, classifier)


def test_model_batch_scoring_matches_the_model_text_by_text():
    # Unknown words count towards a text's length; ignored words and pairs of two ignored
    # words do not; repeated words and pairs count once; no strong feature, no evidence.
    model = load_model()
    weak = next(w for w, weight in model._unigrams.items() if 0 < weight < model.min_evidence)
    strong = next(w for w, weight in model._unigrams.items() if weight >= model.min_evidence)
    ignored = sorted(model.ignore)[:2]
    texts = [[strong], [weak], ["zzunknownzz"], [strong, strong, strong], [strong, "zzqq", "zzqq"],
             [*ignored, *ignored, strong], [*ignored, weak], [strong, *ignored] * 10,
             ["@user", "you", "are", "a", "stupid", "idiot"], [weak, strong, weak, "x"]]
    batch = model.one_window_probabilities(texts)
    for toks, p in zip(texts, batch, strict=True):
        assert p == pytest.approx(model.score(toks)[0], rel=0, abs=1e-12), toks
    needs_compiled()
    compiled = model.window_probabilities(texts)
    for toks, p in zip(texts, compiled, strict=True):
        assert p == pytest.approx(model.score(toks)[0], rel=0, abs=1e-12), toks


def test_compiled_scoring_matches_the_model_on_generated_windows():
    # Long windows (over the 64 tokens kept on the stack), many repeats, ignored
    # words next to each other and apart, words and pairs the model weighs and does not.
    needs_compiled()
    import random

    model = load_model()
    rng = random.Random(7)
    pairs = list(model._pairs)
    vocabulary = (sorted(model._unigrams)[:300] + sorted(model.ignore)
                  + [w for pair in pairs[:200] for w in pair] + ["zzq", "zzr", "@user", ""])
    windows = [[], ["zzq"], list(pairs[0]), list(pairs[0]) * 40, ["a"] * 70, ["a", "b"] * 70]
    for _ in range(3000):
        windows.append([rng.choice(vocabulary) for _ in range(rng.choice([1, 2, 5, 32, 80]))])
    compiled = speedups.compiled.score_windows(
        windows, model._unigrams, model.window_probabilities([["x"]]) and model._pairs_by_first,
        model.ignore, model.bias, model.min_evidence)
    for toks, p in zip(windows, compiled, strict=True):
        # (one_window_probability is score()'s one-window case, for windows of any length.)
        expected = model.one_window_probability(toks, set(toks))
        assert p == pytest.approx(expected, rel=0, abs=1e-12), toks


def test_compiled_scoring_refuses_bad_input_with_an_error():
    needs_compiled()
    score = speedups.compiled.score_windows
    with pytest.raises(TypeError):
        score([["a"]], {}, {}, ["not", "a", "set"], 0.0, 0.5)
    with pytest.raises(TypeError):
        score(None, {}, {}, frozenset(), 0.0, 0.5)
    with pytest.raises(TypeError):
        score([None], {}, {}, frozenset(), 0.0, 0.5)
    with pytest.raises(TypeError):
        score([[["unhashable"]]], {}, {}, frozenset(), 0.0, 0.5)
    with pytest.raises(TypeError):
        score([["a", 1]], {}, {}, frozenset(), 0.0, 0.5)
    with pytest.raises(TypeError):
        score([["a"]], {"a": "not a number"}, {}, frozenset(), 0.0, 0.5)
    assert score([], {}, {}, frozenset(), 0.0, 0.5) == []


def test_a_module_built_from_another_source_is_not_used(monkeypatch, tmp_path):
    needs_compiled()
    assert speedups.load() is speedups.compiled
    (tmp_path / "_speedups.c").write_text("/* another version */\n")
    monkeypatch.setattr(speedups, "HERE", tmp_path)
    assert speedups.load() is None
    monkeypatch.setattr(speedups, "HERE", tmp_path / "missing")
    assert speedups.load() is None


def test_compiled_word_look_ups_give_what_the_python_loop_gives(monkeypatch):
    needs_compiled()
    texts = REFERENCE_TEXTS + EDGE_TEXTS + [t for pair in NEIGHBOURS for t in pair]
    texts += [" ".join(t.split()[::-1]) for t in REFERENCE_TEXTS]  # new words, new parts
    compiled = tokens_many(texts)
    monkeypatch.setattr(speedups, "compiled", None)
    monkeypatch.setattr(normalise, "_WORD_TOKENS", {})  # learn every word again
    assert tokens_many(texts) == compiled == [tokens(t) for t in texts]


def test_compiled_word_look_ups_leave_new_words_to_python():
    needs_compiled()
    map_words = speedups.compiled.map_words
    memory = {"a": ("a",), "bb": ("b", "b"), "x": (), "odd": None, "\u0130": ("i",)}
    assert map_words("", memory) == [[]]
    assert map_words(" a\tbb \n\x00\n x a \x00 \x00", memory) == [["a", "b", "b"], ["a"], [], []]
    assert map_words("a new\n\x00\na odd\n\x00\n\u0130 \u3000a", memory) == [
        None, None, ["i", "a"]]
    for parts in ([""], [" a\tbb ", " x a ", "", ""], ["a new", "a odd", "\u0130 \u3000a"]):
        text = normalise._SEPARATOR.join(parts)  # (the Python loop splits at the separator)
        assert map_words(text, memory) == normalise._map_words(text, memory)
    with pytest.raises(TypeError):
        map_words(b"bytes", memory)
    with pytest.raises(TypeError):
        map_words([["a", "b"]], memory)


def test_the_token_numbering_starts_again_when_full(monkeypatch):
    monkeypatch.setattr(classifier_module, "_ID_MEMORY", 5)
    model = load_model()
    for round_ in range(3):
        texts = [[f"new{round_}x{i}", "idiot", f"other{round_}x{i}"] for i in range(4)]
        batch = model.one_window_probabilities(texts)
        assert batch == pytest.approx([model.score(t)[0] for t in texts], rel=0, abs=1e-12)
        assert len(model._ids) <= len(model._base_ids) + 8  # one batch may need 8 numbers


@pytest.mark.parametrize("batch", NEIGHBOURS, ids=repr)
def test_texts_in_one_batch_do_not_run_into_each_other(batch):
    classifier = default_classifier()
    assert tokens_many(batch) == [tokens(text) for text in batch]
    assert_same(classifier.classify_many(batch), batch, classifier)


@pytest.mark.parametrize("text", EDGE_TEXTS + REFERENCE_TEXTS[:50], ids=lambda t: repr(t[:30]))
def test_one_text_alone_and_between_others_gives_the_same_tokens(text):
    assert tokens_many([text]) == [tokens(text)]
    assert tokens_many(["f u", text, "c k"])[1] == tokens(text)


def test_the_second_pass_gives_the_same_answers_as_the_first():
    # The per-word and per-token memories are filled on the first pass and read after.
    classifier = Classifier(load_lexicon(), load_model())
    first = classifier.classify_many(REFERENCE_TEXTS + EDGE_TEXTS)
    second = classifier.classify_many(REFERENCE_TEXTS + EDGE_TEXTS)
    assert [summary(r) for r in first] == [summary(r) for r in second]
    assert [probabilities(r) for r in first] == [probabilities(r) for r in second]


def test_an_empty_batch_gives_an_empty_list():
    assert default_classifier().classify_many([]) == []
    assert tokens_many([]) == []


def test_changing_one_answer_leaves_the_others_alone():
    # Clean texts share a precomputed answer; each caller still gets its own dict and lists.
    classifier = default_classifier()
    first, second = classifier.classify_many(["lovely weather", "see you soon"])
    first.categories["abuse"] = 1.0
    first.flagged_categories.append("abuse")
    first.hits.append(None)
    first.category_ratings["abuse"] = "gross"
    third = classifier.classify_many(["lovely weather", "x"])[0]
    for result in (second, third):
        assert result.categories["abuse"] < 0.01
        assert result.flagged_categories == [] and result.hits == []
        assert result.category_ratings == {}


def test_changing_one_answer_with_hits_leaves_the_others_alone():
    # Texts with the same telling words share what those words give (Classifier._summaries).
    classifier = default_classifier()
    first, second = classifier.classify_many(["you idiot", "what an idiot"])
    expected = summary(second)
    first.categories["sexual"] = 1.0
    first.flagged_categories.append("sexual")
    first.hits.clear()
    first.category_ratings["abuse"] = "mild"
    third = classifier.classify_many(["what an idiot", "x"])[0]
    assert summary(third) == expected and third.hits


def test_a_phrase_token_pre_check_needs_whole_words_of_the_pattern():
    def needs(patterns):
        found = _token_needs(_fixed_parts(patterns))
        return found and [set(map(frozenset, map(sorted, required))) for required in found]

    def words(*sets):
        return {frozenset(s.split()) for s in sets}

    assert needs(["(piss|sod) off", "go (die|to hell)", "shut (the fuck )?up"]) == [
        words("off", "piss sod"), words("go", "die to"), words("shut")]
    # A pattern "a|b" is two patterns; sre's factoring ("s(end|ent)") is seen through.
    assert needs(["(send|sent) nudes|nude pics"]) == [words("nudes", "send sent"),
                                                      words("nude", "pics")]
    # Parts that match no few fixed strings add nothing; the others still count.
    assert needs(["(a|b)+ c", "[a-z]+ up", "x"]) == [words("c"), words("up"), words("x")]
    # A pattern that needs no whole word: the group is always searched.
    assert needs(["(a )?b", "shut up"]) is None
    assert needs(["[a-z]+"]) is None
    assert needs(["(?i)shut up"]) is None
    # "@user" may start a match at "user": never required of a first part.
    assert needs(["user (is|are) thick"]) == [words("is are", "thick")]


def test_a_phrase_group_is_tried_only_where_its_first_words_are():
    def first_words(patterns):
        return _first_words(_fixed_parts(patterns))

    assert first_words(["(piss|sod) off", "go (die|to hell)", "(you are|u r) thick"]) == {
        "piss", "sod", "go", "you", "u"}
    assert first_words(["(piss|sod) off", "(the )?end"]) is None  # may begin otherwise
    assert first_words(["user (is|are) thick"]) is None  # "@user"
    lexicon = load_lexicon()
    texts = ["you you idiot", "you are a you are an idiot", "u idiot you idiot", "i hate you",
             "well i hate u and you are stupid", "@user @user you stupid hoe", "ur a joke",
             "shut up shut up", "go fuck yourself u idiot", "everyone hates u",
             "nobody likes you you loser", "i will kill you", "you are dead", "kill myself",
             "ur so thick", "you are such a stupid fucking idiot", "is it you", "yours idiot"]
    for text in texts:
        toks = tokens(text)
        joined = " ".join(toks)
        for index in range(len(lexicon.groups)):
            expected = lexicon.phrase_hit(index, joined)
            found = lexicon.phrase_hit_in_tokens(index, joined, set(toks))
            assert (vars(found) if found else None) == (vars(expected) if expected else None), (
                text, index)


def test_phrase_hits_with_the_token_pre_check_are_those_of_the_full_search():
    import yaml

    data = yaml.safe_load(LEXICON_PATH.read_text("utf-8"))
    data["phrases"].append({"category": "abuse", "p": 0.9, "when": ["thick"],
                            "patterns": ["user (is|are) thick", "(so|very) thick (you|u)"]})
    classifier = Classifier(Lexicon(data), load_model())
    phrases = ["you are such an idiot", "shut up", "i shut up shop", "go to hell",
               "go fuck yourself", "i will kill you", "watch your back", "kill myself",
               "i want to die", "send me nudes", "great replacement", "go back to your country",
               "thats gay", "everyone hates you", "end it all", "bring a knife to school",
               "our little secret", "white power", "nobody likes you", "kms", "better off dead",
               "@user are thick", "@user is thick you know", "user is thick", "so thick u",
               "users are thick", "@users are thick", "so thick", "thick @user"]
    texts = []
    for phrase in phrases:
        texts += [phrase, "well " + phrase, phrase + " innit", "@user " + phrase,
                  phrase.replace(" ", " get "), phrase.replace(" ", "  ")]
    assert_same(classifier.classify_many(texts), texts, classifier)
    assert classifier.classify_many(["@user are thick"])[0].flagged


def test_full_memories_start_again_without_changing_an_answer(monkeypatch):
    from esafety.engine.messages import normalise

    monkeypatch.setattr(classifier_module, "_COLLAPSE_MEMORY", 40)
    monkeypatch.setattr(normalise, "_WORD_MEMORY", len(normalise._WORD_TOKENS) + 40)
    monkeypatch.setattr(classifier_module, "_ID_MEMORY", 40)
    classifier = Classifier(load_lexicon(), load_model())
    texts = REFERENCE_TEXTS + EDGE_TEXTS
    assert_same(classifier.classify_many(texts), texts, classifier)
