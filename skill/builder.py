"""Build the skill: the routing table (first match wins), and the catch-all apology."""

from __future__ import annotations

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from . import apl, content, protocol
from . import conversation as conv
from .handlers import Apology, NameFree, Route, Silent
from .serializer import FastSerializer


def intent(name: str, event: conv.Event) -> Route:
    return Route("IntentRequest", event, intent=name)


def routes() -> list[Route | NameFree | Silent]:
    """Every request the skill answers, in the order they are tried."""
    return [
        Route("LaunchRequest", conv.launch),
        # Safety first: emergencies and warning signs win over whatever else is going on.
        intent("EmergencyIntent", conv.emergency),
        intent("SymptomReportIntent", conv.symptom),
        intent("SymptomDeniedIntent", conv.symptom_denied),
        intent("CrampReliefIntent", conv.relief),
        intent("PregnancyIntent", conv.pregnancy),
        intent("MedicineIntent", conv.medicine),
        intent("StillCrampingIntent", conv.still_cramping),
        intent("CountIntent", conv.count),
        intent("GoToStepIntent", conv.go_to_step),
        intent("HeatOnIntent", conv.came_back),
        intent("CrampGoneIntent", conv.cramp_gone),
        intent("CausesIntent", conv.causes),
        intent("PreventionIntent", conv.prevention),
        intent("RedFlagCheckIntent", conv.warning_signs),
        intent("AMAZON.YesIntent", conv.yes),
        intent("AMAZON.NoIntent", conv.no),
        intent("UnsureIntent", conv.unsure),
        intent("AMAZON.NextIntent", conv.next_step),
        intent("AMAZON.PreviousIntent", conv.previous_step),
        intent("AMAZON.RepeatIntent", conv.repeat),
        intent("AMAZON.StartOverIntent", conv.start_over),
        intent("AMAZON.PauseIntent", conv.pause),
        intent("AMAZON.ResumeIntent", conv.resume),
        intent("AMAZON.HelpIntent", conv.help_),
        intent("AMAZON.NavigateHomeIntent", conv.home),
        intent("AMAZON.StopIntent", conv.stop),
        intent("AMAZON.CancelIntent", conv.stop),
        intent("AMAZON.FallbackIntent", conv.fallback),
        # An intent this model doesn't have (a new built-in, a stale model): a helpful reprompt.
        Route("IntentRequest", conv.fallback),
        NameFree(),  # CanFulfillIntentRequest: "could you take this?", asked before routing
        Silent("SessionEndedRequest", "session ended"),
        Silent("System.ExceptionEncountered", "Alexa reported an error"),
        Silent(None, "unhandled request"),
    ]


def build_skill(table: list[Route | NameFree | Silent] | None = None) -> CustomSkill:
    """The skill, with its content and protocol loaded and checked (a broken responses or
    protocol file fails here)."""
    clinical = protocol.default()
    for locale in content.locales():
        clinical.check_content(content.catalog(locale))
    apl.document()  # a broken screen document fails here too, not on a customer's Echo Show
    builder = SkillBuilder()
    for handler in routes() if table is None else table:
        builder.add_request_handler(handler)
    builder.add_exception_handler(Apology())
    skill = builder.create()
    skill.serializer = FastSerializer()  # the SDK's extension point; same objects, planned once
    return skill
