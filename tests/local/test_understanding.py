"""Understanding: the resolver on our own labelled development set, written before tuning.

The utterances below are invented the way people talk to a speaker at 3 a.m. (fillers,
contractions, half sentences, their own words for a symptom), and none of them is a sample of the
interaction model, so they measure how the resolver generalises, not what it memorised. A test
keeps it that way (and tests/test_bench.py keeps them apart from the benchmark's held-out set,
which is why a few are worded a little unusually). Emergencies and warning signs are checked one
by one: a miss there is never acceptable. Everything else is held to an aggregate accuracy.

Baseline (the resolver and model before this set was used): intent 69.7%, slot 55.0%.
`python -m tests.local.test_understanding` prints the current numbers and every miss.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bench import understanding
from skill import model
from skill.local import hearing
from skill.local.normalise import normalise, stem
from skill.local.resolution import LAUNCH, RELIEF_OR_SAFETY
from skill.local.resolver import Resolver

FALLBACK = "AMAZON.FallbackIntent"
ACCURACY_TARGET = 0.95

Case = tuple[str, str, dict[str, str]]


def _c(say: str, intent: str, **slots: str) -> Case:
    return say, intent, slots


CASES: list[Case] = [
    # ---- coming back to a step ----
    _c("jump to step four", "GoToStepIntent", number="4"),
    _c("i'd got up to step two", "GoToStepIntent", number="2"),
    _c("start again from step three please", "GoToStepIntent", number="3"),
    _c("put me on step two", "GoToStepIntent", number="2"),
    _c("the heat pad is switched on now", "HeatOnIntent"),
    _c("tell cramp coach the towel is nice and warm on my leg", "HeatOnIntent"),
    # ---- a cramp, now ----
    _c("ow ow my calf is seizing", "CrampReliefIntent", muscle="calf"),
    _c("um my foot is all cramped up", "CrampReliefIntent", muscle="foot"),
    _c("alexa my hamstring just locked", "CrampReliefIntent", muscle="hamstring"),
    _c("I got a really bad cramp in my leg", "CrampReliefIntent", muscle="leg"),
    _c("my toes have curled up and are stuck", "CrampReliefIntent", muscle="toes"),
    _c("there's a charley horse in my thigh", "CrampReliefIntent", muscle="thigh"),
    _c("my calves are tightening up so bad", "CrampReliefIntent", muscle="calf"),
    _c("cramp in my left foot please help", "CrampReliefIntent", muscle="foot"),
    _c("my shin is cramping like crazy", "CrampReliefIntent", muscle="shin"),
    _c("woke up with my calf all knotted", "CrampReliefIntent", muscle="calf"),
    _c("my quads are spasming like mad", "CrampReliefIntent", muscle="quadriceps"),
    _c("what do I do my leg is cramping", "CrampReliefIntent", muscle="leg"),
    _c("help me with this cramp", "CrampReliefIntent"),
    _c("my arch is cramping up", "CrampReliefIntent", muscle="foot"),
    _c("the back of my leg is cramping", "CrampReliefIntent", muscle="calf"),
    _c("uh I've got a horrible cramp", "CrampReliefIntent"),
    # ---- causes ----
    _c("why does this happen to me every night", "CausesIntent"),
    _c("what's the reason I get leg cramps", "CausesIntent"),
    _c("how come my legs cramp when I sleep", "CausesIntent"),
    _c("what's behind these cramps", "CausesIntent"),
    _c("why am I getting so many charley horses", "CausesIntent"),
    _c("is it because I didn't drink enough water", "CausesIntent"),
    _c("what makes a muscle cramp", "CausesIntent"),
    _c("does getting older make cramps worse", "CausesIntent"),
    _c("why do my feet cramp up in bed", "CausesIntent"),
    _c("what is the cause of night cramps", "CausesIntent"),
    _c("does being dehydrated give you cramps", "CausesIntent"),
    _c("why would my legs cramp like this", "CausesIntent"),
    # ---- prevention ----
    _c("how can I make sure I don't get these again", "PreventionIntent"),
    _c("what can I do so I stop getting cramps", "PreventionIntent"),
    _c("how can I avoid charley horses", "PreventionIntent"),
    _c("any tips so I don't cramp at night", "PreventionIntent"),
    _c("what should I do before bed so my legs don't cramp", "PreventionIntent"),
    _c("will stretching help stop them", "PreventionIntent"),
    _c("should I be taking potassium", "PreventionIntent"),
    _c("is there a way to stop cramps coming back", "PreventionIntent"),
    _c("how do you prevent a charley horse", "PreventionIntent"),
    _c("would eating a banana help", "PreventionIntent"),
    _c("what can I do to keep from getting cramps", "PreventionIntent"),
    _c("should I drink more fluids", "PreventionIntent"),
    # ---- should I get it checked ----
    _c("should somebody look at my leg", "RedFlagCheckIntent"),
    _c("should I be worried about this cramp", "RedFlagCheckIntent"),
    _c("is this something serious", "RedFlagCheckIntent"),
    _c("when should I get this looked at", "RedFlagCheckIntent"),
    _c("is this a sign of something bad", "RedFlagCheckIntent"),
    _c("is it time to go to urgent care", "RedFlagCheckIntent"),
    _c("could it be a blood clot in my leg", "RedFlagCheckIntent"),
    _c("how do I know if I should see a doctor", "RedFlagCheckIntent"),
    _c("which symptoms mean trouble", "RedFlagCheckIntent"),
    # ---- warning signs (each one must be heard) ----
    _c("my foot's gone all numb", "SymptomReportIntent", symptom="numbness"),
    _c("I can't really feel my toes", "SymptomReportIntent", symptom="numbness"),
    _c("my leg feels kind of weak", "SymptomReportIntent", symptom="weakness"),
    _c("my leg keeps giving out on me", "SymptomReportIntent", symptom="weakness"),
    _c("my calf is all puffy and swollen", "SymptomReportIntent", symptom="swelling"),
    _c("the skin over my calf has gone red", "SymptomReportIntent", symptom="redness"),
    _c("my leg is kind of hot to touch", "SymptomReportIntent", symptom="warmth"),
    _c("my foot keeps tingling", "SymptomReportIntent", symptom="tingling"),
    _c("it feels like pins and needles", "SymptomReportIntent", symptom="tingling"),
    _c("I started taking a new blood pressure pill", "SymptomReportIntent",
       symptom="new medication"),
    _c("the doctor put me on water pills last week", "SymptomReportIntent",
       symptom="new medication"),
    _c("I just started on a diuretic", "SymptomReportIntent", symptom="new medication"),
    _c("I get cramps like every single night", "SymptomReportIntent",
       symptom="frequent cramps"),
    _c("I've got this pain that just won't go away", "SymptomReportIntent",
       symptom="persistent pain"),
    _c("my leg's been swollen since yesterday", "SymptomReportIntent", symptom="swelling"),
    _c("my ankle is really swollen", "SymptomReportIntent", symptom="swelling"),
    _c("I've got no strength left in my leg", "SymptomReportIntent", symptom="weakness"),
    _c("there's a red streak going up my leg", "SymptomReportIntent", symptom="redness"),
    _c("I've lost all the feeling in my foot", "SymptomReportIntent", symptom="numbness"),
    _c("my foot feels totally dead", "SymptomReportIntent", symptom="numbness"),
    _c("I can't put any weight on my leg", "SymptomReportIntent", symptom="cannot move"),
    _c("I've been cramping constantly for weeks", "SymptomReportIntent",
       symptom="frequent cramps"),
    _c("my doctor changed my medicine recently", "SymptomReportIntent",
       symptom="new medication"),
    _c("yes it's swollen", "SymptomReportIntent", symptom="swelling"),
    _c("my calf keeps aching all day", "SymptomReportIntent", symptom="persistent pain"),
    _c("this is my fourth cramp tonight", "SymptomReportIntent", symptom="frequent cramps"),
    # A sign left behind once the cramp has gone is news, not the cramp going or staying.
    _c("pins and needles now that the cramp has gone", "SymptomReportIntent", symptom="tingling"),
    _c("the cramp went but the pain has not", "SymptomReportIntent"),
    _c("it stopped cramping but the pain is still there today", "SymptomReportIntent"),
    _c("it's worse now", "SymptomReportIntent", symptom="getting worse"),
    # ---- emergencies (each one must be heard) ----
    _c("it's red yeah and i just passed out", "EmergencyIntent"),
    _c("my jaw and neck are hurting a lot", "EmergencyIntent"),
    _c("the whole foot's gone a weird purple colour and it's ice cold", "SymptomReportIntent",
       symptom="cold pale leg"),
    _c("my chest is really hurting", "EmergencyIntent"),
    _c("I'm worried it's my heart", "EmergencyIntent"),
    _c("I can't seem to get a breath in", "EmergencyIntent"),
    _c("I'm struggling for air", "EmergencyIntent"),
    _c("there was blood when I coughed just now", "EmergencyIntent"),
    _c("there's a crushing feeling in my chest", "EmergencyIntent"),
    _c("I feel like there's an elephant on my chest", "EmergencyIntent"),
    _c("my heart is pounding really fast", "EmergencyIntent"),
    _c("I'm gasping for air", "EmergencyIntent"),
    _c("can you call 911", "EmergencyIntent"),
    _c("get me an ambulance", "EmergencyIntent"),
    _c("I'm wheezing and can't breathe right", "EmergencyIntent"),
    _c("my chest feels heavy", "EmergencyIntent"),
    _c("it's so hard to catch my breath", "EmergencyIntent"),
    _c("pain going down my left arm and my chest", "EmergencyIntent"),
    _c("I might be having a heart attack", "EmergencyIntent"),
    _c("I'm breathing really fast and my chest hurts", "EmergencyIntent"),
    _c("there's blood in my spit", "EmergencyIntent"),
    _c("help my heart hurts", "EmergencyIntent"),
    _c("no I can't breathe", "EmergencyIntent"),
    # ---- a sign denied, an unsure answer ----
    _c("nah, it's not swollen", "SymptomDeniedIntent", symptom="swelling"),
    _c("no they are not that frequent", "SymptomDeniedIntent", symptom="frequent cramps"),
    _c("hmm I'm not really certain", "UnsureIntent"),
    # ---- the medicine they take; pregnancy ----
    _c("could my medication be causing cramps", "MedicineIntent", medicine="medicine"),
    _c("I've been taking statins", "MedicineIntent", medicine="statin"),
    _c("I'm pregnant and my calves keep cramping", "PregnancyIntent", muscle="calf"),
    # ---- it let go ----
    _c("okay it's let go now", "CrampGoneIntent"),
    _c("oh that's much better thanks", "CrampGoneIntent"),
    _c("the cramp's finally gone", "CrampGoneIntent"),
    _c("it doesn't hurt now", "CrampGoneIntent"),
    _c("it's easing up", "CrampGoneIntent"),
    _c("it feels fine now", "CrampGoneIntent"),
    _c("it's stopped hurting", "CrampGoneIntent"),
    _c("the pain has gone away", "CrampGoneIntent"),
    _c("my calf is relaxed now", "CrampGoneIntent"),
    # ---- still cramping ----
    _c("it's still really tight", "StillCrampingIntent"),
    _c("it hasn't let go yet", "StillCrampingIntent"),
    _c("nope still cramping", "StillCrampingIntent"),
    _c("the stretch isn't helping", "StillCrampingIntent"),
    _c("it's still killing me", "StillCrampingIntent"),
    _c("the cramp is still hanging on", "StillCrampingIntent"),
    _c("ugh it's cramping up again", "StillCrampingIntent"),
    _c("no it still hurts a bit", "StillCrampingIntent"),
    # ---- counting ----
    _c("can you count for me please", "CountIntent"),
    _c("count it out loud for me", "CountIntent"),
    _c("how many seconds do I hold", "CountIntent"),
    _c("can you time me", "CountIntent"),
    _c("count to thirty for me", "CountIntent"),
    _c("how long should I hold this stretch", "CountIntent"),
    _c("keep count for me", "CountIntent"),
    # ---- yes / no ----
    _c("yeah it is", "AMAZON.YesIntent"),
    _c("yes I did", "AMAZON.YesIntent"),
    _c("yep sure", "AMAZON.YesIntent"),
    _c("yes go ahead", "AMAZON.YesIntent"),
    _c("sure why not", "AMAZON.YesIntent"),
    _c("yeah I'd like that", "AMAZON.YesIntent"),
    _c("okay sounds good", "AMAZON.YesIntent"),
    _c("yeah definitely", "AMAZON.YesIntent"),
    _c("no, not at the moment", "AMAZON.NoIntent"),
    _c("nah, I'm fine thanks", "AMAZON.NoIntent"),
    _c("nah I'm okay", "AMAZON.NoIntent"),
    _c("no I don't think so", "AMAZON.NoIntent"),
    _c("nah it isn't really", "AMAZON.NoIntent"),
    _c("no thank you I'm good", "AMAZON.NoIntent"),
    _c("no, I haven't had anything like it", "AMAZON.NoIntent"),
    _c("not really no", "AMAZON.NoIntent"),
    # ---- moving through the steps ----
    _c("on to the next step", "AMAZON.NextIntent"),
    _c("okay I'm done with that", "AMAZON.NextIntent"),
    _c("what comes next", "AMAZON.NextIntent"),
    _c("alright move on", "AMAZON.NextIntent"),
    _c("can we go back to the one before", "AMAZON.PreviousIntent"),
    _c("what was the step before this one", "AMAZON.PreviousIntent"),
    _c("take me back a step", "AMAZON.PreviousIntent"),
    _c("say that bit again", "AMAZON.RepeatIntent"),
    _c("sorry can you say that again", "AMAZON.RepeatIntent"),
    _c("I didn't hear you", "AMAZON.RepeatIntent"),
    _c("repeat the last part", "AMAZON.RepeatIntent"),
    _c("what did you just say", "AMAZON.RepeatIntent"),
    _c("let's start from the beginning", "AMAZON.StartOverIntent"),
    _c("start it all over", "AMAZON.StartOverIntent"),
    _c("can we start again", "AMAZON.StartOverIntent"),
    _c("what sort of things can I ask", "AMAZON.HelpIntent"),
    _c("how do I use this thing", "AMAZON.HelpIntent"),
    _c("what am I supposed to say", "AMAZON.HelpIntent"),
    _c("what can you help with", "AMAZON.HelpIntent"),
    _c("never mind forget it", "AMAZON.CancelIntent"),
    _c("just cancel all of this", "AMAZON.CancelIntent"),
    _c("forget that", "AMAZON.CancelIntent"),
    _c("please just stop", "AMAZON.StopIntent"),
    _c("okay that's all thanks", "AMAZON.StopIntent"),
    _c("goodnight alexa", "AMAZON.StopIntent"),
    _c("I'm going to sleep now", "AMAZON.StopIntent"),
    _c("that's enough for now", "AMAZON.StopIntent"),
    _c("hold on a second", "AMAZON.PauseIntent"),
    _c("give me a sec", "AMAZON.PauseIntent"),
    _c("wait one minute", "AMAZON.PauseIntent"),
    _c("hang on a moment", "AMAZON.PauseIntent"),
    _c("okay I'm back now", "AMAZON.ResumeIntent"),
    _c("can we pick it back up", "AMAZON.ResumeIntent"),
    _c("continue where we were", "AMAZON.ResumeIntent"),
    _c("let's keep on going", "AMAZON.ResumeIntent"),
    _c("go back to the main menu", "AMAZON.NavigateHomeIntent"),
    _c("take me to the home screen", "AMAZON.NavigateHomeIntent"),
    # ---- with the invocation name ----
    _c("alexa ask cramp coach why my legs keep cramping", "CausesIntent"),
    _c("tell cramp coach my foot is cramping badly", "CrampReliefIntent", muscle="foot"),
    _c("alexa, load cramp coach", LAUNCH),
    _c("ask cramp coach how to prevent leg cramps", "PreventionIntent"),
    _c("tell cramp coach my chest hurts a lot", "EmergencyIntent"),
    # ---- nothing this skill does ----
    _c("what hour is it", FALLBACK),
    _c("will it be sunny tomorrow", FALLBACK),
    _c("play some classical music", FALLBACK),
    _c("tell me a funny story", FALLBACK),
    _c("set an alarm for six", FALLBACK),
    _c("turn off the bedroom light", FALLBACK),
    _c("who won the football match", FALLBACK),
    _c("buy some dish soap", FALLBACK),
    _c("what's two plus two", FALLBACK),
    _c("call mom", FALLBACK),
    _c("how deep is the ocean", FALLBACK),
    _c("add milk to my shopping list", FALLBACK),
    _c("what time does the pharmacy open", FALLBACK),
    _c("is it going to rain", FALLBACK),
    _c("read me a bedtime story", FALLBACK),
    _c("banana phone purple", FALLBACK),
    _c("how many time zones are there", FALLBACK),
    _c("what's on my calendar", FALLBACK),
    _c("spell necessary", FALLBACK),
    _c("I like turtles", FALLBACK),
    _c("remind me to buy eggs", FALLBACK),
    _c("what's the capital of spain", FALLBACK),
]

SAFETY = ("EmergencyIntent", "SymptomReportIntent")


def _heard(resolver: Resolver, say: str) -> tuple[str, dict[str, str | None]]:
    return understanding.heard(resolver.resolve(say))


def test_the_set_is_held_out_from_the_model() -> None:
    m = model.load("en-US")
    source = understanding.phrase_source(m)
    forms = {say: {understanding.plain(say), understanding.request_part(say, m.invocation)}
             for say, _, _ in CASES}
    copied = [say for say, said in forms.items() if any(source(f) for f in said)]
    assert copied == []


def test_the_set_covers_every_intent_and_is_not_repeated() -> None:
    m = model.load("en-US")
    assert set(m.intents) <= {intent for _, intent, _ in CASES}
    said = [normalise(s) for s, _, _ in CASES]
    assert [s for s, n in Counter(said).items() if n > 1] == []
    assert sum(intent == FALLBACK for _, intent, _ in CASES) >= 15


def accuracy(resolver: Resolver) -> tuple[float, float, list[str]]:
    """Intent accuracy, slot accuracy and the misses, over CASES, by the bench's own scorer."""
    result = understanding.score(resolver, [understanding.Paraphrase(say, intent, slots)
                                            for say, intent, slots in CASES])
    misses = [f"{c['say']!r} -> {c['got']} (want {c['expected']})" for c in result["confusions"]]
    wrong = {c["say"] for c in result["confusions"]}  # their slots are listed as missed too
    misses += [f"{m['say']!r}: {m['slot']} -> {m['got']} (want {m['expected']})"
               for m in result["slot_misses"] if m["say"] not in wrong]
    return result["intent_accuracy"], result["slot_accuracy"], misses


