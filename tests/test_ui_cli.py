"""`triage-desk [gui] [--data-dir DIR] [--demo]` reaches the GUI with the options wherever they were given."""

from __future__ import annotations

import pytest

from triage_desk.cli import build_parser


@pytest.mark.parametrize("argv", [
    ["--data-dir", "/srv/td", "--demo"],
    ["--data-dir", "/srv/td", "gui", "--demo"],
    ["gui", "--data-dir", "/srv/td", "--demo"],
    ["--demo", "gui", "--data-dir", "/srv/td"],
])
def test_gui_options_in_any_position(argv):
    args = build_parser().parse_args(argv)
    assert args.data_dir == "/srv/td" and args.demo is True
    assert args.command in (None, "gui")


def test_gui_is_the_default_command(monkeypatch):
    from triage_desk import cli
    from triage_desk.cli import gui_cmd

    seen = []
    monkeypatch.setattr(gui_cmd, "run_gui", lambda args: seen.append(args) or 0)
    assert cli.main(["--data-dir", "/srv/td"]) == 0
    assert cli.main(["gui"]) == 0
    assert [a.data_dir for a in seen] == ["/srv/td", None]
