"""The people and the concern: referrer, subjects, household, agencies, concerns, voice, consent.

Each builder takes the `Ctx` and returns flowables. Any part of a draft may be missing: a missing
field prints "not recorded", a missing section prints one line saying so, never a blank gap.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph

from triage_desk.forms import labels
from triage_desk.reports.pdf_context import Ctx, age_on, person_name
from triage_desk.reports.pdf_styles import (
    NA,
    NOT_RECORDED,
    as_dict,
    as_list,
    data_table,
    field_grid,
    fmt_when,
    humanise,
    markup,
    para,
)


def _word(table: str, code: Any) -> str | None:
    """A coded answer as its label (None stays None: the grid prints "not recorded")."""
    return labels.word(table, code) if code not in (None, "") else None


def _ethnicity(code: Any) -> str | None:
    """CIN census ethnicity: the label with its code, as returns use it."""
    if code in (None, ""):
        return None
    found = labels.tables().get("cin_ethnicity", {}).get(str(code))
    return f"{found} ({code})" if found else labels.humanise(code)


def heading(text: str) -> list[Flowable]:
    # CondPageBreak: a heading never sits alone at the foot of a page
    return [CondPageBreak(60), para(text, "h1", raw=True)]


def missing(what: str) -> Paragraph:
    return para(f"{what}: {NOT_RECORDED}.", "body")


def narrative(value: Any) -> list[Flowable]:
    """Free text as body paragraphs (one per blank-line-separated block) so it can break across pages."""
    if not isinstance(value, str) or not value.strip():
        return [para(value, "body")]
    blocks = [b.strip() for b in value.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [para(b, "body") for b in blocks]


def address_text(addr: Any) -> str:
    if isinstance(addr, dict):
        parts = [str(addr[k]) for k in ("line1", "line2", "town", "postcode") if addr.get(k)]
        return ", ".join(parts)
    return humanise(addr) if addr else ""


def born_text(person: dict, ctx: Ctx) -> str:
    """DOB with age on the day of printing, an unborn child's EDD, or an estimated age."""
    if person.get("dob"):
        age = age_on(person["dob"], ctx.today)
        return fmt_when(person["dob"]) + (f" (age {age})" if age is not None else "")
    if person.get("edd"):
        return f"unborn, expected {fmt_when(person['edd'])}"
    for key in ("estimated_age", "age"):
        if person.get(key) not in (None, ""):
            return f"about {humanise(person[key])}" if key == "estimated_age" else f"age {humanise(person[key])}"
    return ""


def title_block(ctx: Ctx) -> list[Flowable]:
    doc, contact = ctx.doc, ctx.section("contact")
    variant = "adult" if ctx.population == "adult" else "child"
    out: list[Flowable] = [para(f"Referral summary – {variant} safeguarding", "title", raw=True)]
    bits = [f"Reference <b>{para_text(doc.get('reference'))}</b>",
            f"status {para_text(doc.get('status'))}",
            f"received {para_text(fmt_when(contact.get('received_at'), weekday=True))}"]
    if contact.get("channel"):
        bits.append(f"by {para_text(contact.get('channel'))}")
    if contact.get("urgent") is True:
        bits.append("<b>marked urgent</b>")
    out.append(para(" · ".join(bits), "subtitle", raw=True))
    return out


def para_text(value: Any) -> str:
    return markup(value)


def contact_and_referrer(ctx: Ctx) -> list[Flowable]:
    out = heading("Contact and referrer")
    c, r = ctx.section("contact"), ctx.section("referrer")
    if not c and not r:
        return out + [missing("Contact and referrer details")]
    dsl = humanise(r.get("dsl_consulted"))
    if r.get("dsl_name"):
        dsl += f" ({r['dsl_name']})"
    due = c.get("confirmation_due") or ctx.engine().get("confirmation_due")  # the engine's, from submission
    confirmation = fmt_when(c.get("confirmed_at")) if c.get("confirmed_at") else (
        f"outstanding, due {fmt_when(due)}" if due else None)
    pairs = [("Referrer", r.get("name")), ("Role", r.get("role")), ("Agency", r.get("agency")),
             ("Relationship", _word("referrer_relationship", r.get("relationship"))),
             ("Phone", r.get("phone")), ("Email", r.get("email")),
             ("DSL consulted", dsl if r.get("dsl_consulted") is not None else None),
             ("Referrer's view", f"level {r['view_level']}" if r.get("view_level") else None),
             ("Received", fmt_when(c.get("received_at")) if c.get("received_at") else None),
             ("Channel", _word("channel", c.get("channel"))),
             ("Referral source", _word("dfe_source", c.get("referral_source"))),
             ("Written confirmation", confirmation if c.get("channel") == "phone" else "not applicable")]
    return out + [field_grid(pairs, ctx.width)]