def test_aggregate_accuracy(real: Resolver) -> None:
    intent_acc, slot_acc, misses = accuracy(real)
    assert intent_acc >= ACCURACY_TARGET, "\n".join(misses)
    assert slot_acc >= ACCURACY_TARGET, "\n".join(misses)


@pytest.mark.parametrize(("say", "intent", "slots"),
                         [c for c in CASES if c[1] in SAFETY], ids=lambda v: str(v))
def test_every_emergency_and_warning_sign_is_heard(
    real: Resolver, say: str, intent: str, slots: dict[str, str]
) -> None:
    got, got_slots = _heard(real, say)
    assert got == intent
    for name, value in slots.items():
        assert got_slots.get(name) == value


# Known misses, kept visible. The resolver knows only the model's words, so a request about
# something else that shares two of them with a sample is taken for it ("how many time zones"
# and "how many seconds"). The model's AMAZON.FallbackIntent samples teach some requests
# (lights, music, other aches); Alexa's own out-of-domain model is trained on far more than one
# skill's samples, so a real device may well do better.
KNOWN_MISSES = {"how many time zones are there", "what hour is it", "what's two plus two"}


@pytest.mark.parametrize("say", [
    pytest.param(c[0], marks=pytest.mark.xfail(strict=True, reason="known miss"))
    if c[0] in KNOWN_MISSES else c[0]
    for c in CASES if c[1] == FALLBACK
])
def test_out_of_domain_stays_fallback(real: Resolver, say: str) -> None:
    assert _heard(real, say)[0] == FALLBACK


