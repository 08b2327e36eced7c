"""Triage Desk: a desktop triage workstation for safeguarding front doors."""

__version__ = "0.1.0"
APP_NAME = "Triage Desk"