def subjects(ctx: Ctx) -> list[Flowable]:
    people = [p for p in as_list(ctx.doc.get("subjects")) if isinstance(p, dict)]
    out = heading("Subject" + ("s" if len(people) != 1 else ""))
    if not people:
        return out + [missing("Subject details")]
    for n, p in enumerate(people, 1):
        name = person_name(p)
        kind = labels.word("subject_kind", p.get("kind")) if p.get("kind") else ""
        title = f"{n}. {para_text(name) if name else 'name ' + NOT_RECORDED}" + (f" ({kind})" if kind else "")
        lang = humanise(p.get("language")) if p.get("language") else None
        if lang and p.get("interpreter") is not None:
            lang += f"; interpreter needed: {humanise(p.get('interpreter'))}"
        pairs = [("Aliases", p.get("aliases")), ("Born / age", born_text(p, ctx)),
                 ("Gender", _word("gender", p.get("gender"))), ("Ethnicity", _ethnicity(p.get("ethnicity"))),
                 ("Religion", p.get("religion")), ("Language", lang),
                 ("Communication", p.get("communication_needs")), ("Disability", p.get("disability")),
                 ("NHS number", p.get("nhs_number")), ("Address", address_text(p.get("address"))),
                 ("GP", p.get("gp")), ("School / nursery" if p.get("kind") != "adult" else "Setting", p.get("school")),
                 ("Location now", p.get("location")), ("Private fostering", p.get("private_fostering"))]
        out.append(KeepTogether([para(title, "h2", raw=True), field_grid(pairs, ctx.width)]))
    return out


def household(ctx: Ctx) -> list[Flowable]:
    members = [m for m in as_list(ctx.doc.get("household")) if isinstance(m, dict)]
    out = heading("Household and significant others")
    if not members:
        return out + [missing("Household members")]
    rows = [[person_name(m), born_text(m, ctx), _word("gender", m.get("gender")),
             _word("relationship", m.get("relationship")),
             m.get("parental_responsibility"), m.get("lives_with_subject"), address_text(m.get("address"))]
            for m in members]
    out.append(data_table(["Name", "Born / age", "Gender", "Relationship", "Parental responsibility",
                           "Lives with subject", "Address if different"], rows, [19, 13, 9, 14, 15, 9, 21], ctx.width))
    return out


def agencies(ctx: Ctx) -> list[Flowable]:
    items = [a for a in as_list(ctx.doc.get("agencies")) if isinstance(a, dict)]
    out = heading("Agencies involved")
    if not items:
        return out + [missing("Agencies involved")]
    rows = [[a.get("agency"), a.get("contact"), a.get("lead_professional"), a.get("open_early_help"),
             a.get("previous_interventions")] for a in items]
    out.append(data_table(["Agency", "Contact", "Lead professional", "Open early help / TAF",
                           "Earlier interventions and what they achieved"], rows, [16, 18, 15, 11, 40], ctx.width))
    return out


def concerns(ctx: Ctx) -> list[Flowable]:
    c = ctx.section("concerns")
    out = heading("Concerns")
    if not c:
        return out + [missing("Concerns")]
    out += [para("Narrative", "h2", raw=True), *narrative(c.get("narrative"))]
    # observation kept apart from report (domain.md §1 G)
    out += [para("Observed by the referrer", "h2", raw=True), *narrative(c.get("observed"))]
    out += [para("Reported to the referrer", "h2", raw=True), *narrative(c.get("reported"))]
    ids = [str(i) for i in as_list(c.get("indicators"))]
    out.append(para("Indicators", "h2", raw=True))
    if ids:
        levels = {i.get("id"): i for i in as_list(ctx.engine().get("indicators")) if isinstance(i, dict)}
        rows = []
        for ind_id in ids:
            meta = as_dict(levels.get(ind_id))
            domain = meta.get("domain") or ind_id.split(".", 1)[0]
            level = meta.get("level") or labels.indicator_level(ind_id)  # never "not recorded" in a narrow cell
            rows.append([ctx.indicator_label(ind_id) or humanise(ind_id.rpartition(".")[2]),
                         ctx.domain_label(str(domain)), level if level is not None else "–"])
        out.append(data_table(["Indicator", "Domain", "Level"], rows, [66, 24, 10], ctx.width))
    else:
        out.append(missing("Indicators"))
    out.append(field_grid([("Action already taken", c.get("actions_taken")),
                           ("Whereabouts now", c.get("whereabouts"))], ctx.width, columns=1))
    return out


