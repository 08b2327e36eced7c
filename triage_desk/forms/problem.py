"""One problem found in a referral document: what the wizard shows beside a field and submission refuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # JSON path, e.g. "subjects[0].dob"
    message: str  # plain words, naming the field label and path
    blocking: bool = True
    kind: str = "format"  # format | missing | rule | warning
    section: str | None = None  # form section id, for the wizard to jump to

    def __str__(self) -> str:
        return self.message
