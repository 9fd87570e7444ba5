// The holder's pages: sign-up and contact details, CEC status for a renewal
// year with what is outstanding, the self-report submission, and the
// renewal invoice with its pay button.

import policy from "../policy.js";
import { h, fill, announce, table, facts } from "./dom.js";
import { api, getOrNull, serverNow } from "./api.js";
import { session, refreshRoles } from "./auth.js";
import { field, addressFields, form, readForm, submitting, group, precheck, problem } from "./forms.js";
import { page, notice, writeToOffice, errorNotice, dateTime, date, badge, words, kindName, invoiceStatusText, startPayment, paidConfirmation, hashQuery, actionButton, confirmation } from "./view.js";
import { money, dateIn, hundredths, cecText } from "./fee.js";
import { attachField, attachedIds, uploading, documentList, unseenRefusals } from "./documents.js";
import { downloadFile, pdfButton } from "./download.js";
import { programBadgeButton, renewalBadgeButton, aboutBadges } from "./openbadge.js";

/** #/holder: sign up as a holder, or see the profile and update contact details. */
export async function profile(main) {
  const view = page(main, "Your profile");
  const me = await getOrNull("/holders/me");
  if (!me) {
    signUp(view);
    return;
  }
  drawProfile(view, me);
}

function signUp(view) {
  const s = session();
  view.append(h("p", {}, "Create your holder account: a free guest account, which the association's office marks as a member account when you are one."));
  const f = form({ id: "signup-form" }, [
    h("div", { class: "grid two" },
      field("First name", "firstName", { required: true, autocomplete: "given-name" }),
      field("Last name", "lastName", { required: true, autocomplete: "family-name" })),
    field("Email", "email", { type: "email", required: true, autocomplete: "email", value: s?.email }),
    field("Phone", "contact.phone", { type: "tel", autocomplete: "tel" }),
    addressFields("contact.address", {}, false),
  ], "Create my account");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const body = readForm(f);
      await precheck(f, "POST /holders", { path: "/holders", body });
      const me = await api("POST", "/holders", { body });
      await refreshRoles("holder"); // a holder from now on: every holder page opens
      announce(`Account created. Your holder ID is ${me.holderId}.`);
      view.replaceChildren();
      drawProfile(view, me);
      confirmation(view, { id: "holder-created", title: "Your holder account is ready", reference: me.holderId,
        next: me.imported
          ? `We found the record the association keeps of you, and it is your account now: your membership and credentials are on it. Your holder ID is ${me.holderId}: `
            + "give it to the providers whose programs you attend, so that they can report your attendance. Your CEC status shows what your renewal needs."
          : `Account created. Your holder ID is ${me.holderId}: give it to the providers whose programs you attend, so that they `
            + "can report your attendance. If you hold a credential, the association's office records it; your CEC status then shows what your renewal needs." });
    });
  });
  view.append(f);
}

function drawProfile(view, me) {
  const c = me.contact || {};
  const a = c.address || {};
  const f = form({ id: "contact-form" }, [
    field("Email", "email", { type: "email", required: true, autocomplete: "email", value: me.email }),
    field("Phone", "phone", { type: "tel", autocomplete: "tel", value: c.phone }),
    addressFields("address", a, false),
    field("List me in the practitioner directory (providers use it to report my attendance)", "listedInDirectory", { type: "checkbox", value: me.listedInDirectory }),
  ], "Save my contact details");
  const saved = h("div", { "aria-live": "polite", id: "contact-saved" });
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    saved.replaceChildren(); // a save's confirmation never stands beside a later error
    submitting(f, async () => {
      const body = readForm(f);
      await precheck(f, "PUT /holders/me/contact", { path: "/holders/me/contact", body });
      const updated = await api("PUT", "/holders/me/contact", { body });
      view.querySelector(".panel")?.remove(); // the account's first confirmation is old news now
      fill(saved, notice(`Contact details saved (confirmed ${dateTime(updated.contactConfirmedAt)}).`, "ok", { tabindex: "-1", id: "contact-saved-notice" }));
      // Where the person looks, on a phone too: the form's button is far below it.
      saved.firstChild.focus({ preventScroll: true });
      saved.scrollIntoView({ block: "start" });
      summaryBox.firstChild.replaceWith(summary(updated));
      announce("Contact details saved");
    });
  });
  // A name is the one on the holder's credentials: the office changes it.
  const summaryBox = h("div", {}, summary(me),
    h("p", { class: "hint", id: "change-name" }, "Your name is the one on your credentials. To change it, ", writeToOffice(), " with your holder ID."));
  // Element.append writes a null as the text "null": leave it out instead.
  view.append(...[
    summaryBox,
    h("h2", {}, "Contact details"),
    h("p", {}, "Keeping them current is the first step of your renewal."),
    saved, f].filter((x) => x !== null));
}

function summary(me) {
  return facts([
    ["Holder ID", h("span", { id: "holder-id" }, me.holderId)],
    ["Name", `${me.firstName} ${me.lastName}`],
    ["Membership", h("span", { id: "membership" }, words(me.membership))],
    ["Credentials", h("span", { id: "credentials" }, (me.credentials || []).map((x) => `${x.code} (since ${date(x.earnedOn)})`).join(", ") || "None recorded yet")],
    ["Contact confirmed", me.contactConfirmedAt ? dateTime(me.contactConfirmedAt) : "Not yet"],
  ]);
}

/**
 * Renewals the forms cannot date alone: periods of several years, or each
 * holder's own cycle from the day they earned their first credential.
 */
export const ownPeriods = policy.periodYears > 1 || policy.periodAnchor === "credential";

/**
 * The coming renewal year: the calendar year after today in the
 * association's time zone; with ownPeriods, the API's answer for the holder
 * (holderId: staff looking at one), whose period it is.
 */
