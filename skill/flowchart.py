"""The clinical protocol as a page a clinician can review: Mermaid flowcharts and tables.

`python -m skill protocol` writes docs/protocol.md from responses/protocol.yaml and the en-US
wording; a test fails when the committed page is stale.
"""

from __future__ import annotations

from pathlib import Path

from . import ssml
from .content import Catalog, Line
from .protocol import STRETCH_STEP_KEY, Protocol

PAGE = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"


def page(clinical: Protocol, catalog: Catalog) -> str:
    """The whole review page, as Markdown."""

    def say(key: str) -> str:
        return ssml.to_text(catalog.render((Line(key),))).replace('"', "'")

    out = [
        "# Cramp Coach's clinical protocol",
        "",
        "Written by `python -m skill protocol` from `responses/protocol.yaml` and the en-US",
        "wording in `responses/en-US.yaml`; do not edit by hand. Safety-net additions (beyond the",
        "article) are marked *safety-net*.",
        "",
        "## The warning-sign questions",
        "",
        "Asked one at a time, most dangerous first. *Not sure* is never *no*: it raises the sign.",
        "The questions stop once no answer could raise the advice further.",
        "",
        "```mermaid",
        "flowchart TD",
        '  start(["Warning-sign questions"]) --> q0',
    ]
    for i, question in enumerate(clinical.questions):
        after = f"q{i + 1}" if i + 1 < len(clinical.questions) else "clear"
        sign = question.covers[0]
        out.append(f'  q{i}{{"{i + 1}. {say(f"question.{question.id}")}"}}')
        out.append(f"  q{i} -- yes / not sure / unclear twice --> s_{sign}")
        out.append(f"  q{i} -- no --> {after}")
    out.append(f'  clear(["All-clear: {say("triage.all_clear")} + safety net"])')
    raised = {q.covers[0] for q in clinical.questions}
    for sign in sorted(raised):
        level = clinical.signs[sign].disposition
        out.append(f'  s_{sign}[/"{sign}"/] --> d_{level}')
    for level in dict.fromkeys(clinical.signs[s].disposition for s in sorted(raised)):
        out.append(f'  d_{level}[["{level.upper()}: {say(f"advice.{level}")}"]]')
    out += ["```", "", "## Signs and what they lead to", "",
            "Raised by a yes or *not sure* to a question, by a report at any moment, or by a",
            "muscle outside the leg. Once raised, a sign stays for the session: the advice is",
            "never below it, no all-clear is spoken, and the close repeats the advice.", "",
            "| sign | disposition | source | what the person hears first |", "|---|---|---|---|"]
    order = {d: i for i, d in enumerate(clinical.dispositions)}
    for sign in sorted(clinical.signs.values(), key=lambda s: (order[s.disposition], s.id)):
        out.append(f"| {sign.id} | {sign.disposition} | {sign.source} | {say(f'sign.{sign.id}')} |")
    out += ["", "Situations the conversation recognises itself:", "",
            "| situation | raises |", "|---|---|"]
    out += [f"| {name} | {sign} |" for name, sign in clinical.situations.items()]
    out += ["", "## Dispositions, highest first", "",
            "| disposition | advice | ends the session |", "|---|---|---|"]
    for level in clinical.dispositions:
        ends = "yes" if level in clinical.ends_session else "no"
        out.append(f"| {level} | {say(f'advice.{level}')} | {ends} |")
    out += ["", "## Relief steps", "", "```mermaid", "flowchart LR"]
    for i, step in enumerate(clinical.steps):
        hold = f", hold {step.hold}s{' counted' if step.counted else ''}" if step.hold else ""
        if step.ends_session:
            hold += ", untimed: the session ends with a phrase to come back"
        out.append(f'  r{i}["{i + 1}. {step.id}{hold}"]')
        if i:
            out.append(f"  r{i - 1} --> r{i}")
        for sign in sorted(step.ruled_out_by):
            out.append(f"  x_{sign}([{sign}]) -. skips .-> r{i}")
    out += ["```", "", "| step | says | skipped after | expected (not an alarm after it) |",
            "|---|---|---|---|"]
    for step in clinical.steps:
        key = (STRETCH_STEP_KEY.format(step=step.id, stretch=clinical.unnamed_muscle.stretch)
               if step.by_muscle else f"step.{step.id}")
        out.append(f"| {step.id} | {say(key)} | {', '.join(sorted(step.ruled_out_by)) or '-'} |"
                   f" {', '.join(sorted(step.expected)) or '-'} |")
    out += ["", "## Places outside the leg and foot", "", "| said | meaning |", "|---|---|"]
    for value, meaning in clinical.muscles.items():
        if meaning.stretch:
            continue
        what = f"sign {meaning.sign}" if meaning.sign else "outside our scope"
        if meaning.in_pregnancy:
            what += f"; in pregnancy, sign {meaning.in_pregnancy}"
        out.append(f"| {value} | {what} |")
    return "\n".join(out) + "\n"