# A request told as a long story matches no single sample well, though its words all point one
# way; these fell out of the domain before the classifier weighed that evidence.
@pytest.mark.parametrize(("say", "intent"), [
    ("i do not usually talk to these gadgets but the cramp is so bad i cannot think straight "
     "so tell me what to do one step at a time", "CrampReliefIntent"),
    ("okay so i really need help right now there is a cramp and it is so tight i do not know "
     "whether to stand up or stay lying down", "CrampReliefIntent"),
    ("my neighbour says i should stretch more but honestly what is the best thing to do during "
     "the day so they do not come on at night", "PreventionIntent"),
])
def test_a_long_story_reaches_the_intent_its_words_point_to(
        real: Resolver, say: str, intent: str) -> None:
    assert _heard(real, say)[0] == intent


# ...while a short request that borrows a word or two of the domain stays out of it.
@pytest.mark.parametrize("say", ["banana phone purple", "i have a sore throat what should i do"])
def test_a_borrowed_word_does_not_pull_a_short_request_in(real: Resolver, say: str) -> None:
    assert _heard(real, say)[0] == FALLBACK


# Safety that must come from the model itself, since a device has no other rules: samples
# and slot values teach these, and the resolver only reads them.
@pytest.mark.parametrize(("say", "intent", "slots"), [
    # A yes/no word in front doesn't hide an emergency or a warning sign...
    ("no, I can't feel my foot", "SymptomReportIntent", {"symptom": "numbness"}),
    ("yes and my chest hurts", "EmergencyIntent", {}),
    # Not being able to is a warning sign, never its denial (a denial sample with the sign's
    # words in it once turned "i can't walk on it" into "the sign is absent").
    ("i can't walk on it", "SymptomReportIntent", {"symptom": "cannot move"}),
    ("i cannot put any weight on it", "SymptomReportIntent", {"symptom": "cannot move"}),
    ("i can't feel my toes", "SymptomReportIntent", {"symptom": "numbness"}),
    # ...but a warning sign that is denied is a denial, not a report.
    ("no swelling at all", "SymptomDeniedIntent", {"symptom": "swelling"}),
    ("nope, it doesn't feel warm", "SymptomDeniedIntent", {"symptom": "warmth"}),
    # The heart is an emergency however it is asked about.
    ("is it my heart", "EmergencyIntent", {}),
    ("I'm coughing and my leg is swollen", "EmergencyIntent", {}),
    # "Blood pressure pills" are a medicine, not a sign of the blood.
    ("I take blood pressure pills", "MedicineIntent", {"medicine": "blood pressure medicine"}),
    ("could it be a clot in my calf", "RedFlagCheckIntent", {}),
    # A warning sign said alongside a cramp is heard.
    ("my calf is cramping and it's swollen", "SymptomReportIntent", {"symptom": "swelling"}),
])
def test_safety_rules(real: Resolver, say: str, intent: str, slots: dict[str, str]) -> None:
    got, got_slots = _heard(real, say)
    assert got == intent
    for name, value in slots.items():
        assert got_slots.get(name) == value