export async function comingYear(holderId) {
  if (ownPeriods) {
    const st = await getOrNull(holderId ? `/holders/${encodeURIComponent(holderId)}/status` : "/holders/me/status");
    if (st) return st.renewalYear;
  }
  const now = await serverNow();
  return Number(dateIn(now, policy.association.timeZone).slice(0, 4)) + 1;
}

/**
 * The form that picks a renewal year, checked before anything is asked of
 * the API. Its run() shows year (the page's first), with any problem on
 * the field like a submission's.
 */
function yearForm(id, year, onYear) {
  const y = Number(year) || 2028;
  const f = form({ id, class: "year-form" }, [
    field("Renewal year", "year", { value: String(year), inputmode: "numeric", cls: "short", kind: "integer", required: true,
      hint: yearHint(y) }),
  ], "Show");
  const run = (first) => submitting(f, () => {
    const v = f.elements.year.value.trim();
    if (!/^\d{4}$/.test(v)) throw problem([{ field: "year", message: "Enter the renewal year as four digits, like 2028" }]);
    return onYear(v, first ? undefined : f);
  });
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    run(false);
  });
  f.run = () => run(true);
  return f;
}

/** What a renewal year's CECs are, in the policy's shape. */
function yearHint(y) {
  const every = policy.periodYears > 1 ? `${policy.periodYears} years` : "year";
  if (policy.periodAnchor === "credential") {
    return `Four digits. You renew every ${every}, on the anniversary of the day you earned your first credential. You see the renewal due in that year, or the next one after it.`;
  }
  if (policy.periodYears > 1) {
    return `Four digits. Renewals fall every ${every} and count the CECs earned in the ${every} before. You see the renewal due in that year, or the next one after it.`;
  }
  return policy.rollingMonthsBeforeDue
    ? `Four digits. The ${y} renewal counts the CECs earned in the ${policy.rollingMonthsBeforeDue} months before it is due.`
    : `Four digits. The ${y} renewal counts the CECs earned in ${y - policy.earnedYearsBefore}.`;
}

/** Whether the policy has kinds of "other" sources (else the status shows no split by source). */
export const otherSources = policy.activityKinds.some((k) => k.category === "other");

/** #/holder/status: the CEC status of a renewal year. */
export async function status(main) {
  const view = page(main, "Your CEC status");
  const out = h("section", { id: "cec-status", "aria-live": "polite" });
  const year = hashQuery().get("year") || String(await comingYear());
  const show = async (y, f) => {
    let st;
    try {
      st = await api("GET", `/holders/me/status?${new URLSearchParams({ year: y })}`);
    } catch (err) {
      if (err.code === "holder_not_found") {
        fill(out, notice("Create your holder account first.", "warn"), h("p", {}, h("a", { href: "#/holder" }, "Your profile")));
        return;
      }
      throw err;
    }
    drawStatus(out, st, await openSubmission(y));
    if (f) announce(st.standing === "no_credentials" ? `Renewal ${st.renewalYear}: no credential needs CECs.`
      : st.met ? `Renewal ${st.renewalYear}: requirement met.` : `Renewal ${st.renewalYear}: ${st.outstanding} CECs outstanding.`);
  };
  const f = yearForm("status-year", year, show);
  view.append(f, out);
  await f.run();
}

/** The holder's submission for year that waits for review (received or in review), or null. */
async function openSubmission(year) {
  const subs = await getOrNull("/holders/me/submissions");
  return (subs?.submissions || []).find((x) => String(x.year) === String(year) && (x.status === "received" || x.status === "in_review")) || null;
}

/** What a submission waiting for review would add, and that it counts once approved. */
function pendingNotice(open, id) {
  const hours = open.activities.reduce((n, a) => n + (hundredths(a.hours) || 0), 0);
  const action = auditAction(open);
  return notice([action, h("strong", {}, `Your submission ${open.submissionId} (${cecs(cecText(hours))}, sent ${dateTime(open.submittedAt)}) is waiting for the association's review.`),
    " Its activities count once approved; you get an email with the decision. You can submit more for this renewal once it is decided."], action ? "warn" : "", { id });
}

/**
 * "Action needed" first, when a documentation audit waits for the
 * holder's files: the way to the form that sends them. Null otherwise.
 */
function auditAction(open) {
  const a = open.auditRequest;
  if (!a || a.state !== "requested") return null;
  return h("p", { class: "audit-action" }, h("strong", {}, "Action needed: "),
    `your submission was selected for a documentation audit. Send the documentation by ${date(a.due)}: `,
    h("a", { href: `#/holder/submit?year=${encodeURIComponent(open.year)}&audit=${encodeURIComponent(open.submissionId)}` }, "send the documentation"), ".");
}

