"""Resource files are found however the package is installed: checkout, wheel, or the frozen app, where
`triage_desk.resources` is a namespace package (importlib gives a MultiplexedPath)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.readers import MultiplexedPath
from pathlib import Path

from triage_desk import paths

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def test_nested_resource_from_a_namespace_package(monkeypatch):
    # As in the frozen app and a wheel install: joinpath() of a MultiplexedPath takes one name at a time
    # on Python 3.11, so joining ("fonts", "DejaVuSans.ttf") in one call crashed every PDF render there.
    monkeypatch.setattr(resources, "files", lambda _name: MultiplexedPath(str(RESOURCES)))
    found = paths.resource_path("fonts", "DejaVuSans.ttf")
    assert found == RESOURCES / "fonts" / "DejaVuSans.ttf" and found.is_file()