# A value found loosely, its words said among others, needs more than one of them: a single
# everyday word is no sign ("now" once stood for "loads now", frequent cramps; "much" for "too
# much", unbearable pain).
@pytest.mark.parametrize(("say", "not_heard"), [
    ("i can move it now", "frequent cramps"),
    ("i can walk on it now", "frequent cramps"),
    ("not much", "unbearable pain"),
])
def test_one_everyday_word_is_not_a_sign(real: Resolver, say: str, not_heard: str) -> None:
    _, slots = _heard(real, say)
    assert slots.get("symptom") != not_heard


# A value's "no" binds to the word after it: "no feeling" is numbness, but in "no, it feels
# normal" the "no" answers the question (read as "no feeling", the denial confirmed numbness and
# sent the person to urgent care).
@pytest.mark.parametrize(("say", "heard"), [
    ("no it feels normal", None),
    ("no i can feel everything", None),
    ("there's no feeling in my toes", "numbness"),
])
def test_a_values_no_binds_to_the_next_word(real: Resolver, say: str, heard: str | None) -> None:
    _, slots = _heard(real, say)
    assert slots.get("symptom") == heard


# "Is it easing?" is asked after every timed step. A yes with a word or two more is the cramp
# letting go, never a warning sign: a report sample "yes it's a bit {symptom}" once heard "better"
# as a symptom it could not judge, and sent a person whose cramp had eased to urgent care.
@pytest.mark.parametrize("say", [
    "yes it's a bit better", "yes a bit better", "yes it's a little better", "yes it's better",
    "yes it's gone", "yes it eased", "yes it's softer", "yeah it's easing",
])
def test_a_yes_that_the_cramp_is_easing_is_never_a_warning_sign(real: Resolver, say: str) -> None:
    got, _ = _heard(real, say)
    assert got in {"CrampGoneIntent", "AMAZON.YesIntent"}


