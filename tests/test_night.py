"""Night-time voice from the device's time zone, with the Alexa API stand-in on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill import ssml
from skill.local import alexa_api
from skill.local.simulator import Simulator

NIGHT_IN_NEW_YORK = datetime(2026, 11, 27, 8, 10, tzinfo=UTC)  # 03:10 in New York
SOFT = '<prosody volume="soft" rate="90%">'


def _launch_at(endpoint: str, device: str) -> tuple[str, str]:
    simulator = Simulator(api_endpoint=endpoint)
    simulator.device(device_id=device, now=lambda: NIGHT_IN_NEW_YORK)
    turn = simulator.launch()
    return turn.ssml, turn.response["response"]["reprompt"]["outputSpeech"]["ssml"]


def test_the_device_time_zone_makes_the_answer_soft_at_night() -> None:
    with alexa_api.running({"dev-ny": "America/New_York", "dev-tokyo": "Asia/Tokyo"}) as api:
        speech, reprompt = _launch_at(api.endpoint, "dev-ny")
        assert speech.startswith(f"<speak>{SOFT}") and SOFT in reprompt
        assert "Hi, it's Cramp Coach. Do you have a cramp right now?" in ssml.to_text(speech)
        tokyo, _ = _launch_at(api.endpoint, "dev-tokyo")  # 17:10 there
        assert "prosody" not in tokyo
        # the skill asked the API as Alexa documents it, with the request's token
        path, headers = api.requests[0]
        assert path == "/v2/devices/dev-ny/settings/System.timeZone"
        assert headers["Authorization"] == "Bearer local-api-access-token"


@pytest.mark.parametrize(
    "answer",
    [("slow", 2.0, "America/New_York"), 500, 403, 401, "Mars/Olympus"],
    ids=["slow", "error", "missing permission", "bad token", "unknown zone"],
)
def test_without_a_time_zone_the_skill_answers_in_its_normal_voice(answer) -> None:
    with alexa_api.running({"dev": answer}) as api:
        speech, _ = _launch_at(api.endpoint, "dev")
    assert "prosody" not in speech
    assert "Do you have a cramp right now?" in speech


def test_a_failed_lookup_is_not_repeated_on_every_request() -> None:
    with alexa_api.running({"dev-broken": 500}) as api:
        simulator = Simulator(api_endpoint=api.endpoint)
        simulator.device(device_id="dev-broken", now=lambda: NIGHT_IN_NEW_YORK)
        for text in ("my calf is cramping", "next", "next"):
            simulator.say(text)
        assert len(api.requests) == 1


def test_with_no_api_at_all_nothing_is_asked() -> None:
    turn = Simulator().launch()  # offline: the envelope names no API
    assert "prosody" not in turn.ssml