function drawStatus(out, st, open) {
  const download = h("button", { type: "button", class: "secondary", id: "download-transcript", onclick: async () => {
    try {
      await downloadFile(`/holders/me/transcript?year=${st.renewalYear}`, "text/csv", `cec-transcript-${st.renewalYear}.csv`);
    } catch (err) { errorNotice(out.querySelector("#download-error"), err); }
  } }, "Download the transcript (CSV)");
  const pdf = h("button", { type: "button", class: "secondary", id: "download-transcript-pdf", onclick: async () => {
    try {
      await downloadFile(`/holders/me/transcripts/${encodeURIComponent(st.renewalYear)}`, "application/pdf", `cec-transcript-${st.renewalYear}.pdf`);
    } catch (err) { errorNotice(out.querySelector("#download-error"), err); }
  } }, "Download the transcript (PDF)");
  fill(out,
    h("h2", {}, `Renewal ${st.renewalYear}`),
    h("p", { id: "status-window" }, `CECs earned from ${date(st.window.from)} to ${date(st.window.to)} count; the renewal is due on ${date(st.dueOn)}. Credentials: ${st.credentials.join(", ") || "none recorded"}.`),
    st.prorated ? h("p", { id: "status-prorated" }, `You earned your credential during this period, so you need only a share of its CECs: ${st.required}, for the whole months left in the period after the month you earned it.`) : null,
    st.standing === "no_credentials"
      ? notice(["You hold no credential that needs renewal CECs, so there is nothing to report for this renewal. "
        + "If you hold one, the association's office records it: ", writeToOffice(), "."], "", { id: "status-no-credentials" })
      : st.met
        ? notice("Your CECs meet the requirement for this renewal.", "ok", { id: "status-met" })
        : notice(Number(st.outstanding) > 0
          ? `Outstanding: ${st.outstanding} CECs${open ? " until the submission waiting for review is approved" : ""}.`
          : "Not met yet: the CECs are there, but a rule is not met. See what is still missing below.", "warn", { id: "status-outstanding" }),
    open ? pendingNotice(open, "status-pending") : null,
    (st.pending || []).length ? notice([
      `Reported by ${st.pending.length === 1 ? "a provider" : "providers"}, not counted yet: the credit is issued once the provider pays the association's filing fee for the report. `,
      h("ul", {}, st.pending.map((p) => h("li", { dataset: { programId: p.programId } },
        `${p.title} (${p.providerName}), completed ${date(p.completed)}: ${p.cecs} CECs`)))], "", { id: "status-awaiting-fee" }) : null,
    st.lapsed ? notice([`Your ${st.renewalYear} credentials have lapsed: the renewal was not paid by the end of its grace period. `,
      h("a", { href: `#/holder/renewal?year=${st.renewalYear}` }, "Pay it on your renewal page"), " to reinstate them (a reinstatement fee applies)."],
    "warn", { id: "status-lapsed" }) : null,
    st.standing === "no_credentials" ? null : facts([
      ["Required", h("span", { id: "status-required" }, String(st.required))],
      ["Counted", h("span", { id: "status-counted" }, String(st.counted))],
      ["Outstanding", h("span", { id: "status-outstanding-value" }, String(st.outstanding))],
      // A policy whose sources are all of one kind has no split to show.
      ...(otherSources ? [["Association sources", String(st.bySource.association)],
        ["Other sources", `${st.bySource.other} (counted ${st.bySource.otherCounted}, at most ${st.bySource.otherLimit})`]] : []),
      // A policy without a compliance minimum has nothing to show here.
      ...(Number(st.compliance.minimum) > 0 ? [["Compliance", `${st.compliance.counted} of at least ${st.compliance.minimum}`]] : []),
    ]),
    st.shortfalls.length ? [h("h3", {}, "Still missing"), h("ul", { id: "shortfalls" }, st.shortfalls.map((x) => h("li", { dataset: { rule: x.rule } },
      shortfallText(x.rule, statusFigures(st, x.rule), x.message))))] : null,
    h("h3", {}, "Activities"),
    st.activities.length
      ? table("Activities earned in the window", ["Date", "Activity", "Source", "Hours", "Counts", { text: "Verdict", outcome: true }],
        st.activities.map((a) => h("tr", { dataset: { source: a.source, status: a.status } },
          h("td", {}, date(a.date)), h("td", {}, a.title, h("br"), h("span", { class: "hint" }, `${a.organisation}; ${kindName(a.kind)}${a.compliance ? "; compliance" : ""}`),
            // A program credited through attendance has its certificate of completion.
            a.source === "program" ? certificateButton(a) : null),
          h("td", {}, a.source === "program" ? "Credited by the provider" : "Reported by you"),
          h("td", {}, String(a.hours)), h("td", {}, String(a.counts)),
          h("td", {}, a.status === "counted" ? h("span", { class: "accepted" }, "Counted") : h("span", { class: a.status === "refused" ? "rejected" : "" }, `${words(a.status)}: ${a.message || words(a.reason)}`)))), { id: "status-activities" })
      : h("p", {}, "No activities in this window yet."),
    st.activities.some((a) => a.source === "program") ? aboutBadges("status-about-badges") : null,
    h("div", { class: "actions" }, download, pdf, st.standing === "outstanding" && !open ? h("a", { class: "button", href: `#/holder/submit?year=${st.renewalYear}` }, "Report the outstanding CECs") : null),
    h("div", { id: "download-error" }));
}

/**
 * The downloads of a credited program's certificate of completion and its
 * digital badge, with their own place for an error.
 */
function certificateButton(a) {
  const errors = h("span", { "aria-live": "polite" });
  const b = pdfButton({ class: "link certificate", dataset: { programId: a.id } }, "Certificate of completion (PDF)", errors,
    `/holders/me/certificates/${encodeURIComponent(a.id)}`, `certificate-${a.id}.pdf`);
  return [h("br"), b, h("br"), programBadgeButton(a.id, errors), errors];
}

/** "CEC" for 1, "CECs" otherwise. */
function unit(n) {
  return Number(n) === 1 ? "CEC" : "CECs";
}

/** "1 CEC", "2.5 CECs". */
function cecs(n) {
  return `${n} ${unit(n)}`;
}

/**
 * What a person must add to meet one rule of a renewal year, in words:
 * rule is total, association_minimum or compliance_minimum and figures
 * {missing, counted, required} its numbers (the API's shortfall details
 * carry them; the status page's are read from its figures). An unknown
 * rule reads as the API's message.
 */