# Ordinary ways of telling a sign, each tried with every value and synonym of SymptomType.
REPORT_FRAMES = ("{sign}", "it's {sign}", "it {sign}", "it's been {sign}", "my leg is {sign}",
                 "my calf {sign}", "they're {sign}", "both legs are {sign}", "i {sign}",
                 "and {sign}", "yes {sign}", "yes it's {sign}",
                 # An answer that contradicts the question ("Can you walk?" "No, I can't walk").
                 "no i {sign}")
NEVER_FOR_A_SIGN = {"SymptomDeniedIntent", "AMAZON.NoIntent", "UnsureIntent", "CrampGoneIntent"}


@pytest.fixture(scope="module")
def language() -> dict[str, Any]:
    """The en-US language model as written: its intents, samples and slot types."""
    return model.load("en-US").raw["interactionModel"]["languageModel"]


def test_a_sign_told_plainly_is_never_heard_as_its_denial_or_an_all_clear(
        real: Resolver, language: dict[str, Any]) -> None:
    # A denial sample built as a frame around a value ("it {symptom}") or a synonym that holds a
    # denial's words would turn "it swelled up" into "no swelling". The model must not.
    types = {t["name"]: t for t in language["types"]}
    wrong = [f"{said!r} -> {got}"
             for value in types["SymptomType"]["values"]
             for sign in (value["name"]["value"], *value["name"].get("synonyms", ()))
             for said in (frame.format(sign=sign) for frame in REPORT_FRAMES)
             if (got := real.resolve(said).sent()[0]) in NEVER_FOR_A_SIGN]
    assert wrong == []


