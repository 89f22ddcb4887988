"""The content check: model, responses and handlers in step; broken files fail loudly at load."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from skill import content, model, protocol, ssml
from skill import conversation as conv
from skill.builder import routes
from skill.handlers import Route

LOCALES = model.locales()


def _phrases(locale: str, type_name: str) -> set[str]:
    """Every value and synonym of one slot type, lower case: what Alexa resolves to it."""
    return {w.lower() for v in model.load(locale).types[type_name] for w in (v.name, *v.synonyms)}


def _routed_intents() -> set[str]:
    """Intent names with a route of their own (the catch-all for unknown intents excluded)."""
    return {r.intent for r in routes() if isinstance(r, Route) and r.intent}


def test_safety_routes_come_first() -> None:
    order = [r.intent or r.request_type for r in routes() if isinstance(r, Route)]
    assert order[1:3] == ["EmergencyIntent", "SymptomReportIntent"]
    assert order[-1] == "IntentRequest"  # the catch-all for intents the model lacks is last


def test_there_is_a_model_and_responses_for_each_locale() -> None:
    assert LOCALES == ["en-US"]
    assert content.locales() == frozenset(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_in_the_model_has_a_handler_and_no_handler_is_orphaned(locale: str) -> None:
    declared = set(model.load(locale).intents)
    routed = _routed_intents()
    assert declared - routed == set(), "intents in the model with no handler"
    assert routed - declared == set(), "handlers for intents the model does not have"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_required_intents_and_built_ins_are_there(locale: str) -> None:
    intents = model.load(locale).intents
    required = {
        "CrampReliefIntent", "CausesIntent", "PreventionIntent", "RedFlagCheckIntent",
        "SymptomReportIntent", "EmergencyIntent", "CrampGoneIntent", "StillCrampingIntent",
    } | {f"AMAZON.{n}Intent" for n in (
        "Yes", "No", "Next", "Previous", "Repeat", "StartOver", "Help", "Stop", "Cancel", "Pause",
        "Resume", "NavigateHome", "Fallback")}
    assert required <= set(intents)
    assert intents["CrampReliefIntent"].slots == {"muscle": "MuscleType"}
    assert intents["SymptomReportIntent"].slots == {"symptom": "SymptomType", "also": "SymptomType"}
    assert intents["SymptomDeniedIntent"].slots == {
        "symptom": "SymptomType", "present": "SymptomType", "also": "SymptomType",
        "normal": "NormalFindingType"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_slot_value_has_something_to_say(locale: str) -> None:
    types = model.load(locale).types
    # Every value Alexa can resolve means something in the protocol, and the protocol names no
    # value Alexa cannot send.
    clinical = protocol.default()
    assert {v.name for v in types["MuscleType"]} == set(clinical.muscles)
    assert {v.name for v in types["SymptomType"]} == set(clinical.symptoms)
    # A healthy finding ("the same size") rules out the sign value the protocol names for it.
    assert {v.name for v in types["NormalFindingType"]} == set(clinical.normal_findings)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_easing_answer_is_a_way_of_saying_a_sign(locale: str) -> None:
    # Easing words in a sign's slot are read as the cramp easing; were one a listed sign, that
    # sign would be missed.
    assert _phrases(locale, "SymptomType").isdisjoint(protocol.default().easing_words)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_healthy_finding_is_a_way_of_saying_a_sign(locale: str) -> None:
    # A phrase in both lists ("once in a blue moon") is a sign to one and its denial to the other.
    assert _phrases(locale, "SymptomType").isdisjoint(_phrases(locale, "NormalFindingType"))


@pytest.mark.parametrize("locale", LOCALES)
def test_no_answer_about_something_else_is_a_way_of_saying_a_sign(locale: str) -> None:
    # Words about something other than the leg ("a cold") are out of scope whatever Alexa
    # resolved them to; were one a listed sign, that sign would be silenced.
    assert _phrases(locale, "SymptomType").isdisjoint(protocol.default().elsewhere_words)


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_are_rich_for_what_people_say_in_pain(locale: str) -> None:
    intents = model.load(locale).intents
    for name in ("CrampReliefIntent", "CausesIntent", "SymptomReportIntent", "EmergencyIntent"):
        assert len(intents[name].samples) >= 30, name
    relief = " | ".join(intents["CrampReliefIntent"].samples)
    assert "charley horse" in relief and "seized up" in relief
    assert any("at night" in s for s in intents["CausesIntent"].samples)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_the_code_speaks_exists_with_matching_placeholders(locale: str) -> None:
    catalog = content.Catalog.from_file(content.RESPONSES_DIR / f"{locale}.yaml")
    catalog.check_declared(content.speakable())  # raises on a missing key or placeholder mismatch


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_in_the_responses_is_spoken_by_the_code(locale: str) -> None:
    catalog = content.Catalog.from_file(content.RESPONSES_DIR / f"{locale}.yaml")
    speakable = content.speakable()  # the code's keys and the protocol's
    used = {k for k in catalog.entries if k.removeprefix(content.NIGHT) in speakable}
    assert set(catalog.entries) - used == set(), "dead content"


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_is_exclaimed_and_the_night_wording_is_shorter(locale: str) -> None:
    catalog = content.Catalog.from_file(content.RESPONSES_DIR / f"{locale}.yaml")
    for key, entry in catalog.entries.items():
        assert not any("!" in v for v in entry.variants), key
        # Safety advice may be longer at night: urgent care is closed, so it says what to do now.
        safety = key.startswith(("night.advice.", "night.reminder."))
        if key.startswith(content.NIGHT) and not safety:
            day = catalog.entries[key.removeprefix(content.NIGHT)]
            assert max(map(len, entry.variants)) <= max(map(len, day.variants)), key


@pytest.mark.parametrize("locale", LOCALES)
def test_at_night_the_urgent_advice_says_what_to_do_now(locale: str) -> None:
    # Urgent care is likely closed at night: the advice must not be the daytime one, nor only
    # "call your doctor" (the person needs something they can do now).
    catalog = content.catalog(locale)
    day = catalog.render((conv.advice("urgent"),))
    night = catalog.render((conv.advice("urgent"),), night=True)
    assert night != day
    assert len(ssml.to_text(night).split(". ")) >= 2  # what to do now, and what to do later


def test_a_night_key_must_replace_a_spoken_key(tmp_path: Path) -> None:
    real = (content.RESPONSES_DIR / "en-US.yaml").read_text(encoding="utf-8")
    path = _write(tmp_path, real.replace("night:\n  welcome:", "night:\n  welcom:"))
    with pytest.raises(content.ContentError, match=r"en-US.yaml:\d+: 'night.welcom' replaces no"):
        content.Catalog.from_file(path).check_declared(content.declared())


@pytest.mark.parametrize("module", ["conversation", "handlers", "screen"])
def test_no_sentence_is_hidden_in_the_code(module: str) -> None:
    # Words live in responses/: the code names keys, never sentences.
    source = (Path(conv.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    code = re.sub(r'"""[\s\S]*?"""|#.*', "", source)
    sentences = re.findall(r'"([^"\n]{3,})"', code)
    assert [s for s in sentences if re.search(r"[A-Z][a-z]+ [a-z]+ [a-z]+", s)] == []


# ---- broken files fail at load, naming the file and line ----------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "en-US.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("welcome: hi\nmenu: [unclosed\n", 3, "not valid YAML"),
        ("welcome: hi\n  bad indent: x\n", 2, "not valid YAML"),
        ("welcome: hi\nmenu: \"\"\n", 2, "empty variant"),
        ("welcome: hi\nmenu: []\n", 2, "sentence or a list"),
        ("welcome: hi\nmenu:\n  - one {a}\n  - two {b}\n", 4, "different placeholders"),
        ("welcome: hi\nmenu: \"wait [pause 11s] more\"\n", 2, "longer than 10s"),
        ("welcome: hi\nmenu: \"wait [pause three] more\"\n", 2, "not a [pause Ns] mark"),
        ("welcome: hi\nmenu: \"a {b c}\"\n", 2, "placeholders must be"),
        ("welcome: hi\nmenu: \"a { b\"\n", 2, "broken placeholder"),
        ("welcome: hi\nMenu: x\n", 2, "lower_snake_case"),
        ("welcome: hi\nmenu: 3\n", 2, "must be text"),
        ("welcome: hi\nwelcome: again\n", 2, "defined twice"),
    ],
)
def test_a_broken_responses_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(content.ContentError) as err:
        content.Catalog.from_file(path)
    assert f"{path}:{line}:" in str(err.value)
    assert problem in str(err.value)


def test_a_missing_key_or_placeholder_mismatch_names_the_file(tmp_path: Path) -> None:
    real = (content.RESPONSES_DIR / "en-US.yaml").read_text(encoding="utf-8")
    path = _write(tmp_path, real.replace("  paused:", "  pause:"))
    with pytest.raises(content.ContentError, match=r"en-US.yaml: missing key 'relief.paused'"):
        content.Catalog.from_file(path).check_declared(content.speakable())
    path = _write(tmp_path, real.replace("Picking up at step {number}.", "Picking up at {step}."))
    with pytest.raises(content.ContentError, match=r"en-US.yaml:\d+: 'relief.resume' has"):
        content.Catalog.from_file(path).check_declared(content.speakable())
    # The protocol's own keys are checked too: a step with no words, a sign with no reason.
    for old, new, key in [("  massage: \"Now", "  massages: \"Now", "step.massage"),
                          ("  injury: \"After", "  injured: \"After", "sign.injury")]:
        path = _write(tmp_path, real.replace(old, new))
        with pytest.raises(content.ContentError, match=rf"en-US.yaml: missing key '{key}'"):
            protocol.default().check_content(content.Catalog.from_file(path))


def test_the_skill_refuses_to_start_on_broken_content(tmp_path: Path, monkeypatch) -> None:
    _write(tmp_path, "welcome: [oops\n")
    monkeypatch.setattr(content, "RESPONSES_DIR", tmp_path)
    content._load.cache_clear()
    content.locales.cache_clear()
    try:
        from skill.builder import build_skill

        with pytest.raises(content.ContentError, match=r"en-US.yaml:2: not valid YAML"):
            build_skill()
    finally:
        content._load.cache_clear()
        content.locales.cache_clear()


def _model_text() -> str:
    return model.path_for("en-US").read_text(encoding="utf-8")


def _broken_model(tmp_path: Path, edit) -> Path:
    raw = json.loads(_model_text())
    edit(raw["interactionModel"]["languageModel"])
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return path


def _intent(language: dict, name: str) -> dict:
    return next(i for i in language["intents"] if i["name"] == name)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda lm: _intent(lm, "CausesIntent")["samples"].append("why my {leg} hurts"),
         "unknown slot {leg}"),
        (lambda lm: _intent(lm, "CausesIntent")["samples"].append("what causes cramps?"),
         "characters Alexa refuses"),
        (lambda lm: _intent(lm, "CausesIntent")["samples"].append("i ran 5 miles"),
         "characters Alexa refuses"),
        (lambda lm: _intent(lm, "CrampReliefIntent")["samples"].append("my {muscle}'s gone"),
         "slot joined to a word"),
        (lambda lm: _intent(lm, "PreventionIntent")["samples"].append(
            _intent(lm, "CausesIntent")["samples"][0].upper()), "is in both"),
        (lambda lm: _intent(lm, "SymptomReportIntent")["samples"].append(
            "okay my {symptom} is cramping"), "near-duplicate"),
        (lambda lm: _intent(lm, "AMAZON.FallbackIntent")["samples"].append(
            "i have a cold foot"), "names the slot value"),
        (lambda lm: lm.update(invocationName="cramps"), "two or more lower-case words"),
        (lambda lm: lm.update(invocationName="Cramp Coach"), "two or more lower-case words"),
        (lambda lm: lm.update(invocationName="cramp coach skill"), "must not contain"),
        (lambda lm: lm.update(invocationName="alexa cramp coach"), "must not contain"),
        (lambda lm: _intent(lm, "CrampReliefIntent")["slots"][0].update(type="LimbType"),
         "unknown type LimbType"),
        (lambda lm: _intent(lm, "CrampReliefIntent")["slots"].append(
            {"name": "side", "type": "AMAZON.SearchQuery"}), "appear in no sample"),
        (lambda lm: lm["types"][0]["values"][1]["name"]["synonyms"].append("calf"),
         "resolves to two values"),
        (lambda lm: lm["intents"].append({"name": "CausesIntent", "samples": []}),
         "declared twice"),
    ],
)
def test_a_broken_model_names_the_file_and_problem(tmp_path: Path, edit, problem: str) -> None:
    path = _broken_model(tmp_path, edit)
    with pytest.raises(model.ModelError) as err:
        model.load(path=path)
    assert str(err.value).startswith(str(path))
    assert problem in str(err.value)


def test_a_model_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "en-US.json"
    path.write_text(_model_text().replace('"invocationName"', "invocationName", 1))
    with pytest.raises(model.ModelError, match=rf"{re.escape(str(path))}:\d+: not valid JSON"):
        model.load(path=path)


def test_the_compiled_catalog_is_the_same_catalog(tmp_path: Path) -> None:
    source = content.Catalog.from_file(content.RESPONSES_DIR / "en-US.yaml")
    path = tmp_path / f"en-US{content.COMPILED}"
    path.write_text(source.compiled(), encoding="utf-8")
    assert content.Catalog.from_compiled(path).entries == source.entries
    path.write_text('{"entries": {"welcome": {}}}', encoding="utf-8")
    with pytest.raises(content.ContentError, match="not a compiled catalog"):
        content.Catalog.from_compiled(path)


def _name_free(raw: dict) -> list:
    return raw["interactionModel"]["_nameFreeInteraction"]["ingressPoints"]


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda points: points[1]["sampleUtterances"][0].update(value="my {muscle} is cramping"),
     "no slots"),
    (lambda points: points[1]["sampleUtterances"].extend(
        {"format": "RAW_TEXT", "value": f"cramp number {n}"} for n in ("one", "two")),
     "1 to 5 phrases"),
    (lambda points: points.append({"type": "INTENT", "name": "AMAZON.HelpIntent",
                                   "sampleUtterances": [{"format": "RAW_TEXT", "value": "help"}]}),
     "custom intent"),
    (lambda points: points.append({"type": "LAUNCH", "sampleUtterances": [
        {"format": "RAW_TEXT", "value": "open the calf coach"}]}), "one LAUNCH"),
    (lambda points: points[2]["sampleUtterances"][0].update(
        value=points[1]["sampleUtterances"][0]["value"]), "given twice"),
])
def test_a_broken_name_free_container_is_refused(tmp_path: Path, edit, problem: str) -> None:
    raw = json.loads(_model_text())
    edit(_name_free(raw))
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    with pytest.raises(model.ModelError, match=problem):
        model.load(path=path)


def test_the_name_free_phrases_reach_relief_causes_prevention_and_the_doctor_question() -> None:
    points = _name_free(json.loads(_model_text()))
    assert [p["type"] for p in points].count("LAUNCH") == 1
    assert {p.get("name") for p in points} - {None} == {
        "CrampReliefIntent", "CausesIntent", "PreventionIntent", "RedFlagCheckIntent"}