export function shortfallText(rule, f, message = "") {
  switch (rule) {
    case "total":
      return `Add at least ${f.missing} more ${unit(f.missing)}: ${f.counted} of the ${cecs(f.required)} required count so far.`;
    case "association_minimum":
      return `Add at least ${f.missing} more ${unit(f.missing)} from association sources (the association's national conference, `
        + "a course of the association, its institute or a local affiliate, serving on their boards or committees, industry legislative events, "
        + `teaching their courses without pay): at least ${cecs(f.required)} must come from them, and ${f.counted} do so far.`;
    case "compliance_minimum":
      return `At least ${cecs(f.required)} must address legislative or regulatory compliance, and ${f.counted} ${Number(f.counted) === 1 ? "does" : "do"} so far: `
        + "add an activity that does, and tick \"Addresses legislative or regulatory compliance\" on it.";
    default:
      return message;
  }
}

/** The figures of a status's shortfall by rule, from the status's own numbers. */
export function statusFigures(st, rule) {
  const f = {
    total: { counted: st.counted, required: st.required },
    association_minimum: { counted: st.bySource.association, required: cecText((hundredths(st.required) || 0) - (hundredths(st.bySource.otherLimit) || 0)) },
    compliance_minimum: { counted: st.compliance.counted, required: st.compliance.minimum },
  }[rule] || {};
  const missing = (hundredths(f.required) ?? 0) - (hundredths(f.counted) ?? 0);
  return { ...f, missing: cecText(Math.max(0, missing)) };
}

/**
 * The year's figures if the activities were counted as entered: an
 * estimate in the browser (the activity kinds' categories from policy.js,
 * the in-network minimum, the compliance minimum), which leaves every cap
 * (per item, per kind, per group of kinds), activities that count once,
 * and the documentation check to the server: it may read higher than the
 * server counts, never lower, and the submission's answer says by rule
 * what is still missing.
 */
function estimate(st, activities) {
  const H = (v) => hundredths(v) ?? 0;
  let assoc = H(st.bySource.association);
  let other = H(st.bySource.other);
  let compliance = H(st.compliance.counted);
  let added = 0;
  let otherCompliance = 0;
  for (const a of activities) {
    const kind = policy.activityKinds.find((k) => k.code === a?.kind);
    const n = hundredths(a?.hours);
    if (!kind || !n || (a.date && (a.date < st.window.from || a.date > st.window.to))) continue;
    added += n;
    if (kind.category === "association") {
      assoc += n;
      if (a.compliance) compliance += n;
    } else {
      other += n;
      if (a.compliance) otherCompliance += n;
    }
  }
  const limit = H(st.bySource.otherLimit);
  const required = H(st.required);
  const minimum = H(st.compliance.minimum);
  const otherCounted = Math.min(other, limit);
  // Compliance from other sources counts only as far as other sources do.
  compliance += Math.min(otherCompliance, Math.max(0, otherCounted - H(st.bySource.otherCounted)));
  const counted = assoc + otherCounted;
  const rule = (name, have, need) => ({ rule: name, figures: { missing: cecText(Math.max(0, need - have)), counted: cecText(have), required: cecText(need) }, short: have < need });
  const rules = [rule("total", counted, required), rule("association_minimum", assoc, required - limit), rule("compliance_minimum", compliance, minimum)];
  return { counted, required, added, rules, met: !rules.some((r) => r.short) };
}

/** The running total of the submission form: the holder's status plus what the form holds. */
function runningTotal(out, f) {
  let st = null;
  let open = null; // the year's submission waiting for review, if any
  let year = "";
  const draw = () => {
    if (!st) return;
    // While the year's submission waits, the API takes no other for it: the
    // activities and the button give way to what is waiting (the year
    // stays, to choose another).
    for (const el of [f.querySelector("#activities"), f.querySelector("#add-activity")?.parentElement, f.querySelector(".actions")]) {
      if (el) el.hidden = Boolean(open);
    }
    if (open) {
      // Its activities count once approved, and the API takes no other
      // submission for the year meanwhile: an estimate without it would
      // read "add 6 more" to someone who just sent them.
      const action = auditAction(open);
      fill(out, notice([action, h("strong", {}, `Your submission ${open.submissionId} for the ${open.year} renewal is waiting for the association's review.`),
        ` Its activities count once approved (${st.counted} of ${cecs(st.required)} count now). You can submit more for ${open.year} once it is decided; `,
        "for another renewal year, change the year above."], action ? "warn" : "", { id: "running-pending" }));
      return;
    }
    if (st.standing === "no_credentials") {
      fill(out, notice(["You hold no credential that needs renewal CECs, so there is nothing to submit for this renewal. If you hold one, ",
        writeToOffice(), " to have it recorded."], "warn", { id: "running-no-credentials" }));
      return;
    }
    const body = readForm(f);
    const e = estimate(st, body.activities || []);
    const short = e.rules.filter((r) => r.short);
    // Only the rules the policy sets: a minimum of 0 asks nothing.
    const rules = [
      otherSources && Number(e.rules[1].figures.required) > 0 ? `From association sources: ${e.rules[1].figures.counted}, at least ${e.rules[1].figures.required} needed` : null,
      Number(e.rules[2].figures.required) > 0 ? `Addressing legislative or regulatory compliance: ${e.rules[2].figures.counted}, at least ${e.rules[2].figures.required} needed` : null,
    ].filter(Boolean);
    // Periods of several years: a year without a renewal of the holder's
    // shows the next one, and says which year to submit for.
    const elsewhere = String(st.renewalYear) !== year ? notice([`You have no renewal due in ${year}. Your next is the ${st.renewalYear} renewal, due on ${date(st.dueOn)}. `,
      h("button", { type: "button", class: "link", id: "running-use-year", onclick: () => { f.elements.year.value = String(st.renewalYear); load(); } },
        `Report for ${st.renewalYear} instead`)], "warn", { id: "running-other-year" }) : null;
    fill(out,
      elsewhere,
      h("h2", { id: "running-heading" }, `Your running total for the ${st.renewalYear} renewal (estimate)`),
      h("p", {},
        h("label", { for: "running-meter" }, h("strong", { id: "running-counted" }, `${cecText(e.counted)} of ${cecs(cecText(e.required))}`),
          ` would count: ${st.counted} counted already, and the activities above (${cecs(cecText(e.added))} entered).`),
        " ", h("meter", { id: "running-meter", min: "0", max: String(e.required / 100 || 1), value: String(e.counted / 100) })),
      rules.length ? h("ul", { id: "running-rules" }, rules.map((r) => h("li", {}, r))) : null,
      e.met
        ? h("p", { id: "running-verdict", class: "accepted" }, "With these activities the requirement looks met.")
        : [h("p", { id: "running-verdict" }, "Still to add:"), h("ul", { id: "running-shortfalls" }, short.map((r) => h("li", { dataset: { rule: r.rule } }, shortfallText(r.rule, r.figures))))],
      h("p", { class: "hint" }, "An estimate from what you have entered: the caps of some kinds of activity and the documentation are checked when you submit, and the association's check decides."));
  };
  // again: read the year's status and submissions even when the year is the same.
  const load = async (again = false) => {
    const y = String(f.elements.year.value || "").trim();
    if (y === year && !again) { draw(); return; }
    year = y;
    st = null;
    open = null;
    let why = "Enter the renewal year to see your running total.";
    try {
      if (/^\d{4}$/.test(y)) {
        [st, open] = await Promise.all([api("GET", `/holders/me/status?${new URLSearchParams({ year: y })}`), openSubmission(y)]);
      }
    } catch (err) {
      if (err.code === "holder_not_found") why = ["Create your holder account first: ", h("a", { href: "#/holder" }, "your profile"), "."];
    }
    if (year !== y) return; // another year was asked meanwhile
    if (st) draw();
    else fill(out, h("p", {}, why));
  };
  f.addEventListener("input", (e) => { if (e.target.name === "year") load(); else draw(); });
  f.addEventListener("change", (e) => { if (e.target.name === "year") load(); else draw(); });
  f.addEventListener("click", (e) => { if (e.target.closest("button[type=button]")) setTimeout(draw, 0); }); // an activity added or removed
  return { load, draw };
}