def test_every_way_the_model_says_a_cramp_a_sign_or_an_emergency_is_heard_as_one(
        real: Resolver, language: dict[str, Any]) -> None:
    # Each sample of these intents, its slots filled until every value and synonym is said, must
    # not be captured by a sample or synonym added to another intent.
    wrong = []
    for intent in language["intents"]:
        if intent["name"] not in {"CrampReliefIntent", "PregnancyIntent", "SymptomReportIntent",
                                  "EmergencyIntent"}:
            continue
        allowed = {"EmergencyIntent"} if intent["name"] == "EmergencyIntent" else RELIEF_OR_SAFETY
        for text in hearing.corpus({"intents": [intent], "types": language["types"]}):
            if (got := real.resolve(text).sent()[0]) not in allowed:
                wrong.append(f"{text!r} ({intent['name']}) -> {got}")
    assert wrong == []


def test_every_sample_without_a_slot_reads_as_its_own_intent(
        real: Resolver, language: dict[str, Any]) -> None:
    # Alexa reports an utterance conflict when a sample is already another intent's sample with
    # a slot filled ("go back to step one" is "go back to step {number}") or one of its built-in
    # phrases; a device then sends only one of them, so the other sample is dead weight.
    wrong = [f"{text!r} ({intent['name']}) -> {got}"
             for intent in language["intents"] for text in intent.get("samples", ())
             if "{" not in text
             and (got := real.resolve(text).sent()[0]) != intent["name"]]
    assert wrong == []


