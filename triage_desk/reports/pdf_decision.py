"""The decision side of the summary: the summary box, agency checks, the threshold decision (engine
beside final), DASH, outcomes with RAG and deadlines, re-referral history and the audit chain head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Table

from triage_desk.forms import labels
from triage_desk.forms.catalogue import default_rules
from triage_desk.forms.router import rag_words, span_words
from triage_desk.reports.pdf_context import Ctx
from triage_desk.reports.pdf_sections import heading, missing, narrative
from triage_desk.reports.pdf_styles import (
    ACCENT,
    BOX_BG,
    NA,
    RAG_COLOURS,
    RULE,
    as_dict,
    as_list,
    data_table,
    field_grid,
    fmt_when,
    humanise,
    markup,
    para,
    parse_when,
)


def _final(ctx: Ctx) -> dict:
    return ctx.section("decision")


def outcomes_of(ctx: Ctx) -> tuple[list[str], str]:
    """The outcomes to act on: the final decision's, else the engine's suggestion (labelled as such)."""
    d = _final(ctx)
    if as_list(d.get("final_outcomes")):
        return [str(o) for o in as_list(d["final_outcomes"])], "final decision"
    if as_list(ctx.engine().get("outcomes")):
        return [str(o) for o in as_list(ctx.engine()["outcomes"])], "engine suggestion, not yet decided"
    return [], ""


def dash_summary(ctx: Ctx) -> str | None:
    """'15 yes – HIGH risk' from the engine, else counted from the answers (band unknown until scored)."""
    engine, dash = ctx.engine(), ctx.section("dash")
    score = engine.get("dash_score")
    if score is None:
        answers = as_list(dash.get("answers"))
        score = sum(1 for a in answers if a is True) if answers else dash.get("yes")
    risk = engine.get("dash_risk")
    if score is None and risk is None:
        return None
    text = f"{score} yes answer{'s' if score != 1 else ''}" if isinstance(score, int) else "score not recorded"
    if risk:
        text += f" – {str(risk).upper()} risk"
    elif not engine:
        text += " – not yet scored"
    return text


def rag_chip(rag: Any, note: str = "") -> Table | Any:
    """The RAG priority as a coloured chip whose text says the priority (colour is never the only signal)."""
    key = str(rag).lower() if rag else ""
    if key not in RAG_COLOURS:
        return para(rag)
    bg, fg = RAG_COLOURS[key]
    chip = para(f'<font color="#{fg.hexval()[2:]}">{rag_words(key, default_rules())}{note}</font>', "chip", raw=True)
    return Table([[chip]], style=[("BACKGROUND", (0, 0), (-1, -1), bg), ("TOPPADDING", (0, 0), (-1, -1), 3),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 4)], hAlign="LEFT")


def summary_box(ctx: Ctx) -> list[Flowable]:
    d, engine, doc = _final(ctx), ctx.engine(), ctx.doc
    out: list[Flowable] = []
    status = doc.get("status")
    decided = d.get("final_level") is not None
    if status in (None, "draft") or not decided:
        why = "DRAFT – not yet submitted; details may change" if status in (None, "draft") else \
            "NOT YET DECIDED – the level, outcomes, RAG priority and deadlines below are the engine's " \
            "suggestions until an officer records the decision"
        out.append(Table([[para(why, "banner", raw=True)]], colWidths=[ctx.width],
                         style=[("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#8B0000"))], spaceAfter=6))
    suggested = engine.get("suggested_level")
    level = ctx.level_text(d["final_level"]) if decided else (
        f"Suggested: {ctx.level_text(suggested)}" if suggested is not None else "Final level not recorded")
    engine_line = (f"Engine {'suggested' if decided else 'suggests'} {markup(ctx.level_text(suggested))}"
                   if suggested is not None else "Engine suggestion not recorded")
    override = as_dict(d.get("override"))
    if override:
        approval = override.get("approval") or d.get("approval")
        engine_line += f" · <b>overridden {markup(override.get('direction') or '')}</b>, " \
                       f"{markup(labels.word('approval', approval) if approval else 'approval not recorded')}"
    outcomes, source = outcomes_of(ctx)
    codes = ", ".join(labels.word("outcomes", o) for o in outcomes) if outcomes else "not recorded"
    triggers = ", ".join(labels.word("triggers", t) for t in as_list(engine.get("triggers")))
    left = [para(markup(level), "box_big", raw=True), para(engine_line, "cell", raw=True),
            para(f"<b>Outcomes:</b> {markup(codes)}" + (f" ({source})" if source else ""), "cell", raw=True)]
    if triggers:
        left.append(para(f"<b>Hard triggers:</b> {markup(triggers)} – consider a strategy discussion", "cell",
                         raw=True))
    note = "" if decided else " (suggested)"
    dash = dash_summary(ctx)
    links = ctx.section("links")
    rr = links.get("re_referrals_12m")
    right = [rag_chip(engine.get("rag"), note) if engine.get("rag") else para("RAG priority not recorded", "cell"),
             para(f"<b>Decision due:</b> {markup(fmt_when(engine.get('decision_due'), weekday=True))}", "cell",
                  raw=True),
             *([para(f"<b>Written confirmation due:</b> {markup(fmt_when(engine['confirmation_due']))}", "cell",
                     raw=True)] if engine.get("confirmation_due") else []),
             para(f"<b>DASH:</b> {markup(dash or 'no checklist recorded')}", "cell", raw=True),
             para(f"<b>Re-referrals in 12 months:</b> {markup(rr if rr is not None else None)}"
                  + (" · <b>case already open</b>" if doc.get("open_case") is True else ""), "cell", raw=True)]
    box = Table([[left, right]], colWidths=[ctx.width * 0.58, ctx.width * 0.42],
                style=[("BOX", (0, 0), (-1, -1), 0.9, ACCENT), ("BACKGROUND", (0, 0), (-1, -1), BOX_BG),
                       ("LINEAFTER", (0, 0), (0, 0), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("LEFTPADDING", (0, 0), (-1, -1), 7), ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                       ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)])
    return out + [box]


def checks(ctx: Ctx) -> list[Flowable]:
    items = [c for c in as_list(ctx.doc.get("checks")) if isinstance(c, dict)]
    decisions = [d for d in as_list(ctx.doc.get("sharing_decisions")) if isinstance(d, dict)]
    if not items and not decisions:
        return []  # shown only when checks exist (issue 5)
    rows = []
    for c in items:  # keys as checks.as_document writes them (older documents: partner / response_summary)
        due = parse_when(c.get("due_at"))
        summary = c.get("summary") or c.get("response_summary")
        if c.get("status") == "cancelled":
            state = "cancelled"
        elif c.get("response_at"):
            state = "nothing known" if c.get("nothing_known") is True else "responded"
        elif isinstance(due, datetime) and due < ctx.generated_at:
            state = "OVERDUE – no response"
        else:
            state = "awaiting response"
        requested = fmt_when(c.get("requested_at")) if c.get("requested_at") else None
        if requested and c.get("requested_by"):
            requested += f" by {c['requested_by']}"
        if requested and c.get("basis") == "lead_decision":
            requested += " (practice-lead decision, no consent)"
        rows.append([c.get("partner_name") or c.get("partner"), requested,
                     fmt_when(c.get("due_at")) if c.get("due_at") else None,
                     state + (f", {fmt_when(c['response_at'])}" if c.get("response_at") else ""),
                     summary or ("nothing known to the agency" if c.get("nothing_known") is True else None)])
    out = heading("Agency checks") + ([
        data_table(["Partner", "Requested", "Due", "Status", "Response"], rows, [19, 18, 13, 16, 34], ctx.width)]
        if rows else [])
    names = {c.get("partner_id"): c.get("partner_name") for c in items if c.get("partner_id")}
    if decisions:
        drows = []
        for d in decisions:
            rules = d.get("golden_rules") if isinstance(d.get("golden_rules"), dict) else {}
            considered = f"{sum(1 for v in rules.values() if v is True)} of {len(rules)} answered yes"
            who = " by ".join(x for x in (fmt_when(d["decided_at"]) if d.get("decided_at") else None,
                                          d.get("decided_by")) if x)
            basis = (labels.word("lawful_bases", d["lawful_basis"]) if d.get("lawful_basis") else None) or (
                "–" if d.get("shared") is False else None)
            drows.append([names.get(d.get("partner_id")) or d.get("partner_id"),
                          "shared" if d.get("shared") is True else "not shared", basis,
                          considered, d.get("reason"), who or None])
        out.append(data_table(["Sharing with", "Decision", "Lawful basis", "Golden rules", "Reason", "Decided"],
                              drows, [19, 11, 12, 11, 29, 18], ctx.width))
    return out


def _outcome_rows(ctx: Ctx, codes: list[str]) -> list[list[Any]]:
    return [[code, ctx.code_label("outcomes", code) or "label not available"] for code in codes]


def _why_cells(ctx: Ctx, d: dict, override: dict) -> tuple[Any, Any]:
    """The engine's numbered reasons and the officer's rationale, to sit side by side."""
    reasons = [r for r in as_list(ctx.engine().get("reasons")) if r]
    engine_why = para("<br/>".join(f"{n}. {markup(labels.reason_text(r))}" for n, r in enumerate(reasons, 1)),
                      raw=True) \
        if reasons else None
    if override:
        text = f"<b>Rationale:</b> {markup(override.get('rationale'))}"
        if override.get("evidence"):
            text += f"<br/><b>Evidence:</b> {markup(override['evidence'])}"
        return engine_why, para(text, raw=True)
    if d.get("final_level") is not None:
        return engine_why, "No override: the final decision follows the engine's suggestion."
    return engine_why, None


def decision(ctx: Ctx) -> list[Flowable]:
    d, engine = _final(ctx), ctx.engine()
    out = heading("Threshold decision")
    if not d:
        return out + [missing("Threshold decision (not yet made)")]
    override = as_dict(d.get("override"))
    e_out = ", ".join(str(o) for o in as_list(engine.get("outcomes"))) or None
    f_out = ", ".join(str(o) for o in as_list(d.get("final_outcomes"))) or None
    cat = as_dict(engine.get("catalogue"))
    cat_text = f"{cat.get('id', '?')} v{cat.get('version', '?')}" if cat else None
    domains = ", ".join(f"{ctx.domain_label(k)} {v}" for k, v in as_dict(engine.get("domain_levels")).items())
    decided = (f"{d['decided_by']}" + (f", {fmt_when(d['decided_at'])}" if d.get("decided_at") else "")
               if d.get("decided_by") else None)
    engine_why, final_why = _why_cells(ctx, d, override)
    rows = [["Level", ctx.level_text(engine.get("suggested_level")) if engine else None,
             ctx.level_text(d.get("final_level")) if d.get("final_level") is not None else None],
            ["Outcomes", e_out, f_out],
            ["Why", engine_why, final_why],
            ["Basis", f"domain levels: {domains}" if domains else None, _nfa(ctx, d.get("nfa_reason")) or NA],
            ["Recorded", f"scored with catalogue {cat_text}" if cat_text else None, decided]]
    out.append(data_table(["", "Engine suggestion", "Final decision"], rows, [12, 48, 40], ctx.width))
    requires = [str(r) for r in as_list(d.get("requires") or engine.get("requires"))]
    if requires:
        out.append(para("Still required", "h2", raw=True))
        out += [para(f"• {markup(labels.word('requires', r))}", "body", raw=True) for r in requires]
    from triage_desk.statements import signature_lines

    out.append(para("Signatures", "h2", raw=True))  # who signed what: name, role, key fingerprint (issue 9)
    out += [para(f"• {markup(line)}", "body", raw=True) for line in signature_lines(d)]
    if not override:
        return out
    approval = labels.humanise(override.get("approval") or d.get("approval"))
    by = override.get("by")
    by_text = f"{by}" + (f" ({override['role']})" if override.get("role") else "") if by else None
    pairs = [("Direction", override.get("direction")), ("Overridden by", by_text),
             ("Overridden at", fmt_when(override["at"]) if override.get("at") else None),
             ("Approval", approval), ("Approved by", override.get("approved_by")),
             ("Approved at", fmt_when(override["approved_at"]) if override.get("approved_at") else None)]
    out += [KeepTogether([para("Professional judgement override", "h2", raw=True), field_grid(pairs, ctx.width)])]
    if override.get("approval_note"):
        out += [para("Practice lead's note", "h2", raw=True), *narrative(override.get("approval_note"))]
    return out


def _nfa(ctx: Ctx, code: Any) -> str | None:
    if not code:
        return None
    label = ctx.code_label("reasons", code)
    return f"NFA reason: {humanise(code)}" + (f" – {label}" if label else "")


def dash(ctx: Ctx) -> list[Flowable]:
    dash_doc, engine = ctx.section("dash"), ctx.engine()
    summary = dash_summary(ctx)
    s42 = ctx.section("s42")
    out: list[Flowable] = []
    if ctx.population == "adult" or s42:
        out += heading("Care Act s42 tests")
        duty = engine.get("s42_duty")
        rows = [[label, s42.get(key)] for key, label in (
            ("care_support_needs", "Has care and support needs"),
            ("abuse_or_neglect", "Is experiencing, or at risk of, abuse or neglect"),
            ("unable_to_protect", "Is unable to protect themselves because of those needs"))]
        rows.append(["s42 enquiry duty", "applies" if duty is True else "does not apply" if duty is False else None])
        out.append(data_table(["Test", "Holds"], rows, [70, 30], ctx.width))
    out += heading("Domestic abuse risk (DASH)")
    if not dash_doc and summary is None:
        return out + [para("No DASH risk checklist recorded for this referral.", "body")]
    last = dash_doc.get("last_marac")
    judgement = dash_doc.get("judgement_high")
    reason = dash_doc.get("judgement_reason")
    why = ctx.code_label("dash_judgement", reason) or humanise(reason)
    pairs = [("Result", summary), ("High by judgement", f"yes – {why}" if judgement is True else judgement),
             ("Last MARAC", fmt_when(last) if last else None),
             ("Repeat MARAC", engine.get("repeat_marac") if engine else None)]
    out.append(field_grid(pairs, ctx.width))
    answers = as_list(dash_doc.get("answers"))
    if answers:
        yes = [n for n, a in enumerate(answers, 1) if a is True]
        blank = sum(1 for a in answers if a is None)
        questions = ctx.labels.get("dash_questions", {})
        if yes:
            rows = [[f"Q{n}", questions.get(str(n), "")] for n in yes]
            out += [para("Questions answered yes", "h2", raw=True),
                    data_table(["No.", "Topic"], rows, [8, 92], ctx.width)]
        if blank:
            out.append(para(f"{blank} of {len(answers)} questions not answered.", "body"))
    return out


def outcomes(ctx: Ctx) -> list[Flowable]:
    engine, contact = ctx.engine(), ctx.section("contact")
    codes, source = outcomes_of(ctx)
    out = heading("Outcomes, priority and deadlines")
    if codes:
        out += [para(f"Outcomes ({source})", "h2", raw=True),
                data_table(["Code", "Outcome"], _outcome_rows(ctx, codes), [12, 88], ctx.width)]
    else:
        out.append(missing("Outcomes"))
    rag, rules = engine.get("rag"), default_rules()
    times = rules["timescales"]
    rows = [["Priority (RAG)", rag_chip(rag) if rag else None, NA],
            ["Priority due", fmt_when(engine.get("rag_due"), weekday=True) if engine.get("rag_due") else None, NA],
            ["Decision due", fmt_when(engine.get("decision_due"), weekday=True) if engine.get("decision_due") else None,
             f"within {span_words(times['decision'])} of receipt"],
            ["Received", fmt_when(contact.get("received_at"), weekday=True) if contact.get("received_at") else None,
             NA]]
    conf = engine.get("confirmation_due") or contact.get("confirmation_due")
    if conf or contact.get("channel") == "phone":
        rows.append(["Written confirmation", fmt_when(conf, weekday=True) if conf else None,
                     f"confirmed {fmt_when(contact['confirmed_at'])}" if contact.get("confirmed_at")
                     else "phone referral: outstanding"])
    strat = _strategy_due(ctx) if set(codes) & set(rules["routing"]["trigger_adds"]) else None
    if strat:
        rows.append(["Strategy discussion", strat,
                     f"within {span_words(times['strategy_discussion'])} of the decision to hold one"])
    out.append(KeepTogether(data_table(["Deadline", "When", "Note"], rows, [22, 40, 38], ctx.width)))
    return out


def _strategy_due(ctx: Ctx) -> str | None:
    decided = parse_when(_final(ctx).get("decided_at"))
    if not isinstance(decided, datetime):
        return None
    from triage_desk.forms.threshold import due

    try:
        return fmt_when(due("strategy_discussion", decided), weekday=True)
    except Exception:  # noqa: BLE001 - a deadline the rules cannot compute is simply left out
        return None


def history(ctx: Ctx) -> list[Flowable]:
    out = heading("Re-referral history")
    links = ctx.section("links")
    rr = links.get("re_referrals_12m")
    if rr is not None:
        out.append(para(f"Referrals for the same subject(s) in the 12 months before this one: {markup(rr)}.",
                        "body", raw=True))
    if ctx.history is None:
        return out + [missing("Earlier referrals for the same subject(s)")]
    if not ctx.history:
        return out + [para("No earlier referrals for the same subject(s) were found.", "body")]
    rows = []
    for h in ctx.history:
        outcome = h.get("outcome") or h.get("outcomes") or h.get("final_outcomes")
        status = h.get("status")
        text = humanise(outcome) if outcome else None
        if status:
            text = f"{text} ({humanise(status)})" if text else humanise(status)
        rows.append([h.get("reference"), fmt_when(h.get("received") or h.get("received_at"))
                     if h.get("received") or h.get("received_at") else None, text])
    out.append(data_table(["Reference", "Received", "Outcome / status"], rows, [25, 25, 50], ctx.width))
    return out


def audit(ctx: Ctx, audit_head: str) -> list[Flowable]:
    cat = as_dict(ctx.engine().get("catalogue"))
    pairs = [("Audit chain head", para(audit_head or None, "mono")),
             ("Catalogue", f"{cat.get('id')} v{cat.get('version')}, sha256 {cat.get('sha256')}" if cat else None)]
    note = ("The audit chain head identifies the newest entry of the tamper-evident audit trail when this summary "
            "was made; `triage-desk audit verify` checks the trail it belongs to.")
    return heading("Record integrity") + [field_grid(pairs, ctx.width, columns=1), para(note, "subtitle")]