/** #/holder/submit: self-reported CECs for a renewal year, in one submission. */
export async function submit(main) {
  const view = page(main, "Report your CECs");
  const year = hashQuery().get("year") || String(await comingYear());
  view.append(h("p", {}, "Report the CECs you earned elsewhere, all at once: a submission that would not meet the year's requirement is refused as a whole, with what is missing."));
  const activities = h("div", { id: "activities" });
  const f = form({ id: "submission-form" }, [
    field("Renewal year", "year", { value: year, kind: "integer", inputmode: "numeric", cls: "short", required: true }),
    activities,
    h("p", {}, h("button", { type: "button", class: "secondary", id: "add-activity", onclick: () => { addActivity(activities); } }, "Add another activity")),
    h("section", { id: "running-total", class: "running" }),
  ], "Submit for approval");
  addActivity(activities);
  const running = runningTotal(f.querySelector("#running-total"), f);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    // Read before submitting clears the form's messages: a refused file's.
    const refused = [...activities.children].flatMap((fs, i) => {
      const text = unseenRefusals(fs.querySelector(".attach"));
      return text ? [{ field: `activities[${i}].documents`, message: `Not attached: ${text.split("\n").join(". ")}. Choose another file, or submit again without it` }] : [];
    });
    submitting(f, async () => {
      const body = readForm(f);
      body.activities = (body.activities || []).filter(Boolean);
      // Each activity's files that passed their check; one still on its
      // way holds the submission until it is there.
      const boxes = [...activities.children].map((fs) => fs.querySelector(".attach"));
      const waiting = boxes.flatMap((box, i) => (uploading(box) ? [{ field: `activities[${i}].documents`, message: `Wait for the files of activity ${i + 1} to finish uploading` }] : []));
      if (waiting.length) throw problem(waiting);
      if (refused.length) throw problem(refused, "Some files were not attached");
      boxes.forEach((box, i) => {
        const ids = attachedIds(box);
        if (ids.length && body.activities[i]) body.activities[i].documents = ids;
      });
      await precheck(f, "POST /holders/me/submissions", { path: "/holders/me/submissions", body });
      let sub;
      try {
        sub = await api("POST", "/holders/me/submissions", { body });
      } catch (err) {
        if (err.code === "requirement_not_met") {
          // The shortfall per rule, in words, with what to add; refused
          // activities keep their field and land on their fieldsets.
          err.message = `Not submitted: with these activities your ${body.year} renewal would still fall short, so nothing was recorded. Add what is missing, then submit again.`;
          err.details = err.details.map((d) => (d.code === "shortfall" ? { message: shortfallText(d.field, d.figures || {}, d.message) } : d));
        }
        throw err;
      }
      announce("Submission received");
      confirmation(view, { id: "submission-received", title: "Submission received", reference: sub.submissionId,
        next: `Received: submission ${sub.submissionId}, waiting for staff approval. The association's office reviews it; you get an email `
          + "with their decision, and it shows under Your submissions below. Its activities count once approved." });
      // The form starts again, empty, for another year or a correction.
      f.reset();
      f.elements.year.value = String(body.year); // the year stays: its running total says what waits
      activities.replaceChildren();
      addActivity(activities);
      await running.load(true);
      await followSubmissions(mine);
    });
  });
  const mine = h("section", { id: "my-submissions" }); // named by its heading once it has one
  view.append(f, mine);
  await running.load();
  await followSubmissions(mine);
  // Sent here to send an audit's documentation: to its form.
  const audit = hashQuery().get("audit");
  const heading = audit && document.getElementById(`audit-${audit}`)?.querySelector("h4");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