def test_no_two_intents_share_a_way_of_saying_something() -> None:
    # Alexa's utterance conflicts: a sample, its slots filled with any value or synonym, that is
    # also another intent's sample. A device then sends one of the two, whichever it likes:
    # "no {symptom}" filled with "I can't walk" was a denial that also read "no i {symptom}", the
    # report. (Built-in phrases are held apart by the slot-free test above.)
    owners: dict[str, set[str]] = {}
    for intent, _, text in understanding.expansions(model.load("en-US")):
        owners.setdefault(normalise(text), set()).add(intent)
    shared = sorted(f"{text!r}: {sorted(names)}" for text, names in owners.items()
                    if len(names) > 1)
    assert shared == []


@pytest.mark.parametrize("family", [
    "cramp cramps cramping cramped", "prevent prevention preventing prevents",
    "stretch stretches stretching stretched", "breathe breathing breath breaths",
    "tingle tingles tingling tingly", "swell swelling swollen swells", "tight tightening tighten",
])
def test_word_families_share_a_stem(family: str) -> None:
    assert len({stem(w) for w in family.split()}) == 1


@pytest.mark.parametrize("pair", ["shiny shin", "quite quit"])
def test_words_that_mean_other_things_keep_their_own_stem(pair: str) -> None:
    # "Tight and shiny" skin is swelling; folded into "shin" it was a shin cramp.
    assert len({stem(w) for w in pair.split()}) == 2


