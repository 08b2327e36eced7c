"""`triage-desk assess FILE|-`: score a referral document or bare facts object and print the result as JSON."""

from __future__ import annotations

import json
import sys

from triage_desk.errors import InputError


def register(sub, common) -> None:
    p = sub.add_parser("assess", parents=[common],
                       help="suggest the level of need and the outcomes for a referral (JSON in, JSON out)")
    p.add_argument("file", metavar="FILE",
                   help="a referral document or bare facts object as JSON; '-' reads standard input")
    p.add_argument("--catalogue", metavar="F", help="score with this catalogue file instead of the shipped one")
    p.add_argument("--rules", metavar="F", help="route with this rules file instead of the shipped one")
    p.set_defaults(func=run)


def read_json(name: str) -> object:
    """JSON from a file or, for '-', standard input, within forms.limits. Errors name the file and
    line or JSON path, never the content."""
    from triage_desk.forms.limits import MAX_BYTES, parse_json

    label = "standard input" if name == "-" else name
    try:
        if name == "-":
            stream = getattr(sys.stdin, "buffer", sys.stdin)  # bytes when it is a real stream
            data = stream.read(MAX_BYTES + 1)
        else:
            with open(name, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)  # more than the cap is refused unread
    except FileNotFoundError:
        raise InputError(f"{label}: file does not exist") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.__class__.__name__})") from None
    return parse_json(data, label)


def run(args) -> int:
    from triage_desk.forms.facts import is_document
    from triage_desk.forms.threshold import evaluate, load_context

    data = read_json(args.file)
    if not isinstance(data, dict):
        raise InputError(f"{'standard input' if args.file == '-' else args.file}: expected a JSON object")
    if is_document(data):  # a referral, perhaps partial: the shape and date checks of `referral import`
        from triage_desk.forms.document import check_input_document  # jsonschema: only for documents

        check_input_document(data, partial=True)
    context = load_context(args.catalogue, args.rules)
    print(json.dumps(evaluate(data, context=context), ensure_ascii=False, indent=2))
    return 0
