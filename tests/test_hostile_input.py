"""Issue 9 §7: hostile input gets a clear refusal, never a traceback.

A corpus generated here (deep nesting, wrong types at every path, NaN/Infinity, dates that do not
exist or are implausible, 10 MB strings, control characters, invalid UTF-8, BOM, UTF-16) goes through
`assess`, `referral import`, `verify` and `import-bundle` in one batch interpreter (tests/cli_batch.py),
plus unit checks of the limits and hypothesis properties of the facts parser."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from bundle_helpers import (
    OFFICER_PASSWORD,
    decided_case,
    decrypt,
    encrypt,
    export_to,
    new_identity,
    rezip,
    sign_in,
    unzip,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_helpers import complete, subject

from triage_desk.errors import InputError
from triage_desk.forms.document import load_input_document, new_document
from triage_desk.forms.limits import MAX_DEPTH, parse_json

HERE = Path(__file__).resolve().parent
FACTS = {"subject": {"kind": "child", "age": 7}, "indicators": ["health.missed_checks"],
         "consent": {"referral": "given", "checks": "given", "reason": None}, "received_at": "2026-11-20T16:30",
         "channel": "phone", "urgent": False, "open_case": False,
         "dash": {"answers": [False] * 24, "yes": 0}, "s42": {"care_support_needs": True}}
WRONG = ([], {}, 7, "x", None, True, 1.5, [[{}]])


def base_document() -> dict:
    doc = complete(new_document("child"), subject(), received_at="2026-11-02T10:00")
    doc.update(reference="TD-2026-900000", status="submitted")
    return doc


def _paths(value, prefix=()):
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, sub in items:
        yield from _paths(sub, (*prefix, key))


def _with(doc, path, new):
    out = copy.deepcopy(doc)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return out


def wrong_types(doc: dict) -> list[dict]:
    """The document with a wrong-typed value at every path (the wrong value cycles through WRONG)."""
    out = []
    for n, path in enumerate(p for p in _paths(doc) if p):
        current = _with(doc, path, None)
        value = next(w for w in (WRONG[n % len(WRONG)], *WRONG) if type(w) is not type(_get(doc, path)))
        out.append(_with(current, path, value))
    return out


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def hostile_texts(doc: dict) -> list[bytes]:
    """Whole-file hostility: encodings, nesting, numbers, sizes, characters, dates."""
    def with_subject(**kw):
        return json.dumps(_with(doc, ("subjects", 0), {**doc["subjects"][0], **kw})).encode()

    text = json.dumps(doc)
    deep_inside = _with(doc, ("concerns", "extra"), json.loads("[" * 200 + "]" * 200))
    return [
        b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000, json.dumps(deep_inside).encode(),
        text.replace('"urgent": false', '"urgent": NaN').encode(),
        text.replace('"urgent": false', '"urgent": Infinity').encode(),
        text.replace('"urgent": false', '"urgent": -Infinity').encode(),
        text.replace('"urgent": false', '"urgent": 1e999').encode(),
        text.replace('"urgent": false', '"urgent": ' + "9" * 5000).encode(),
        with_subject(kind="unborn", edd="2026-02-30", dob="not_applicable"), with_subject(dob="3026-01-01"),
        with_subject(dob="0001-01-01"), with_subject(dob="2026-13-45"), with_subject(kind="unborn", edd="2029-01-01"),
        json.dumps(_with(doc, ("contact", "received_at"), "2026-02-30T25:61")).encode(),
        with_subject(surname="A" * 10_000_000), with_subject(surname="A" * 60_000),
        with_subject(surname="Con\u0000trol\u001b"), with_subject(surname="\ud800lone"),
        text.encode("utf-8")[:-40] + b"\xff\xfe\x80" + text.encode("utf-8")[-40:],
        b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"), text.encode("utf-16-le"),
        b"", b"null", b"[]", b'"just text"', text.encode()[: len(text) // 2],
        json.dumps(_with(doc, ("household",), [{"name": "X"}] * 5000)).encode(),
    ]


def _run_batch(jobs: list[list[str]], tmp_path: Path) -> list[dict]:
    spec = tmp_path / "jobs.json"
    spec.write_text(json.dumps(jobs))
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.run([sys.executable, str(HERE / "cli_batch.py"), str(spec)], capture_output=True, text=True,
                          env=env, timeout=900, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def _write_corpus(folder: Path, docs: list, texts: list[bytes]) -> list[Path]:
    folder.mkdir()
    paths = []
    for n, item in enumerate([*docs, *texts]):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            item = {**item, "id": str(uuid.uuid4()), "reference": f"TD-2026-9{n:05d}"}
        data = item if isinstance(item, bytes) else json.dumps(item).encode()
        paths.append(folder / f"{n:04d}.json")
        paths[-1].write_bytes(data)
    return paths


def _hostile_bundles(ws, tmp_path: Path, texts: list[bytes]) -> tuple[list[Path], Path]:
    """Bundles whose case.json is hostile, re-signed with the (trusted, local) officer's key."""
    from triage_desk.bundle import manifest as mf
    from triage_desk.bundle import signing
    from triage_desk.models import User

    def resign(members: dict[str, bytes]) -> dict[str, bytes]:  # what a holder of the signer's key can do
        manifest = json.loads(members[mf.MANIFEST])
        manifest["members"] = [mf.member_entry(p, members[p]) for p in mf.MEMBERS if p in members]
        raw = mf.canonical_bytes(manifest)
        return {**members, mf.MANIFEST: raw, mf.SIGNATURE: signing.sign(key, raw)}

    sign_in(ws)
    doc = decided_case(ws)
    ident = new_identity()
    good = export_to(ws, doc["reference"], tmp_path / "good.tdcase", ident).path
    with ws.session() as s:
        key = signing.unwrap_signing_key(s.get(User, ws.user.id).signing_key_blob, OFFICER_PASSWORD)
    members = unzip(decrypt(good, ident))
    out = [good]
    for n, case in enumerate(texts):
        path = tmp_path / f"hostile{n:02d}.tdcase"
        path.write_bytes(encrypt(rezip(resign({**members, mf.CASE: case})), ident))
        out.append(path)
    id_file = tmp_path / "identity.txt"
    id_file.write_text(f"# synthetic test identity\n{ident}\n")
    return out, id_file