def voice(ctx: Ctx) -> list[Flowable]:
    v, consent = ctx.section("voice"), ctx.section("consent")
    whose = "The adult's" if ctx.population == "adult" else "The child's"
    out = heading(f"{whose} voice and the parents' views" if ctx.population == "child" else f"{whose} voice")
    out += [para(f"{whose} views, wishes and feelings", "h2", raw=True), *narrative(v.get("subject_views"))]
    if ctx.population == "child":
        out.append(para(f"Child consulted: {para_text(consent.get('child_consulted'))}", "body", raw=True))
    out += [para("Parents' / carers' views", "h2", raw=True), *narrative(v.get("parent_views"))]
    return out


def adult_needs(ctx: Ctx) -> list[Flowable]:
    if ctx.population != "adult":
        return []
    a = ctx.section("adult")
    out = heading("Care and support (adult)")
    if not a:
        return out + [missing("Care and support details")]
    pairs = [("Care and support needs", a.get("care_support_needs")), ("Capacity and communication", a.get("capacity")),
             ("Informal carers", a.get("carers")), ("Children in the household", a.get("children_in_household")),
             ("Desired outcomes", a.get("desired_outcomes")), ("Care setting", a.get("setting"))]
    return out + [field_grid(pairs, ctx.width, columns=1)]


def consent(ctx: Ctx) -> list[Flowable]:
    c = ctx.section("consent")
    out = heading("Consent and information sharing")
    if not c:
        return out + [missing("Consent and notification")]
    informed = as_dict(c.get("informed"))
    if informed:
        rows = []
        for pid, v in informed.items():
            state = as_dict(v).get("informed") if isinstance(v, dict) else v
            rows.append([ctx.who(pid), state, _reason(ctx, as_dict(v).get("reason")) if state != "yes" else NA])
        out += [para("Who has been informed of the referral", "h2", raw=True),
                data_table(["Person", "Informed", "Reason if not"], rows, [35, 12, 53], ctx.width)]
    records = [r for r in as_list(c.get("records")) if isinstance(r, dict)]
    out.append(para("Consent by person and scope", "h2", raw=True))
    if records:
        rows = []
        for r in records:
            given_by = r.get("given_by") or r.get("who")
            role = r.get("role") or r.get("relationship")
            person = ctx.who(r.get("person_id")) + (f" (given by {given_by})" if given_by else "")
            detail = [humanise(x) for x in (r.get("method"), role) if x]
            if r.get("proceeds") is not None:
                detail.append("referral proceeds: " + humanise(r.get("proceeds")))
            if r.get("decided_by"):
                detail.append(f"decided by {r['decided_by']}")
            if r.get("approved_by"):
                detail.append(f"approved by {r['approved_by']}")
            reason = _reason(ctx, r.get("reason_code") or r.get("reason"))
            rows.append([person, _scope(r), _state(r.get("state")), fmt_when(r.get("date")) if r.get("date") else None,
                         NA if reason is None and r.get("state") == "given" else reason, "; ".join(detail) or None,
                         r.get("recorded_by")])
        out.append(data_table(["Person", "Scope", "State", "Date", "Reason", "Details", "Recorded by"], rows,
                              [19, 12, 10, 11, 22, 15, 11], ctx.width))
    else:
        out.append(missing("Consent records"))
    withhold = [w for w in as_list(c.get("withhold")) if isinstance(w, dict)]
    pairs: list[tuple[str, Any]] = [("Lawful basis for sharing", _word("lawful_bases", c.get("lawful_basis")))]
    out.append(field_grid(pairs, ctx.width, columns=1))
    if withhold:
        out += [para("Not to be shared with the family", "h2", raw=True),
                data_table(["What", "Why"], [[w.get("what"), w.get("why")] for w in withhold], [45, 55], ctx.width)]
    return out


_SCOPES = {"referral": "1 the referral", "1": "1 the referral", "checks": "2 agency checks",
           "2": "2 agency checks", "sharing": "3 sharing", "3": "3 sharing"}


def _scope(rec: dict) -> str:
    scope = rec.get("scope", "referral")
    text = _SCOPES.get(str(scope), humanise(scope))
    if rec.get("agency"):
        text += f" with {rec['agency']}"
    return text


def _state(state: Any) -> str:
    return humanise(state).upper() if state in ("refused", "withdrawn", "not_sought") else humanise(state)


def _reason(ctx: Ctx, code: Any) -> str | None:
    if not code:
        return None
    return ctx.code_label("reasons", code) or humanise(code).replace("_", " ")