function kindOptions() {
  // Grouped, so that each option is the kind's name alone: shorter on a phone.
  const groups = { association: "Association sources", other: "Other sources" };
  return [["", "Choose a kind"], ...Object.entries(groups).map(([cat, label]) =>
    [label, policy.activityKinds.filter((k) => k.category === cat).map((k) => [k.code, k.name])])];
}

/** Adds one activity's fieldset; fields are activities[i].x so errors land on them. */
function addActivity(container) {
  const i = container.children.length;
  const p = `activities[${i}]`;
  const docSelect = () => fs.querySelector(`[name="${p}.documentation.type"]`);
  const kindChanged = () => {
    const kind = policy.activityKinds.find((k) => k.code === fs.querySelector(`[name="${p}.kind"]`).value);
    // A kind names documentation groups; the policy lists each group's types once.
    const types = kind ? [...new Set(kind.documentation.flatMap((g) => policy.documentation[g] || []))] : [];
    const sel = docSelect();
    const prev = sel.value;
    fill(sel, h("option", { value: "" }, "Choose a type"), types.map((t) => h("option", { value: t, selected: t === prev }, words(t))));
  };
  const fs = group(`Activity ${i + 1}`, p,
    field("Kind of activity", `${p}.kind`, { type: "select", options: kindOptions(), required: true }),
    field("Title", `${p}.title`, { required: true }),
    field("Organisation", `${p}.organisation`, { required: true, hint: "Who offered it, or the board or publication" }),
    h("div", { class: "grid two" },
      field("Date", `${p}.date`, { type: "date", required: true }),
      field("Hours (CECs)", `${p}.hours`, { kind: "decimal", inputmode: "decimal", required: true, cls: "short", hint: "At most two decimals" })),
    field("Addresses legislative or regulatory compliance", `${p}.compliance`, { type: "checkbox" }),
    group("Documentation", `${p}.documentation`,
      field("Type", `${p}.documentation.type`, { type: "select", options: [["", "Choose a kind first"]], required: true }),
      attachField(`${p}.documents`),
      field("Certificate number", `${p}.documentation.reference`, { hint: "If the document has one" })),
    policy.vendors.length ? field("Vendor of an online course", `${p}.vendor`, { hint: `Courses of ${policy.vendors.join(", ")} count only when bought through the local association` }) : null,
    policy.vendors.length ? field("Bought through the local association", `${p}.purchasedThroughAffiliate`, { type: "checkbox" }) : null,
    i > 0 ? h("button", { type: "button", class: "secondary", onclick: () => { fs.remove(); renumber(container); } }, `Remove activity ${i + 1}`) : null);
  fs.querySelector(`[name="${p}.kind"]`).addEventListener("change", kindChanged);
  container.append(fs);
  if (i > 0) fs.querySelector("select").focus();
}

/** Keeps activities[i] names in order after a removal, so the API's indexes match. */
function renumber(container) {
  [...container.children].forEach((fs, i) => {
    fs.dataset.group = `activities[${i}]`;
    fs.querySelector("legend").textContent = `Activity ${i + 1}`;
    for (const el of fs.querySelectorAll("[name]")) {
      el.name = el.name.replace(/^activities\[\d+\]/, `activities[${i}]`);
      el.dataset.field = el.name;
    }
    for (const el of fs.querySelectorAll("[data-group]")) el.dataset.group = el.dataset.group.replace(/^activities\[\d+\]/, `activities[${i}]`);
  });
}

/**
 * One activity's outcome, in one voice: staff's decision once there is one
 * (a rejection with its reason), before it what the rules make of it, so
 * that no row reads "Counted" beside "Rejected".
 */
function activityOutcome(a) {
  const reason = a.decisionReason ? `: ${a.decisionReason}` : "";
  switch (a.decision) {
    case "approved":
      return a.verdict.status === "refused" ? `Approved, but does not count${a.verdict.message ? `: ${a.verdict.message}` : ""}` : `Approved: counts ${a.verdict.counts}`;
    case "rejected":
      return h("span", { class: "rejected" }, `Rejected${reason}`);
    default:
      return a.verdict.status === "refused"
        ? `Will not count${a.verdict.message ? `: ${a.verdict.message}` : ""}`
        : `Waiting for staff: would count ${a.verdict.counts}`;
  }
}

function drawSubmission(sub, out) {
  return h("div", { class: "card", dataset: { submissionId: sub.submissionId } },
    h("h3", {}, `Submission ${sub.submissionId} for ${sub.year}`),
    h("p", {}, "Status: ", badge(words(sub.status), sub.status), sub.audit ? " (picked for a documentation audit)" : "", sub.reason ? ` Reason: ${sub.reason}` : ""),
    auditPart(sub, out),
    table("Activities", ["Activity", "Date", "Hours", { text: "Outcome", outcome: true }], sub.activities.map((a) => h("tr", {},
      h("td", {}, a.title, h("br"), h("span", { class: "hint" }, kindName(a.kind)),
        documentList(a.documents, (d) => `/holders/me/documents/${encodeURIComponent(d.documentId)}`, { removed: sub.status === "rejected" })),
      h("td", {}, date(a.date)), h("td", {}, String(a.hours)),
      h("td", {}, activityOutcome(a))))),
    sub.result ? h("p", {}, sub.result.met ? `The year is met (${sub.result.counted} of ${sub.result.required} CECs).` : `Still outstanding: ${sub.result.outstanding} CECs.`) : null);
}

/**
 * The documentation audit of a submission, in the holder's words: what to
 * send and by when, with a field per activity that has no file yet and
 * "Send the documentation"; or that it was sent. Once sent, the list is
 * drawn again from the API.
 */