@pytest.mark.sqlite_only("CLI runs in child processes: parsing, not the store, is the point")
def test_hostile_corpus_never_gives_a_traceback(workspace, data_dir, secret_files, tmp_path):
    """Reproduced failure 6: RecursionError / TypeError tracebacks; NaN, impossible dates accepted."""
    doc = base_document()
    texts = hostile_texts(doc)
    docs = wrong_types(doc)
    facts = [FACTS, *wrong_types(FACTS)]
    small_texts = [t for t in texts if len(t) < 1_000_000][:14]
    bundles, id_file = _hostile_bundles(workspace, tmp_path, small_texts + [json.dumps(d).encode() for d in docs[::9]])
    workspace.close()
    doc_files = _write_corpus(tmp_path / "docs", docs, texts)
    fact_files = _write_corpus(tmp_path / "facts", facts, [])
    store = ["--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"]]
    who = ["--user", "officer", "--password-file", secret_files["user"]]
    jobs = [["assess", str(p)] for p in [*doc_files, *fact_files]]
    jobs += [["referral", "import", str(p), *store, *who] for p in doc_files]
    jobs += [["verify", str(b), "--identity", str(id_file), *store] for b in bundles]
    jobs += [["import-bundle", str(b), "--identity", str(id_file), "--accept", "all", *store, *who] for b in bundles]
    results = _run_batch(jobs, tmp_path)

    tracebacks = [(j, r) for j, r in zip(jobs, results, strict=True) if r["code"] == "traceback"]
    assert not tracebacks, tracebacks[:5]
    for job, result in zip(jobs, results, strict=True):
        allowed = {0, 2} if job[0] in ("assess", "referral") else {0, 1, 2, 3}
        assert result["code"] in allowed and "unexpected error" not in result["err"], (job, result)
        assert "Traceback" not in result["err"]
    refused = [r for j, r in zip(jobs, results, strict=True) if j[0] == "assess" and Path(j[1]).parent.name == "docs"]
    # Every hostile whole-file text is refused by assess, except the BOM one (a BOM is allowed).
    assert [r["code"] for r in refused[len(docs):]].count(0) == 1
    assert results[jobs.index(["assess", str(fact_files[0])])]["code"] == 0  # the good facts object scores


