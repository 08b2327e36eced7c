"""`triage-desk catalogue [--json]`: the continuum-of-need catalogue in use, with its id, version and sha256."""

from __future__ import annotations

import json


def register(sub, common) -> None:
    p = sub.add_parser("catalogue", parents=[common], help="list the continuum-of-need indicators in use")
    p.add_argument("--json", action="store_true", help="print the catalogue as one JSON object")
    p.add_argument("--file", metavar="F", help="check and show this catalogue file instead of the shipped one")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage_desk.forms.catalogue import load_catalogue
    from triage_desk.forms.threshold import catalogue_json

    data = catalogue_json(load_catalogue(args.file) if args.file else None)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{data['id']} version {data['version']}  sha256 {data['sha256']}")
    print("levels (children): " + "; ".join(f"{k} {v}" for k, v in data["levels"].items()))
    print("levels (adults):   " + "; ".join(f"{k} {v}" for k, v in data["adult_levels"].items()))
    by_domain: dict[str, list[dict]] = {}
    for ind in data["indicators"]:
        by_domain.setdefault(ind["domain"], []).append(ind)
    width = max(len(i["id"]) for i in data["indicators"])
    for population, domains in data["domains"].items():
        for domain in domains:
            print(f"\n{population} / {domain['label']} ({domain['id']})")
            for ind in sorted(by_domain.get(domain["id"], []), key=lambda i: (i["level"], i["id"])):
                trigger = f"  [trigger: {ind['trigger']}]" if ind["trigger"] else ""
                print(f"  L{ind['level']}  {ind['id']:<{width}}  {ind['subject']:<12}  {ind['label']}{trigger}"
                      f"{_cited(ind['source'])}")
    if data["sources"]:
        print("\nsources (docs/threshold.md):")
        for key, doc in data["sources"].items():
            print(f"  {key}: {doc['title']}, {doc['publisher']}, {doc['year']}  {doc['url']}")
    print(f"\n{len(data['indicators'])} indicators")
    return 0


def _cited(source: list[dict]) -> str:
    """'  (kent L3; northumberland L4 dissent)': where an indicator's level comes from."""
    if not source:
        return ""
    parts = [f"{s['document']} L{s['level']}" + (f" {s['use']}" if s.get("use") else "") for s in source]
    return "  (" + "; ".join(parts) + ")"