function auditPart(sub, out) {
  const serviceToday = out.serviceDay || "";
  const a = sub.auditRequest;
  const open = sub.status === "in_review" || sub.status === "received";
  if (a?.state === "provided") {
    return [h("p", { class: "audit-done" }, `Documentation audit: the documentation was sent${a.providedAt ? ` on ${dateTime(a.providedAt)}` : ""}. The association's office decides with it in view.`),
      open ? moreFiles(sub, out) : null];
  }
  if (!open) return null;
  if (!a) return moreFiles(sub, out);
  const missing = sub.activities.filter((ac) => !(ac.documents || []).length);
  return filesForm(sub, out, missing, {
    id: `audit-${sub.submissionId}`, cls: "audit-form", required: true, submitText: "Send the documentation",
    intro: [h("h4", {}, "Documentation audit"),
      serviceToday && a.due < serviceToday
        ? h("p", {}, "Your submission was selected for a documentation audit. The date to send the documentation, ", h("strong", {}, date(a.due)),
          `, has passed, but you can still send it until the association's office decides. Without it, the ${missing.length === 1 ? "activity" : "activities"} may not count.`)
        : h("p", {}, `Your submission was selected for a documentation audit. Send the documentation of ${missing.length === 1 ? "this activity" : "these activities"} by `,
          h("strong", {}, date(a.due)), `. Without it, the ${missing.length === 1 ? "activity" : "activities"} may not count: the association's office decides on what it has.`)],
  });
}

/**
 * "Add a file" to a submission waiting for staff: a better copy, or a
 * file forgotten. Folded away: most people need nothing more.
 */
function moreFiles(sub, out) {
  return h("details", { class: "more-files" }, h("summary", {}, "Add a file to this submission"),
    filesForm(sub, out, sub.activities, {
      id: `files-${sub.submissionId}`, cls: "files-form", required: false, submitText: "Send the files",
      intro: [h("p", { class: "hint" }, "A file you send is added to the activity's: to replace a poor copy, send the better one, and the office reads both.")],
    }));
}

/**
 * A form that sends files for activities of sub (POST
 * /holders/me/submissions/{id}/documents), each activity with its file
 * field; the list is drawn again from the API once they are sent.
 */
function filesForm(sub, out, activities, { id, cls, required, submitText, intro }) {
  const f = form({ class: cls, id }, [
    intro,
    activities.map((ac) => group(`Activity ${ac.index + 1}: ${ac.title}`, `activities[${ac.index}]`,
      h("p", { class: "hint" }, `Documentation: ${words(ac.documentation.type)}`),
      attachField(`activities[${ac.index}].documents`, { required }))),
  ], submitText);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const boxes = activities.map((ac) => [ac, f.querySelector(`fieldset[data-group="activities[${ac.index}]"] .attach`)]);
      const waiting = boxes.filter(([, box]) => uploading(box)).map(([ac]) => ({ field: `activities[${ac.index}].documents`, message: `Wait for the files of activity ${ac.index + 1} to finish uploading` }));
      if (waiting.length) throw problem(waiting);
      const sent = boxes.map(([ac, box]) => ({ index: ac.index, documents: attachedIds(box) })).filter((x) => x.documents.length);
      if (!sent.length) {
        throw problem(activities.map((ac) => ({ field: `activities[${ac.index}].documents`, message: `Attach the documentation of activity ${ac.index + 1}` })));
      }
      await api("POST", `/holders/me/submissions/${encodeURIComponent(sub.submissionId)}/documents`, { body: { activities: sent } });
      announce(required ? "Documentation sent" : "Files sent");
      await followSubmissions(out);
      const card = out.querySelector(`[data-submission-id="${CSS.escape(sub.submissionId)}"]`);
      const done = card?.querySelector(".audit-done, .audit-form, h3");
      if (done) {
        done.setAttribute("tabindex", "-1");
        done.focus();
      }
    });
  });
  return f;
}

// While a submission waits for its asynchronous check (received), the list
// reads itself again every few seconds, for a bounded while, so that the
// step shows without a reload.
const followEvery = 2000;
const followFor = 60000;

/** "Your submissions", from the API (GET /holders/me/submissions): the same on every device. */
async function followSubmissions(out, since = Date.now()) {
  clearTimeout(out.followTimer);
  // The service's date, for an audit's date that has passed.
  const [page, now] = await Promise.all([getOrNull("/holders/me/submissions"), out.serviceDay ? null : serverNow()]);
  if (now) out.serviceDay = dateIn(now, policy.association.timeZone);
  const subs = page ? page.submissions : [];
  if (!subs.length) {
    out.replaceChildren();
    out.removeAttribute("aria-labelledby");
    return;
  }
  out.setAttribute("aria-labelledby", "my-submissions-heading");
  fill(out, h("h2", { id: "my-submissions-heading" }, "Your submissions"),
    h("p", {}, h("button", { type: "button", class: "secondary", id: "refresh-submissions", onclick: () => followSubmissions(out) }, "Refresh")),
    subs.map((sub) => drawSubmission(sub, out)));
  if (subs.some((s) => s.status === "received") && Date.now() - since < followFor && out.isConnected) {
    out.followTimer = setTimeout(() => followSubmissions(out, since), followEvery);
  }
}

/** When renewal invoices go out, in the policy's shape. */
export function invoicesWhen() {
  return policy.periodAnchor === "credential"
    ? `Your renewal is due on the anniversary that ends your ${policy.periodYears > 1 ? `${policy.periodYears}-year cycle` : "year"}; its invoice is issued ${policy.issueDaysBeforeDue} days before.`
    : "Invoices are issued in the autumn before the renewal year.";
}