def test_emergency_numbers_are_spelled_as_said() -> None:
    assert normalise("call 911!") == " ".join(["call", "nine", "one", "one"])


# The development half of bench/sets (written blind, then read to improve the model) is held to
# what it reached, by the bench's own loader and scorer. The held-out half is never asserted on
# here: it is scored by `python -m bench` only, so no test run shows its lines.
DEVELOPMENT_FLOOR = 0.95
# Sign reports the development half sends where no sign is heard (a stretch, a "still cramping"):
# not yet zero, so a ratchet: a model change may lower it, never raise it.
SIGNS_MISROUTED = 67


def test_the_development_half_keeps_its_accuracy_and_safety(real: Resolver) -> None:
    result = understanding.score(real, understanding.load(understanding.DEVELOPMENT))
    misses = [f"{c['say']!r} -> {c['got']} ({c['expected']})" for c in result["confusions"]]
    assert result["cramps_misrouted"] == [], misses
    assert result["emergencies_missed"] == [], misses
    lost = [f"{c['say']!r} -> {c['got']}" for c in result["signs_misrouted"]]
    assert len(lost) <= SIGNS_MISROUTED, "\n".join(lost)
    assert result["intent_accuracy"] >= DEVELOPMENT_FLOOR, "\n".join(misses)


# Of two numbers said, the step is the one said where the sample says it ("step {number}"),
# not "that one" or "the first two" elsewhere in the request.
@pytest.mark.parametrize(("say", "number"), [
    ("can you go to step four i think that's the one", "4"),
    ("take me to step two the one with the massage", "2"),
    ("skip ahead to step three i already did the first one", "3"),
])
def test_a_step_number_is_the_one_said_after_step(real: Resolver, say: str, number: str) -> None:
    intent, slots = _heard(real, say)
    assert (intent, slots["number"]) == ("GoToStepIntent", number)


# Of two muscles said, the cramp is in the one said with the sample's words either side of it
# ("my {muscle} just cramped"), not the one in the story around it ("on my feet all day").
@pytest.mark.parametrize(("say", "muscle"), [
    ("i'd been on my feet all day and then my calf just cramped up out of nowhere", "calf"),
    ("i was up on my feet all night at work and now my calf has gone rock hard", "calf"),
    ("after a long shift on my feet my shin has gone tight", "shin"),
])
def test_the_muscle_is_the_one_said_where_the_sample_says_it(real: Resolver, say: str,
                                                             muscle: str) -> None:
    intent, slots = _heard(real, say)
    assert (intent, slots["muscle"]) == ("CrampReliefIntent", muscle)


if __name__ == "__main__":  # python -m tests.local.test_understanding: the numbers and misses
    intent_acc, slot_acc, misses = accuracy(Resolver(model.load("en-US").raw))
    print(f"intent {intent_acc:.1%}  slot {slot_acc:.1%}  over {len(CASES)} utterances")
    print("\n".join(misses))