@pytest.mark.parametrize("text, words", [
    ("[" * 2000 + "]" * 2000, "nested more than 64"),
    ('{"urgent": NaN}', "NaN"), ('{"x": 1e400}', "too large"),
    (b"\xff\xfe{}", "not UTF-8"), ('{"a": "\\u0001"}', "control characters"),
    ('{"a": "\\ud800"}', "control characters"), ('{"a": [' + ",".join(["1"] * 1001) + "]}", "more than 1,000 items"),
])
def test_parse_json_refuses_with_words(text, words):
    with pytest.raises(InputError, match=words):
        parse_json(text)


def test_depth_limit_allows_exactly_max_depth():
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) == json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(InputError, match="nested"):
        parse_json("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2))


@pytest.mark.parametrize("change, words", [
    ({"dob": "2026-02-30"}, r"\$\.subjects\[0\]\.dob: is not a date that exists"),
    ({"dob": "3026-01-01"}, r"\$\.subjects\[0\]\.dob: date of birth must lie between 1900 and today"),
    ({"dob": "1899-12-31"}, "between 1900 and today"),
    ({"kind": "unborn", "edd": "2028-01-01"}, r"\$\.subjects\[0\]\.edd: expected delivery date must lie within 10"),
    ({"kind": "unborn", "edd": "2026-02-30"}, "is not a date that exists"),
    ({"surname": "A" * 1001}, r"\$\.subjects\[0\]\.surname: is longer than 1,000 characters"),
    ({"kind": []}, r"\$\.subjects\[0\]\.kind: must be"),
])
def test_documents_name_the_path_and_the_problem(change, words):
    doc = base_document()
    doc["subjects"][0].update(change)
    with pytest.raises(InputError, match=words):
        load_input_document(json.dumps(doc))


def test_plausible_dates_pass():
    doc = base_document()
    doc["subjects"][0].update(kind="unborn", edd="2027-08-01", dob="not_applicable")
    assert load_input_document(json.dumps(doc))["subjects"][0]["edd"] == "2027-08-01"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25)


def _facts_like():
    keys = st.sampled_from(sorted({*FACTS, "subject", "indicators"}))
    return st.dictionaries(keys, json_values, max_size=8) | st.builds(
        lambda path_index, value: _with(FACTS, [p for p in _paths(FACTS) if p][path_index % 30], value),
        st.integers(0, 1000), json_values)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_facts_like())
def test_facts_parser_refuses_or_scores_never_crashes(obj):
    from triage_desk.forms.threshold import evaluate

    try:
        result = evaluate(obj)
    except InputError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    else:
        assert result["suggested_level"] in (1, 2, 3, 4) and result["rag"] in ("red", "amber", "green")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_parse_json_on_any_text_is_a_value_or_an_input_error(data):
    try:
        parse_json(data)
    except InputError:
        pass


def test_a_saved_draft_with_very_long_text_always_opens_again(workspace):
    """The size limits are for input; what the app itself saved is never made unreadable by them."""
    from triage_desk import intake

    draft = intake.new_draft(workspace)
    draft["concerns"]["narrative"] = "Long pasted synthetic text. " * 3000  # past the 50,000-character limit
    intake.save_draft(workspace, draft, "concerns")
    doc, _step = intake.resume_draft(workspace, draft["id"])
    assert doc["concerns"]["narrative"] == draft["concerns"]["narrative"]
    with pytest.raises(InputError, match=r"\$\.concerns\.narrative: is longer than 50,000"):
        load_input_document(json.dumps(doc))


def test_assess_still_scores_a_partial_document_but_not_a_wrong_shape(tmp_path, capsys):
    from triage_desk.cli import main

    partial = {"subjects": [{"kind": "child", "dob": "2019-01-01"}], "concerns": {"indicators": []}}
    good, bad = tmp_path / "partial.json", tmp_path / "wrong.json"
    good.write_text(json.dumps(partial))
    bad.write_text(json.dumps({**partial, "subjects": [{"kind": []}]}))
    assert main(["assess", str(good)]) == 0
    assert json.loads(capsys.readouterr().out)["suggested_level"] == 1
    assert main(["assess", str(bad)]) == 2
    assert "$.subjects[0].kind: must be" in capsys.readouterr().err