/** #/holder/renewal: the renewal invoice, its steps and the pay button. */
export async function renewal(main) {
  const view = page(main, "Your renewal");
  const out = h("section", { id: "renewal", "aria-live": "polite" });
  const year = hashQuery().get("year") || String(await comingYear());
  const show = async (y) => {
    let r;
    try {
      r = await api("GET", `/holders/me/renewals/${encodeURIComponent(y)}`);
    } catch (err) {
      if (err.code === "renewal_not_found" || err.code === "holder_not_found") {
        fill(out, notice(err.code === "renewal_not_found" ? `There is no renewal invoice for ${y} (yet). ${invoicesWhen()}` : "Create your holder account first.", "warn", { id: "no-renewal" }));
        return;
      }
      throw err;
    }
    drawRenewal(out, r, y);
    const reinstated = r.invoice.lines.some((l) => l.credential === "reinstatement");
    paidConfirmation(view, r.invoice.status === "paid", { title: "Payment received", reference: r.invoice.invoiceId,
      next: `Your ${r.year} dues are paid; the receipt is emailed to you.${reinstated ? ` Your ${r.year} credentials are reinstated.` : ""} ${r.complete ? `Your ${r.year} renewal is complete.`
        : "The renewal is complete once your CECs for it are approved: the steps below say what is left."}` });
  };
  const f = yearForm("renewal-year", year, show);
  view.append(f, out);
  await f.run();
}

const stepText = {
  contact_updated: ["Update your contact information", "#/holder"],
  paid: ["Pay online", null],
  cec_status_checked: ["Check your CEC status", "#/holder/status"],
  cecs_approved: ["Submit your outstanding CECs (approved)", "#/holder/submit"],
};

function drawRenewal(out, r, y) {
  const inv = r.invoice;
  const result = h("div", { "aria-live": "polite" });
  // Lapsed, the checkout adds the reinstatement fee first (once): the button says what will be charged.
  const due = inv.totalCents + (inv.lapsed && !inv.lines.some((l) => l.credential === "reinstatement") ? policy.reinstatementFeeCents || 0 : 0);
  const pay = inv.status !== "paid" ? actionButton({ id: "pay-renewal" }, `Pay ${money(due, inv.currency)}`, result, async () => {
    const co = await api("POST", `/holders/me/renewals/${encodeURIComponent(y)}/checkout`);
    startPayment(co, `#/holder/renewal?year=${encodeURIComponent(y)}`);
  }) : pdfButton({ id: "download-receipt", class: "secondary" }, "Download the receipt (PDF)", result,
    `/holders/me/renewals/${encodeURIComponent(y)}/receipt`, `receipt-${inv.invoiceId}.pdf`);
  const invoicePDF = pdfButton({ id: "download-invoice", class: "secondary" }, "Download the invoice (PDF)", result,
    `/holders/me/renewals/${encodeURIComponent(y)}/invoice`, `invoice-${inv.invoiceId}.pdf`);
  fill(out,
    h("h2", {}, `Renewal ${r.year}`),
    r.complete ? notice(`Your ${r.year} renewal is complete: your dues are paid and your CECs are approved.`, "ok", { id: "renewal-complete" }) : null,
    // Unpaid after the grace period: what it means, and how to come back.
    inv.lapsed ? notice(`Your ${r.year} credentials have lapsed: the renewal was not paid by ${date(inv.graceUntil)}, the end of the grace period. `
      + (policy.reinstatementFeeCents > 0
        ? `Paying now adds the reinstatement fee of ${money(policy.reinstatementFeeCents, inv.currency)}, once, and reinstates them.`
        : "Paying now reinstates them."), "warn", { id: "renewal-lapsed" }) : null,
    facts([
      ["Invoice", inv.invoiceId],
      ["Status", h("span", { id: "invoice-status", dataset: { status: inv.status } }, inv.status === "paid" ? `Paid ${dateTime(inv.paidAt)}`
        : `${invoiceStatusText[inv.status] || words(inv.status)}${inv.lapsed ? ": lapsed" : ""}`)],
      ["Due", date(inv.dueOn)],
      ["Grace period until", date(inv.graceUntil)],
      ["CECs required", String(inv.cecsRequired)],
    ]),
    table("Dues", ["Credential", "Amount"], [
      ...inv.lines.map((l) => h("tr", { dataset: { line: l.credential } }, h("td", {}, l.credential === "reinstatement" ? "Reinstatement fee" : l.credential),
        h("td", {}, money(l.cents, inv.currency)))),
      // Lapsed, the fee comes on when paying: shown before, so that the button's amount adds up.
      due !== inv.totalCents ? h("tr", { dataset: { line: "reinstatement-due" } }, h("td", {}, "Reinstatement fee (added when you pay)"),
        h("td", {}, money(due - inv.totalCents, inv.currency))) : null,
      h("tr", {}, h("th", { scope: "row" }, "Total"), h("td", { id: "invoice-total" }, money(due, inv.currency))),
    ], { id: "invoice-lines" }),
    h("div", { class: "actions" }, pay, invoicePDF, r.complete ? renewalBadgeButton(y, result) : null), result,
    r.complete ? aboutBadges("renewal-about-badges") : null,
    h("h3", {}, r.complete ? "The steps" : "Steps, in any order"),
    // Complete is paid and CECs approved (SPEC); the other steps help, and can still be done.
    r.complete && r.steps.some((x) => !x.done)
      ? h("p", { class: "hint", id: "steps-still-open" }, "Paying and having your CECs approved complete the renewal. The other steps are there to help you: you can still do them.") : null,
    h("ul", { class: "steps", id: "renewal-steps" }, r.steps.map((s) => {
      const [text, href] = stepText[s.step] || [words(s.step), null];
      return h("li", { class: s.done ? "done" : "", dataset: { step: s.step, done: s.done } },
        href && !s.done ? h("a", { href }, text) : text, s.done ? h("span", { class: "visually-hidden" }, " (done)") : h("span", { class: "visually-hidden" }, " (to do)"));
    })));
}

