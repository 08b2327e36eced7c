"""The preview registry and the synthetic workspace previews are built on (see ui/preview.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "preview-password-1"  # the synthetic accounts' password (a throwaway workspace)
PASSPHRASE = "preview passphrase 2026"
USERS = (("officer", "Preview Officer", "officer"), ("lead", "Preview Lead", "lead"))


@dataclass(frozen=True)
class Screen:
    name: str
    shows: str  # "module.Class" of the widget the builder returns
    build: Callable
    user: str = "admin"  # who is signed in while it is shown


REGISTRY: dict[str, Screen] = {}


def screen(name: str, shows: str, *, user: str = "admin") -> Callable:
    """Register `build(ctx) -> QWidget` as the preview called `name`."""
    def register(build: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"preview {name!r} registered twice")
        REGISTRY[name] = Screen(name, shows, build, user)
        return build

    return register


def on_workspace(name: str, shows: str, *, user: str = "admin", cases: bool = False) -> None:
    """The preview of a screen built from the workspace alone: `Class(ctx.ws)` for `shows` = "module.Class".
    `cases`: a work area, shown over the synthetic cases (made first) and loaded."""
    def build(ctx: PreviewContext):
        module, cls = shows.rsplit(".", 1)
        if cases:
            ctx.case()
        widget = getattr(importlib.import_module(f"triage_desk.ui.{module}"), cls)(ctx.ws)
        if cases:
            widget.reload()
        return widget

    screen(name, shows, user=user)(build)


@dataclass
class PreviewContext:
    """A throwaway workspace with synthetic users and referrals, made on first use."""

    root: Path
    _ws: object = None
    _cache: dict = field(default_factory=dict)

    @property
    def ws(self):
        if self._ws is None:
            from triage_desk import user_admin
            from triage_desk.workspace import init_workspace

            self._ws, _code = init_workspace(self.root / "data", admin_username="admin",
                                             admin_display_name="Preview Admin", admin_password=PASSWORD,
                                             passphrase=PASSPHRASE)
            for username, name, role in USERS:
                user_admin.create_user(self._ws, username, name, role, PASSWORD, PASSWORD)
        return self._ws

    def sign_in(self, username: str) -> None:
        from triage_desk import session_events

        if getattr(self.ws.user, "username", None) != username:
            session_events.sign_in(self.ws, username, PASSWORD)

    def once(self, key: str, make: Callable):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def case(self) -> tuple[str, str]:
        """(id, reference) of the newest synthetic referral past the draft stage (demo data, made by the admin)."""
        def make():
            from triage_desk import case_access, demo
            from triage_desk.caselist import CaseFilters, CaseSort

            who = getattr(self.ws.user, "username", "admin")
            self.sign_in("admin")
            demo.ensure_demo_data(self.ws, n=40)
            self.sign_in(who)
            past_draft = CaseFilters(status=("submitted", "decided"))
            rows, _next = case_access.case_page(self.ws, past_draft, CaseSort(), None, 1)
            if not rows:
                raise LookupError("the demo data has no submitted referral")
            return rows[0].id, rows[0].reference

        return self.once("case", make)

    def form(self) -> dict:
        from triage_desk.ui.field_editors import load_form

        return self.once("form", lambda: load_form(self.ws))

    def section(self, path: str) -> dict:
        return next(s for s in self.form()["sections"] if (s.get("path") or s.get("id")) == path)

    def close(self) -> None:
        if self._ws is not None:
            from triage_desk.ui import operations

            operations.settle()
            self._ws.close()
            self._ws = None
