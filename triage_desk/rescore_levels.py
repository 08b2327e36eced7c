"""Suggested levels for many stored referral documents at once (the scoring half of a rescore,
rescoring.py): the same level, or the same "cannot be scored" message, that the per-referral engine
gives (`to_facts` then `assess`, as `threshold.score` does), for a fraction of the work:

- documents are parsed with orjson (about twice as fast as `json`); a text orjson refuses is parsed by
  `json` instead, so what counts as valid JSON does not change;
- the engine runs once per distinct set of facts it reads (`engine.assess_key`): most referrals share
  their indicators, DASH and s42 answers with another one.

Imported by the rescore's worker processes, so it stays free of SQLAlchemy and Qt: a worker starts in a
fraction of a second and never sees the database or its key, only document text sent over a pipe.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import Catalogue, Rules, load_pair
from triage_desk.forms.engine import assess, assess_key
from triage_desk.forms.facts import to_facts

# Distinct fact combinations remembered (~400 bytes each, so at most ~40 MB a process; 100,000 demo referrals
# have ~26,000); past it, new ones are scored every time.
MEMO_LIMIT = 100_000


def parse_document(text: Any) -> Any:
    """A stored document's JSON, parsed as the engine's callers parse it (`json.loads`), only faster."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass  # e.g. NaN or a number wider than 64 bits, which json accepts: let json decide
    try:
        return json.loads(text)
    except ValueError:
        raise InputError("document: not valid JSON") from None


class LevelScorer:
    """Scores document texts under one catalogue and rules, remembering the level of each distinct key."""

    def __init__(self, catalogue: Catalogue, rules: Rules):
        self.catalogue, self.rules = catalogue, rules
        self._levels: dict[tuple, int] = {}

    def score(self, documents: list) -> list[int | str]:
        """One entry per document text: its suggested level (an int), or why it cannot be scored (a str
        naming the JSON path, never a value)."""
        cat, rules, levels = self.catalogue, self.rules, self._levels
        out: list[int | str] = []
        for text in documents:
            try:
                facts = to_facts(parse_document(text), cat, rules, None)
                key = assess_key(facts)
                level = levels.get(key)
                if level is None:
                    level = assess(facts, cat, rules).suggested_level
                    if len(levels) < MEMO_LIMIT:
                        levels[key] = level
            except InputError as exc:
                out.append(str(exc))
                continue
            out.append(level)
        return out


_SCORER: LevelScorer | None = None


def init_worker(catalogue_path: str | None, rules_path: str | None) -> None:
    """A worker process's start: load the files once (already checked by the parent)."""
    global _SCORER
    _SCORER = LevelScorer(*load_pair(catalogue_path, rules_path))


def score_in_worker(documents: list) -> list[int | str]:
    return _SCORER.score(documents)
