// Staff pages: the program review queue, the CEC submission review queue
// (approve, reject, or reject single activities), holders' credentials, and
// one holder's whole record.

import policy from "../policy.js";
import { h, fill, announce, table, facts } from "./dom.js";
import { api, pageQuery, serverNow } from "./api.js";
import { field, radios, form, readForm, submitting, group, problem, clearErrors, precheck } from "./forms.js";
import { page, notice, confirmation, dateTime, date, humanDates, holderLabel, programStatusText, formatText, badge, words, kindName, invoiceStatusText, hashQuery, go, pagedList, offeringsOf } from "./view.js";
import { money, hundredths, cecText, dateIn } from "./fee.js";
import { directorySearch } from "./provider.js";
import { comingYear, otherSources, shortfallText, statusFigures } from "./holder.js";
import { addressForStaff } from "./undeliverable.js";
import { documentList } from "./documents.js";

const enc = encodeURIComponent;

/** The address of a holder's record. */
export function holderHref(id) {
  return `#/staff/holders/${enc(id)}`;
}

function statusFilter(id, label, statuses, current, base) {
  const f = form({ id, class: "status-filter" }, [
    field(label, "status", { type: "select", value: current, options: statuses.map((s) => [s[0], s[1]]), cls: "short", required: true }),
  ], "Show");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    go(`${base}?status=${enc(f.elements.status.value)}`);
  });
  return f;
}

/**
 * A review queue page: the status filter, then a card per item of
 * GET /review/{kind}?status=, a page at a time.
 */
async function queue(main, { title, kind, label, statuses, card }) {
  const view = page(main, title);
  // A status from the address that is not one of the list (a stale or
  // mistyped link) shows the default queue rather than an error.
  const asked = hashQuery().get("status");
  const status = statuses.some((x) => x[0] === asked) ? asked : "in_review";
  const base = `#/staff/${kind}`;
  const singular = kind.replace(/s$/, "");
  view.append(statusFilter(`${singular}-filter`, label, statuses, status, base));
  const list = h("div", { id: `${singular}-queue` });
  // How many are shown, longest waiting first (the API's order), and a
  // search over what is shown: a holder's or provider's name, an ID, a title.
  const count = h("p", { id: `${singular}-count`, "aria-live": "polite" });
  const search = h("input", { type: "search", id: `${singular}-search`, autocomplete: "off", "aria-describedby": `${singular}-search-hint` });
  const filter = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const el of list.querySelectorAll(":scope > article")) {
      const hit = words.every((w) => el.textContent.toLowerCase().includes(w));
      el.hidden = !hit;
      if (hit) shown += 1;
    }
    return shown;
  };
  let loaded = 0;
  let more = false;
  const tell = () => {
    const shown = filter();
    fill(count, loaded === 0 ? "" : search.value.trim()
      ? `${shown} of the ${loaded} shown match.`
      : `${loaded} ${loaded === 1 ? "is" : "are"} shown${more ? ", and more below" : ""}: the longest waiting first.`);
  };
  search.addEventListener("input", tell);
  const paged = pagedList(list, async (cursor) => {
    const res = await api("GET", `/review/${kind}?${pageQuery({ status, limit: "50" }, cursor)}`);
    return { items: res[kind], nextCursor: res.nextCursor };
  }, card, (n, m) => { loaded = n; more = m; tell(); });
  view.append(
    h("div", { class: "field" }, h("label", { for: search.id }, "Find in this queue"),
      h("span", { class: "hint", id: `${singular}-search-hint` }, "A name, an ID or a word of a title"), search),
    count, list, paged.more);
  if (!(await paged.first()).length) list.append(h("p", { id: "queue-empty" }, "Nothing in this queue."));
}

/**
 * A queue card's decision form: fields (if any), approve or reject, a
 * reason. send(body) records the decision; on success the card shows and
 * announces said(decided).
 */
function decisionForm(card, { id, fields = [], choices, hint, send, said }) {
  const f = form({ class: "decision-form", id: `decide-${id}` }, [
    fields,
    radios("Decision", "decision", choices, { required: true, id: `decision-${id}` }),
    field("Reason", "reason", { type: "textarea", rows: 2, hint, id: `reason-${id}`, neededWhen: "needed to reject" }),
  ], "Record the decision");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const body = readForm(f);
      const missing = [];
      if (!body.decision) missing.push({ field: "decision", message: "Choose approve or reject" });
      if (body.decision === "reject" && !String(body.reason || "").trim()) missing.push({ field: "reason", message: "Enter the reason for rejecting it: it is sent with the decision" });
      if (missing.length) throw problem(missing);
      const decided = await send(body, f);
      const text = said(decided);
      // The heading stays: it names the card (aria-labelledby).
      fill(card, card.querySelector("h2"), notice(text, "ok", { class: "notice ok decided", dataset: { status: decided.status } }));
      announce(text);
    });
  });
  return f;
}

/** #/staff/programs: the program review queue with a decision form per program. */
export function programs(main) {
  return queue(main, {
    title: "Program applications to review", kind: "programs", label: "Show applications that are",
    statuses: [["in_review", "In review"], ["approved", "Approved"], ["rejected", "Rejected"], ["fee_due", "Fee due"], ["refused", "Refused"], ["submitted", "Submitted"], ["draft", "Draft"]],
    card: programCard,
  });
}

/** A decided program's decision: when, and the reason the office gave. */
function decided(p) {
  if (p.status !== "approved" && p.status !== "rejected") return null;
  const last = [...(p.history || [])].reverse().find((x) => x.to === p.status);
  if (!last) return null;
  return [p.status === "rejected" ? "Rejected" : "Approved", `${dateTime(last.at)}${last.reason ? `: ${last.reason}` : ""}`];
}

function programCard(p) {
  const card = h("article", { class: "card", dataset: { programId: p.programId }, "aria-labelledby": `t-${p.programId}` });
  const body = () => [
    h("h2", { id: `t-${p.programId}` }, p.title),
    h("p", {}, `${p.providerName} · `, badge(programStatusText(p.status), p.status)),
    facts([
      ["Program ID", p.programId],
      ["Format", formatText(p.format)],
      ...((p.moreOfferings || []).length
        // Several offerings: each with its dates and place; the refused
        // ones (started before submission) are not for review.
        ? [["Offerings", h("ul", { class: "offerings" }, offeringsOf(p).map((o) => h("li", { dataset: { offering: String(o.n) } },
          `Offering ${o.n}: ${dateTime(o.startsAt, o.timeZone)} to ${dateTime(o.endsAt, o.timeZone)}, ${o.location || o.url || "no place given"}`)))],
        (p.refusedOfferings || []).length ? ["Not considered", (p.refusedOfferings || []).map((r) => `Offering ${r.offering} had already started when the application was submitted.`).join(" ")] : null]
        : [["When", `${dateTime(p.startsAt, p.timeZone)} to ${dateTime(p.endsAt, p.timeZone)}`],
          p.location ? ["Location", p.location] : null,
          p.url ? ["Web address", p.url] : null]),
      ["Contact hours", (p.moreOfferings || []).length ? `${p.contactHours} per offering` : String(p.contactHours)],
      ["Compliance", p.compliance ? "Yes" : "No"],
      ["Objectives", h("ul", {}, p.objectives.map((o) => h("li", {}, o)))],
      ["Instructors", p.instructors.join(", ")],
      ["Description", p.description],
      ["Fee", p.fee ? `${money(p.fee.amountCents, p.fee.currency)}, ${(invoiceStatusText[p.fee.status] || words(p.fee.status)).toLowerCase()}${p.fee.flag ? ` (look at it: ${(flagText[p.fee.flag] || words(p.fee.flag)).split(":")[0].toLowerCase()})` : ""}` : "—"],
      decided(p),
    ]),
  ];
  fill(card, body());
  if (p.status !== "in_review") return card;
  card.append(decisionForm(card, {
    id: p.programId, choices: [["approve", "Approve"], ["reject", "Reject"]], hint: "Sent to the provider",
    send: (body) => api("POST", `/programs/${enc(p.programId)}/decision`, { body }),
    said: (decided) => `${decided.title}: ${programStatusText(decided.status).toLowerCase()}.`,
  }));
  return card;
}

// The association's date of the service's clock when the queue or the
// holder's record was read: an audit is overdue after its last day by it.
let serviceDay = "";

/** #/staff/submissions: the CEC submission review queue. */
export async function submissions(main) {
  serviceDay = dateIn(await serverNow(), policy.association.timeZone);
  return queue(main, {
    title: "CEC submissions to review", kind: "submissions", label: "Show submissions that are",
    statuses: [["in_review", "In review"], ["received", "Received"], ["approved", "Approved"], ["rejected", "Rejected"]],
    card: submissionCard,
  });
}

function submissionCard(s) {
  const card = h("article", { class: "card", dataset: { submissionId: s.submissionId }, "aria-labelledby": `t-${s.submissionId}` });
  card.append(
    h("h2", { id: `t-${s.submissionId}` }, `Submission ${s.submissionId}`),
    h("p", {}, s.holderName ? `${s.holderName} (holder ` : "Holder ", h("a", { href: holderHref(s.holderId), class: "holder-link" }, s.holderId), s.holderName ? ")" : "",
      `, renewal ${s.year}, submitted ${dateTime(s.submittedAt)} · `, badge(words(s.status), s.status),
      s.audit ? h("strong", {}, " · Documentation audit") : ""),
    auditLine(s) || "");
  if (s.status !== "in_review") {
    card.append(table("Activities", ["Activity", "Hours", { text: "Decision", outcome: true }], s.activities.map((a) => h("tr", {},
      h("td", {}, a.title, documentList(a.documents, (d) => documentPath(s.holderId, d), { removed: s.status === "rejected" })), h("td", {}, String(a.hours)), h("td", {}, words(a.decision))))));
    return card;
  }
  const n = (a) => a.index + 1;
  card.append(decisionForm(card, {
    id: s.submissionId,
    fields: s.activities.map((a) => group(`Activity ${n(a)}: ${a.title}`, `activities[${a.index}]`,
      facts([
        ["Kind", kindName(a.kind)],
        ["Organisation", a.organisation],
        ["Date", date(a.date)],
        ["Hours", String(a.hours)],
        ["Compliance", a.compliance ? "Yes" : "No"],
        ["Documentation", documentationText(a)],
        ["Files", documentList(a.documents, (d) => documentPath(s.holderId, d)) || "None attached"],
        ["Verdict", `${words(a.verdict.status)}${a.verdict.message ? `: ${a.verdict.message}` : ""}`],
      ]),
      field(`Reject activity ${n(a)}`, `reject-${a.index}`, { type: "checkbox", kind: "manual" }),
      field(`Why activity ${n(a)} is rejected`, `activities[${a.index}].reason`, { type: "textarea", rows: 2, kind: "manual", hint: "Sent to the holder", neededWhen: "needed to reject it" }))),
    choices: [["approve", "Approve (except the activities marked to reject)"], ["reject", "Reject the whole submission"]],
    hint: "Sent to the holder",
    send: async (body, f) => {
      const rejected = s.activities.filter((a) => f.elements[`reject-${a.index}`].checked)
        .map((a) => ({ index: a.index, decision: "reject", reason: f.elements[`activities[${a.index}].reason`].value.trim() }));
      if (rejected.length && body.decision === "approve") {
        // A rejection goes to the holder with its reason: asked for on its activity, by number.
        const missing = rejected.filter((r) => !r.reason).map((r) => ({ field: `activities[${r.index}].reason`, message: `Enter why activity ${r.index + 1} is rejected` }));
        if (missing.length) throw problem(missing);
        body.activities = rejected;
      }
      try {
        return await api("POST", `/submissions/${enc(s.submissionId)}/decision`, { body });
      } catch (err) {
        // The API names the rejections' places in body.activities; the form's
        // fields are named by the activity's index.
        err.details = err.details.map((d) => {
          const m = d.field && d.field.match(/^activities[.[](\d+)\]?(.*)$/);
          const a = m && body.activities?.[Number(m[1])];
          if (!a) return d;
          const message = m[2] === ".reason" ? `Enter why activity ${a.index + 1} is rejected` : d.message;
          return { ...d, message, field: `activities[${a.index}]${m[2] === ".index" ? "" : m[2]}` };
        });
        throw err;
      }
    },
    said: (decided) => `Submission ${decided.submissionId}: ${words(decided.status).toLowerCase()}.${decided.result ? ` The year is ${decided.result.met ? "met" : `short by ${decided.result.outstanding} CECs`}.` : ""}`,
  }));
  decisionPreview(card, s);
  return card;
}

/**
 * What the decision being prepared would leave the holder's renewal year
 * at, before it is recorded ("rejecting activity 3 leaves the 2028 year
 * 1 CEC short"): the holder's status without this submission (its
 * activities count only once approved), plus what each activity kept
 * would count. An estimate, said so: the decision's own answer is the
 * authority.
 */
function decisionPreview(card, s) {
  const out = h("p", { class: "preview", id: `preview-${s.submissionId}`, "aria-live": "polite" });
  const f = card.querySelector("form");
  f.querySelector(".actions, button[type=submit]")?.before(out);
  let st = null;
  const draw = () => {
    if (!st || st.standing === "no_credentials") return;
    const decision = f.querySelector("input[name=decision]:checked")?.value;
    if (!decision) {
      fill(out, "Choose a decision to see what it would leave the year at.");
      return;
    }
    const kept = decision === "reject" ? [] : s.activities.filter((a) => !f.elements[`reject-${a.index}`]?.checked);
    const counted = (hundredths(st.counted) || 0) + kept.reduce((n, a) => n + (hundredths(a.verdict.counts) || 0), 0);
    const required = hundredths(st.required) || 0;
    const short = required - counted;
    const dropped = s.activities.length - kept.length;
    const what = decision === "reject" ? "Rejecting the whole submission" : dropped ? `Approving it and rejecting ${dropped === 1 ? "1 activity" : `${dropped} activities`}` : "Approving it";
    fill(out, `${what} would leave the ${s.year} year `,
      h("strong", {}, short > 0 ? `${cecText(short)} ${short === 100 ? "CEC" : "CECs"} short` : "met"),
      ` (about ${cecText(Math.min(counted, Math.max(required, counted)))} of ${cecText(required)} CECs; an estimate before the caps and the compliance rule).`);
  };
  f.addEventListener("change", draw);
  api("GET", `/holders/${encodeURIComponent(s.holderId)}/status?${new URLSearchParams({ year: String(s.year) })}`)
    .then((x) => { st = x; draw(); })
    .catch(() => fill(out, ""));
}

/** A credential's name in the policy, with its code: "CAM (Certified Apartment Manager)". */
function credentialName(code) {
  const c = policy.credentials.find((x) => x.code === code);
  return c ? `${c.code} (${c.name})` : code;
}

/** What a holder holds, in words: "Member; CAM earned Mon, Jun 1, 2020, NALP earned …". */
function heldText(held) {
  const creds = (held.credentials || []).map((c) => `${c.code} earned ${date(c.earnedOn)}`).join(", ");
  return `${words(held.membership)}; ${creds || "no credentials"}`;
}

/** One change of the history in words: who, and what. */
function change(e) {
  switch (e.action) {
    case "credentials.set":
      return {
        who: `Staff (signed in as ${e.by})`,
        what: e.before && e.after ? `Credentials: ${heldText(e.before)} → ${heldText(e.after)}` : `Credentials recorded: ${e.detail}`,
      };
    case "credit.withdrawn":
    case "credit.added":
      // A correction of a posted upload: the provider's, or staff's.
      return { who: `A correction of the attendance (signed in as ${e.by})`,
        what: `${e.action === "credit.added" ? "Credit added" : "Credit withdrawn"}: ${humanDates(e.detail)}` };
    case "contact.update":
      return { who: "The holder", what: e.detail ? e.detail.charAt(0).toUpperCase() + e.detail.slice(1) : "Contact information updated" };
    default:
      return { who: e.by, what: e.detail || "The account was changed" };
  }
}

/** The history of a holder's account, newest first (the API gives it oldest first). */
function historyTable(history, attrs = {}) {
  if (!history.length) return h("p", attrs, "No changes recorded.");
  return table("Changes to the account, newest first", ["When", "Who", { text: "Change", outcome: true }],
    [...history].reverse().map((e) => {
      const c = change(e);
      return h("tr", { dataset: { action: e.action } }, h("td", {}, dateTime(e.at)), h("td", {}, c.who), h("td", {}, c.what));
    }), attrs);
}

/**
 * The before and after of a credentials change, a row per credential either
 * held (in the policy's order), and the membership.
 */
function beforeAfter(before, after) {
  const earned = (x, code) => {
    const c = x.credentials.find((y) => y.code === code);
    return c ? `Earned ${date(c.earnedOn)}` : "Not held";
  };
  const codes = policy.credentials.map((c) => c.code)
    .filter((code) => [before, after].some((x) => x.credentials.some((y) => y.code === code)));
  const rows = [
    ["Membership", words(before.membership), words(after.membership)],
    ...codes.map((code) => [credentialName(code), earned(before, code), earned(after, code)]),
  ];
  // No outcome column: on a phone each row keeps its order, what is held first.
  return table("Before and after", ["Held", "Before", "After"],
    rows.map(([what, b, a]) => h("tr", { class: b === a ? "" : "changed" }, h("td", {}, what), h("td", {}, b), h("td", {}, a))),
    { id: "credentials-before-after" });
}

/**
 * The credentials form: choose a holder (by ID, or from the directory), see
 * what they hold now, change it. Nothing can be ticked or saved before the
 * chosen holder's own membership and credentials are loaded into the form,
 * and choosing another holder loads theirs, so one holder's ticks never
 * stay for the next. Saving shows before and after in a confirmation at
 * the top of view. Returns the section and choose(holderId).
 */
function credentialsSection(view) {
  let loaded = null; // the record the form shows: {holder, history}
  let loading = 0; // the latest load; an older one that answers late is ignored
  const choice = form({ id: "holder-choice" }, [
    field("Holder ID", "holderId", { required: true, hint: "Such as H-7K3M9Q2XAB; or search the directory below", autocomplete: "off", cls: "short" }),
  ], "Show their credentials");
  const current = h("div", { id: "credentials-current", "aria-live": "polite" });
  const f = form({ id: "credentials-form", hidden: true }, [
    radios("Membership", "membership", [["member", "Member"], ["guest", "Guest"]], { required: true }),
    group("Credentials held", "credentials",
      h("p", { class: "hint" }, "Tick each credential the holder holds, with the date it was earned. Saving replaces the whole set with what is ticked here."),
      policy.credentials.map((c, i) => h("div", { class: "grid two" },
        field(`${c.code}: ${c.name}`, `cred-${c.code}`, { type: "checkbox", kind: "manual", id: `cred-${c.code}` }),
        field(`${c.code} earned on`, `credentials[${i}].earnedOn`, { type: "date", kind: "manual", id: `cred-${c.code}-earned`, neededWhen: "needed when ticked" })))),
  ], "Save the credentials");

  // Hides the form while no holder, or another than the ID field names, is loaded.
  const forget = () => {
    loaded = null;
    f.hidden = true;
    clearErrors(f);
    current.replaceChildren();
  };
  const show = (rec) => {
    loaded = rec;
    const x = rec.holder;
    for (const el of f.querySelectorAll("input[name=membership]")) el.checked = el.value === x.membership;
    policy.credentials.forEach((c, i) => {
      const held = x.credentials.find((y) => y.code === c.code);
      f.elements[`cred-${c.code}`].checked = Boolean(held);
      f.elements[`credentials[${i}].earnedOn`].value = held ? held.earnedOn : "";
    });
    clearErrors(f);
    const last = [...rec.history].reverse().find((e) => e.action === "credentials.set");
    fill(current, h("div", { class: "card", dataset: { holderId: x.holderId } },
      h("h2", { id: "credentials-holder", tabindex: "-1" }, `${x.firstName} ${x.lastName} (${x.holderId})`),
      facts([
        ["Holds now", h("span", { id: "credentials-now" }, heldText(x))],
        ["Last recorded", last ? `${dateTime(last.at)}, ${change(last).who.toLowerCase()}` : "Never"],
      ]),
      h("p", {}, h("a", { href: holderHref(x.holderId), id: "open-holder-record" }, `Open ${x.firstName} ${x.lastName}'s record and history`))));
    f.hidden = false;
  };
  const choose = async (id, focus = true) => {
    const holderId = String(id || "").trim();
    choice.elements.holderId.value = holderId;
    forget();
    view.querySelector("#credentials-saved")?.remove(); // it was about the holder chosen before
    if (!holderId) throw problem([{ field: "holderId", message: "Enter the holder ID" }]);
    const mine = ++loading;
    fill(current, notice(`Reading ${holderId}'s credentials…`));
    try {
      const rec = await api("GET", `/holders/${enc(holderId)}`);
      if (mine !== loading) return;
      show(rec);
      announce(`${rec.holder.firstName} ${rec.holder.lastName}: ${heldText(rec.holder)}`);
      if (focus) current.querySelector("h2").focus();
    } catch (err) {
      if (mine !== loading) return;
      current.replaceChildren();
      if (err.code === "holder_not_found") {
        err.details = [{ field: "holderId", message: `No holder has the ID ${holderId}: check it, or search the directory below` }];
        err.message = "There is a problem";
      }
      throw err;
    }
  };
  choice.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(choice, () => choose(choice.elements.holderId.value));
  });
  // Typing another ID takes the form away until that holder's values are in it.
  choice.elements.holderId.addEventListener("input", () => {
    if (loaded && choice.elements.holderId.value.trim() !== loaded.holder.holderId) forget();
  });
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      if (!loaded) throw problem([{ field: "holderId", message: "Choose the holder first" }]);
      const before = loaded.holder;
      // Ticked credentials in policy order; error indexes map back to them.
      const ticked = policy.credentials.map((c, i) => ({ c, i })).filter(({ c }) => f.elements[`cred-${c.code}`].checked);
      const credentials = ticked.map(({ c, i }) => ({ code: c.code, earnedOn: f.elements[`credentials[${i}].earnedOn`].value }));
      const membership = readForm(f).membership;
      // Every problem at once, before anything is sent.
      const missing = [
        ...(membership ? [] : [{ field: "membership", message: "Choose member or guest" }]),
        ...ticked.filter((_, k) => !credentials[k].earnedOn)
          .map(({ c, i }) => ({ field: `credentials[${i}].earnedOn`, message: `Enter the date ${c.code} was earned` })),
        // A date typed for a credential not ticked would be dropped without a word.
        ...policy.credentials.map((c, i) => ({ c, i }))
          .filter(({ c, i }) => !f.elements[`cred-${c.code}`].checked && f.elements[`credentials[${i}].earnedOn`].value)
          .map(({ c }) => ({ field: `cred-${c.code}`, message: `Tick ${c.code} to record it, or clear its date` })),
      ];
      if (missing.length) throw problem(missing);
      let updated;
      try {
        updated = await api("PUT", `/holders/${enc(before.holderId)}/credentials`, { body: { membership, credentials } });
      } catch (err) {
        // The API counts the ticked credentials (credentials.1.earnedOn or
        // credentials[1].earnedOn); the form has a row per credential of the policy.
        err.details = err.details.map((d) => {
          const m = d.field && d.field.replace(/\.(\d+)(?=\.|$)/g, "[$1]").match(/^credentials\[(\d+)\](.*)$/);
          const t = m && ticked[Number(m[1])];
          if (!t) return d;
          const message = (d.message || "").replace("the credential", t.c.code);
          return { ...d, message, field: `credentials[${t.i}]${m[2] === ".code" ? "" : m[2]}` };
        });
        throw err;
      }
      const same = heldText(before) === heldText(updated);
      // What the holder holds now, with the change in the history.
      try {
        show(await api("GET", `/holders/${enc(updated.holderId)}`));
      } catch {
        show({ holder: updated, history: loaded.history });
      }
      const panel = confirmation(view, { id: "credentials-saved", title: `Saved for ${updated.firstName} ${updated.lastName} (${updated.holderId})`,
        next: policy.periodAnchor === "credential"
          ? "The change is in the holder's history. If the holder's renewal is due within the next " + policy.issueDaysBeforeDue + " days and they had no invoice, theirs is issued now."
          : "The change is in the holder's history. When this year's renewal invoices are out and the holder had none, theirs is issued now." });
      panel.dataset.holderId = updated.holderId;
      panel.insertBefore(h("p", {}, same ? "Nothing changed: the holder already held exactly this." : `Now: ${heldText(updated)}.`), panel.querySelector("h3"));
      panel.insertBefore(beforeAfter(before, updated), panel.querySelector("h3"));
      announce(`Credentials saved for ${updated.firstName} ${updated.lastName}`);
    });
  });
  const section = h("section", { "aria-labelledby": "record-credentials" },
    h("h2", { id: "record-credentials" }, "Record a holder's credentials"), choice, current, f);
  return { section, choose: (id, focus) => submitting(choice, () => choose(id, focus)) };
}

/** #/staff/holders: find a holder, open their record, record their credentials. */
export async function holders(main) {
  const view = page(main, "Holders");
  const { section, choose } = credentialsSection(view);
  view.append(h("p", {}, "Find a holder to open their record (profile, credentials and their history, CEC status, submissions, renewal invoices), or record the credentials they hold."),
    h("p", {}, "Bringing the association's holders in from a spreadsheet? ", h("a", { href: "#/staff/import", id: "to-import" }, "Import holders"), "."),
    section,
    h("h2", {}, "Find a holder"),
    // ?q= searches at once (the list of addresses we cannot email links here).
    directorySearch((x) => choose(x.holderId), { href: (x) => holderHref(x.holderId), q: hashQuery().get("q") }));
  const pre = hashQuery().get("holder");
  if (pre) await choose(pre, false);
}

const standingText = {
  met: () => "Met",
  outstanding: (st) => `Outstanding: ${st.outstanding} CECs`,
  no_credentials: () => "No credential that needs CECs",
};


const flagText = {
  payment_mismatch: "Payment mismatch: a payment whose amount or currency was not the invoice's was recorded and not taken as payment. Check it with the payment provider.",
  refunded: "Refunded: the payment provider reported a refund of this invoice.",
  quoted_amount: "Paid an earlier amount: the holder paid what an earlier checkout asked, before the total changed (the reinstatement fee added, or taken off when the lapse was reversed). It is taken as payment; settle the difference with the holder.",
};

/** An invoice's payment events in words (any invoice: they keep the same record). */
export function paymentsTable(payments, totalCents, currency) {
  if (!payments?.length) return h("p", {}, "No payments reported.");
  return table("Payments reported", ["When", "Amount", "Reference", { text: "Outcome", outcome: true }], payments.map((p) => h("tr", { dataset: { kind: p.kind } },
    h("td", {}, dateTime(p.at)), h("td", {}, money(p.amountCents, p.currency?.toUpperCase())), h("td", {}, p.reference || "—"),
    h("td", {}, p.kind === "mismatch"
      ? `Not taken as payment: ${money(p.amountCents, p.currency?.toUpperCase())} paid, and the invoice is ${money(totalCents, currency)}`
      : [paymentText[p.kind] || words(p.kind), p.reason ? `: ${p.reason}` : ""]))));
}

const paymentText = {
  succeeded: "Paid",
  failed: "Payment failed",
  refunded: "Refunded",
};

/** #/staff/holders/{id}: one holder's whole record. */
export async function holder(main, { id }) {
  let rec;
  try {
    [rec, serviceDay] = await Promise.all([api("GET", `/holders/${enc(id)}`),
      serverNow().then((now) => dateIn(now, policy.association.timeZone))]);
  } catch (err) {
    if (err.code !== "holder_not_found") throw err;
    const view = page(main, "Holder not found");
    view.append(notice(`No holder has the ID ${id}.`, "warn", { id: "holder-not-found" }), h("p", {}, h("a", { href: "#/staff/holders" }, "Find a holder")));
    return;
  }
  const x = rec.holder;
  const view = page(main, `${x.firstName} ${x.lastName}`);
  const c = x.contact || {};
  const a = c.address;
  const section = (sid, title, ...children) => h("section", { id: sid, "aria-labelledby": `${sid}-heading` }, h("h2", { id: `${sid}-heading` }, title), children);
  const statusOut = h("div", { "aria-live": "polite" });
  const submissionsOut = h("div", { id: "holder-submission-list" });
  const renewalsOut = h("div", { id: "holder-renewal-list" });
  const badgesOut = h("div", { id: "holder-badge-list" });
  view.append(
    section("holder-profile", "Profile", facts([
      ["Holder ID", h("span", { id: "record-holder-id" }, x.holderId)],
      ["Name", `${x.firstName} ${x.lastName}`],
      ["Email", addressForStaff(x.email, x.emailUndeliverable)],
      ...(x.memberNumber ? [["Member number", h("span", { id: "record-member-number" }, x.memberNumber)]] : []),
      ["Account", h("span", { id: "record-claimed" }, x.claimed ? "The holder's own: they sign in to it"
        : "Imported, not claimed yet: it becomes the holder's when they create their holder account signed in with this email")],
      ["Phone", c.phone || "None given"],
      ["Address", a ? [a.line1, a.line2, [a.city, a.region, a.postalCode].filter(Boolean).join(" "), a.country].filter(Boolean).join(", ") : "None given"],
      ["Membership", h("span", { id: "record-membership" }, words(x.membership))],
      ["In the directory", x.listedInDirectory ? "Listed" : "Not listed (the holder opted out)"],
      ["Contact confirmed", x.contactConfirmedAt ? dateTime(x.contactConfirmedAt) : "Not yet"],
      ["Account opened", dateTime(x.createdAt)],
    ])),
    section("holder-credentials", "Credentials",
      x.credentials.length
        ? table("Credentials held", ["Credential", "Earned on"], x.credentials.map((cr) => h("tr", { dataset: { code: cr.code, earnedOn: cr.earnedOn } },
          h("td", {}, credentialName(cr.code)), h("td", {}, date(cr.earnedOn)))), { id: "record-credentials" })
        : h("p", { id: "record-credentials" }, "No credentials recorded."),
      h("p", {}, h("a", { class: "button secondary", href: `#/staff/holders?holder=${enc(x.holderId)}`, id: "change-credentials" }, "Change the credentials")),
      h("h3", {}, "History of changes"),
      historyTable(rec.history, { id: "record-history" })),
    section("holder-status", "CEC status by renewal year", statusOut),
    section("holder-submissions", "CEC submissions", submissionsOut),
    section("holder-renewals", "Renewal invoices", renewalsOut),
    section("holder-badges", "Digital badges", badgesOut));
  await Promise.all([
    drawHolderBadges(badgesOut, x.holderId),
    drawHolderStatus(statusOut, x),
    listed(submissionsOut, `/holders/${enc(x.holderId)}/submissions`, "submissions", holderSubmission, "No submissions."),
    listed(renewalsOut, `/holders/${enc(x.holderId)}/renewals`, "invoices", (inv) => holderInvoice(inv, x.holderId), "No renewal invoices."),
  ]);
}

/**
 * The digital badges the holder downloaded (docs/badges.md), each with its
 * standing, and a form to withdraw one that stands.
 */
async function drawHolderBadges(out, holderId) {
  const res = await api("GET", `/holders/${enc(holderId)}/badges`);
  fill(out,
    h("p", { class: "hint" }, "A badge is issued when the holder first downloads it. One withdrawn checks as withdrawn, with the reason, "
      + "for anyone who checks it; a provider's correction that removes the credit withdraws the program's badge by itself."),
    res.badges.length ? h("div", {}, res.badges.map((b) => badgeCard(b, holderId))) : h("p", { id: "no-badges" }, "No badges issued."));
}

function badgeCard(b, holderId) {
  const card = h("div", { class: "card badge-card", dataset: { kind: b.kind, key: b.key, revoked: String(b.revoked) } });
  const what = b.kind === "renewal" ? `Renewal ${b.key}` : `Program ${b.key}`;
  const standing = () => b.revoked
    ? `Withdrawn ${dateTime(b.revokedAt)}${b.byStaff ? " by the association's office" : " when the provider removed the credit"}: ${b.reason}`
    : "Valid";
  const draw = () => fill(card, h("h3", {}, what), facts([
    ["Issued", dateTime(b.issuedAt)],
    ["Standing", h("span", { class: "badge-standing" }, standing())],
    ["Badge ID", h("span", { class: "badge-id" }, b.credentialId)],
  ]), b.revoked ? null : withdrawForm());
  const withdrawForm = () => {
    const f = form({ class: "withdraw-badge" }, [
      field("Why is it withdrawn?", "reason", { type: "textarea", rows: 2, required: true,
        hint: "Anyone who checks the badge reads this, the holder included." }),
    ], "Withdraw the badge");
    f.querySelector("button[type=submit]").classList.add("danger");
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      await submitting(f, async () => {
        const body = readForm(f);
        await precheck(f, "POST /holders/{holderId}/badges/{kind}/{key}/revoke");
        b = await api("POST", `/holders/${enc(holderId)}/badges/${enc(b.kind)}/${enc(b.key)}/revoke`, { body });
        card.dataset.revoked = "true";
        draw();
        card.append(notice("The badge is withdrawn. Anyone who checks it now sees that, with your reason, and the holder cannot download it again.", "ok", { id: `badge-withdrawn-${b.kind}-${b.key}` }));
      });
    });
    return f;
  };
  draw();
  return card;
}

/** When a renewal year's CECs are earned: its calendar year, or its dates. */
function earnedIn(w) {
  const [from, to] = [w.from, w.to];
  return from.slice(5) === "01-01" && to.slice(5) === "12-31" && from.slice(0, 4) === to.slice(0, 4) ? from.slice(0, 4) : `${date(from)} to ${date(to)}`;
}

/** A list of the API, a page at a time, into out; empty says so. */
async function listed(out, path, key, render, none) {
  const list = h("div", {});
  const paged = pagedList(list, async (cursor) => {
    const res = await api("GET", `${path}?${pageQuery({ limit: "20" }, cursor)}`);
    return { items: res[key], nextCursor: res.nextCursor };
  }, render);
  out.append(list, paged.more);
  if (!(await paged.first()).length) list.append(h("p", {}, none));
}

/**
 * The holder's CEC status: a line per renewal year (the coming renewal and
 * the two before it, and the year asked for), then the chosen year's
 * activities with their verdicts.
 */
async function drawHolderStatus(out, x) {
  const coming = await comingYear(x.holderId);
  const y = Number(hashQuery().get("year"));
  const asked = Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : coming;
  // The coming renewal and the two before it (periods of several years apart).
  const n = policy.periodYears || 1;
  const years = [...new Set([coming, coming - n, coming - 2 * n, asked])].sort((p, q) => q - p);
  const all = await Promise.all(years.map((y) => api("GET", `/holders/${enc(x.holderId)}/status?year=${y}`)));
  const st = all[years.indexOf(asked)];
  // A year that is not one of the holder's renewals shows the next one: once.
  const statuses = all.filter((s, i) => all.findIndex((o) => o.renewalYear === s.renewalYear) === i);
  // The row of the year asked for: its own, or the renewal it folds into.
  const yearLink = (y) => (y === st.renewalYear ? h("strong", { "aria-current": "true" }, String(y))
    : h("a", { href: `${holderHref(x.holderId)}?year=${y}` }, String(y)));
  fill(out,
    table("Each renewal year", ["Renewal year", "Earned in", "Required", "Counted", "Compliance", { text: "Standing", outcome: true }],
      statuses.map((s) => h("tr", { dataset: { year: s.renewalYear, standing: s.standing } },
        h("td", {}, yearLink(s.renewalYear)), h("td", {}, earnedIn(s.window)),
        h("td", {}, String(s.required)), h("td", {}, String(s.counted)),
        h("td", {}, s.standing === "no_credentials" ? "—" : Number(s.compliance.minimum) > 0 ? `${s.compliance.counted} of at least ${s.compliance.minimum}` : "None required"),
        h("td", {}, standingText[s.standing] ? standingText[s.standing](s) : words(s.standing), s.lapsed ? "; the renewal has lapsed" : ""))), { id: "record-years" }),
    h("h3", { id: "record-year-heading" }, `Renewal ${st.renewalYear} in detail`),
    h("p", {}, `CECs earned from ${date(st.window.from)} to ${date(st.window.to)} count; due on ${date(st.dueOn)}${st.prorated ? " (prorated: a credential was earned during the period)" : ""}. Credentials: ${st.credentials.join(", ") || "none recorded"}.`),
    st.standing === "no_credentials" ? null : facts([
      ["Required", String(st.required)],
      ["Counted", h("span", { id: "record-counted" }, String(st.counted))],
      ["Outstanding", String(st.outstanding)],
      ...(otherSources ? [["Association sources", String(st.bySource.association)],
        ["Other sources", `${st.bySource.other} (counted ${st.bySource.otherCounted}, at most ${st.bySource.otherLimit})`]] : []),
      ...(Number(st.compliance.minimum) > 0 ? [["Compliance", `${st.compliance.counted} of at least ${st.compliance.minimum}`]] : []),
    ]),
    st.shortfalls.length ? h("ul", { id: "record-shortfalls" }, st.shortfalls.map((s) => h("li", {}, shortfallText(s.rule, statusFigures(st, s.rule), s.message)))) : null,
    st.activities.length
      ? table(`Activities earned for renewal ${st.renewalYear}`, ["Date", "Activity", "Source", "Hours", "Counts", { text: "Verdict", outcome: true }],
        st.activities.map((ac) => h("tr", { dataset: { id: ac.id, status: ac.status } },
          h("td", {}, date(ac.date)), h("td", {}, ac.title, h("br"), h("span", { class: "hint" }, `${ac.organisation}; ${kindName(ac.kind)}${ac.compliance ? "; compliance" : ""}`)),
          h("td", {}, ac.source === "program" ? "Credited by the provider" : "Reported by the holder"),
          h("td", {}, String(ac.hours)), h("td", {}, String(ac.counts)),
          h("td", {}, ac.status === "counted" ? "Counted" : `${words(ac.status)}: ${ac.message || words(ac.reason)}`))), { id: "record-activities" })
      : h("p", { id: "record-activities" }, "No activities earned in this window."));
}

/**
 * Where a submission's documentation audit stands, for staff: sent (and
 * when), asked for by its date, or overdue since it (the office is emailed
 * the day after).
 */
function auditLine(s) {
  const a = s.auditRequest;
  if (!a) return null;
  if (a.state === "provided") return h("p", { class: "audit" }, `Documentation audit: the holder sent the documentation${a.providedAt ? ` on ${dateTime(a.providedAt)}` : ""}.`);
  const n = s.activities.length;
  const sent = s.activities.filter((ac) => (ac.documents || []).length).length;
  const so = sent === 0 ? "none has come" : `files have come for ${sent} of the ${n} activities`;
  return serviceDay && a.due < serviceDay
    ? h("p", { class: "audit overdue" }, h("strong", {}, `Documentation audit overdue: the files were asked for by ${date(a.due)}, and ${so}.`),
      " Decide with what there is, or write to the holder (their email is on ", h("a", { href: holderHref(s.holderId) }, "their record"), ").")
    : h("p", { class: "audit" }, `Documentation audit: the files are asked for by ${date(a.due)}; ${so}.`);
}

/** "Certificate of completion: cert-42", or the type alone when there is no number. */
function documentationText(a) {
  const ref = a.documentation.reference;
  return ref ? `${words(a.documentation.type)}: ${ref}` : words(a.documentation.type);
}

/** Staff's route to a holder's document. */
function documentPath(holderId, d) {
  return `/holders/${encodeURIComponent(holderId)}/documents/${encodeURIComponent(d.documentId)}`;
}

/** One of the holder's submissions. */
function holderSubmission(s) {
  return h("article", { class: "card", dataset: { submissionId: s.submissionId, status: s.status }, "aria-labelledby": `sub-${s.submissionId}` },
    h("h3", { id: `sub-${s.submissionId}` }, `Submission ${s.submissionId} for renewal ${s.year}`),
    h("p", {}, `Submitted ${dateTime(s.submittedAt)} · `, badge(words(s.status), s.status), s.audit ? " · picked for a documentation audit" : "",
      s.status === "in_review" ? [" · ", h("a", { href: "#/staff/submissions?status=in_review" }, "Decide it in the review queue")] : null),
    s.status === "in_review" || s.status === "received" ? auditLine(s) : null,
    s.reason ? h("p", {}, `Reason: ${s.reason}`) : null,
    table("Activities", ["Activity", "Date", "Hours", "Verdict", { text: "Decision", outcome: true }], s.activities.map((ac) => h("tr", {},
      h("td", {}, ac.title, h("br"), h("span", { class: "hint" }, `${ac.organisation}; ${kindName(ac.kind)}; ${documentationText(ac)}`),
        documentList(ac.documents, (d) => documentPath(s.holderId, d), { removed: s.status === "rejected" })),
      h("td", {}, date(ac.date)), h("td", {}, String(ac.hours)),
      h("td", {}, `${words(ac.verdict.status)}${ac.verdict.message ? `: ${ac.verdict.message}` : ""}`),
      h("td", {}, words(ac.decision), ac.decisionReason ? `: ${ac.decisionReason}` : "")))),
    s.result ? h("p", {}, s.result.met ? `After the decision the year is met (${s.result.counted} of ${s.result.required} CECs).`
      : `After the decision ${s.result.outstanding} CECs are still outstanding.`) : null);
}

/**
 * Staff's reversal of a renewal's lapse (or its undoing), with the reason
 * kept in the invoice's history; the card is drawn again with the answer.
 */
function lapseForm(inv, holderId, card) {
  if (inv.status === "paid" || !(inv.lapsed || inv.lapseWaived)) return null;
  const waive = !inv.lapseWaived;
  const f = form({ class: "lapse-form", id: `lapse-${inv.invoiceId}` }, [
    field(waive ? "Why the lapse is reversed" : "Why the reversal is undone", "reason", { type: "textarea", rows: 2, required: true,
      id: `lapse-reason-${inv.invoiceId}`, hint: "Kept in the invoice's history" }),
  ], waive ? "Reverse the lapse" : "Undo the reversal");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const reason = f.elements.reason.value.trim();
      if (!reason) throw problem([{ field: "reason", message: waive ? "Enter why the lapse is reversed" : "Enter why the reversal is undone" }]);
      const updated = await api("PUT", `/holders/${enc(holderId)}/renewals/${inv.year}/lapse`, { body: { waived: waive, reason } });
      const next = holderInvoice(updated, holderId);
      const said = waive
        ? `The ${inv.year} lapse is reversed: the holder owes ${money(updated.totalCents, updated.currency)}, with no reinstatement fee. The holder is not emailed; their pages say so at once.`
        : `The ${inv.year} lapse stands again: paying now adds the reinstatement fee. The holder is not emailed; their pages say so at once.`;
      next.insertBefore(notice(said, "ok", { class: "notice ok lapse-changed", tabindex: "-1" }), next.children[1]);
      card.replaceWith(next);
      next.querySelector(".lapse-changed").focus();
      announce(said);
    });
  });
  return f;
}

/** One of the holder's renewal invoices, with its payments and flag. */
function holderInvoice(inv, holderId) {
  const card = h("article", { class: "card", dataset: { invoiceId: inv.invoiceId, status: inv.status, flag: inv.flag || "", lapsed: String(Boolean(inv.lapsed)) }, "aria-labelledby": `inv-${inv.invoiceId}` });
  fill(card,
    h("h3", { id: `inv-${inv.invoiceId}`, tabindex: "-1" }, `Renewal ${inv.year}`),
    inv.flag ? notice(flagText[inv.flag] || `Look at this invoice: ${words(inv.flag)}.`, "warn", { class: "notice warn invoice-flag", role: "status" }) : null,
    facts([
      ["Invoice", inv.invoiceId],
      ["Status", h("span", { class: "invoice-status" }, inv.status === "paid" && inv.paidAt ? `Paid ${dateTime(inv.paidAt)}`
        : `${invoiceStatusText[inv.status] || words(inv.status)}${inv.lapsed ? `; lapsed since the grace period ended on ${date(inv.graceUntil)}`
          : inv.lapseWaived ? "; its lapse was reversed by the office" : ""}`)],
      ["Credentials", inv.credentials.join(", ") || "None"],
      ["Lines", inv.lines.map((l) => `${l.credential === "reinstatement" ? "Reinstatement fee" : l.credential} ${money(l.cents, inv.currency)}`).join("; ")],
      ["Total", h("span", { class: "invoice-total" }, money(inv.totalCents, inv.currency))],
      ["Due", date(inv.dueOn)],
      ["Grace period until", date(inv.graceUntil)],
      ["CECs required", String(inv.cecsRequired)],
      ["Issued", dateTime(inv.issuedAt)],
    ]),
    paymentsTable(inv.payments, inv.totalCents, inv.currency),
    inv.lapseChanges?.length
      ? table("Lapse reversed or restored", ["When", "By", { text: "Change", outcome: true }, "Reason"], inv.lapseChanges.map((c) => h("tr", {},
        h("td", {}, dateTime(c.at)), h("td", {}, `Staff (signed in as ${c.by})`), h("td", {}, c.waived ? "Lapse reversed" : "Reversal undone"), h("td", {}, c.reason))),
      { class: "lapse-changes" })
      : null);
  const f = lapseForm(inv, holderId, card);
  if (f) card.append(f);
  return card;
}

/**
 * #/staff/corrections: every correction of a posted upload, newest first
 * (GET /review/corrections): who was removed or added, on which upload,
 * by whom and why.
 */
export async function corrections(main) {
  const view = page(main, "Corrections of attendance");
  // An upload named by a provider who writes in (the page gives them both
  // references), to correct after their window.
  const open = form({ id: "open-upload", class: "grid two" }, [
    field("Program ID", "programId", { required: true, cls: "short", hint: "Such as PRG-7K3M9Q2XAB" }),
    field("Upload reference", "uploadId", { required: true, cls: "short", hint: "Such as UPL-7K3M9Q2XAB" }),
  ], "Open the upload");
  open.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(open, async () => {
      const programId = open.elements.programId.value.trim().toUpperCase();
      const uploadId = open.elements.uploadId.value.trim().toUpperCase();
      const missing = [...(programId ? [] : [{ field: "programId", message: "Enter the program ID" }]),
        ...(uploadId ? [] : [{ field: "uploadId", message: "Enter the upload reference" }])];
      if (missing.length) throw problem(missing);
      try {
        await api("GET", `/programs/${enc(programId)}/attendance/${enc(uploadId)}?limit=1`);
      } catch (err) {
        if (err.status !== 404) throw err;
        throw problem([err.code === "program_not_found"
          ? { field: "programId", message: `No program has the ID ${programId}` }
          : { field: "uploadId", message: `Program ${programId} has no upload ${uploadId}` }]);
      }
      go(`#/staff/uploads/${enc(programId)}/${enc(uploadId)}`);
    });
  });
  view.append(h("p", {}, "Attendees removed from, or added to, a roster after it was posted, newest first. Each holder was told by email, with the reason; the change is in their history."),
    h("h2", {}, "Correct an upload"),
    h("p", {}, "After the provider's window only the office can correct an upload: open it by its references."), open,
    h("h2", {}, "Every correction"));
  const wrap = table("Corrections, newest first", ["When", "Attendee", "Program and upload", { text: "Correction", outcome: true }, "By", "Reason"], [], { id: "all-corrections" });
  const list = pagedList(wrap.querySelector("tbody"), async (cursor) => {
    const res = await api("GET", `/review/corrections?${pageQuery({ limit: "50" }, cursor)}`);
    return { items: res.corrections, nextCursor: res.nextCursor };
  }, (c) => h("tr", { dataset: { correctionId: c.correctionId, action: c.action } },
    h("td", {}, dateTime(c.at)),
    h("td", {}, h("a", { href: holderHref(c.holderId) }, holderLabel(c.firstName, c.lastName, c.holderId))),
    h("td", {}, h("a", { href: `#/staff/uploads/${enc(c.programId)}/${enc(c.uploadId)}` }, `${c.programId}, upload ${c.uploadId}`)),
    h("td", {}, c.action === "remove" ? `Removed: ${c.cecs} CECs withdrawn` : `Added: ${c.cecs} CECs credited`),
    h("td", {}, c.byStaff ? "The association's office" : "The provider"),
    h("td", {}, c.reason)));
  const first = await list.first();
  view.append(...(first.length ? [wrap, list.more] : [h("p", { id: "no-corrections" }, "No upload has been corrected.")]).filter(Boolean));
}

/**
 * #/staff/filing-fees: the filing fees of attendance reports still unpaid,
 * the oldest first (GET /review/filing-fees): whose attendees' CECs wait,
 * for how much, since when. The provider is reminded by email; the office
 * can follow up.
 */
export async function filingFees(main) {
  const view = page(main, "Unpaid filing fees");
  view.append(h("p", {}, "Attendance reports whose filing fee is not paid yet, the oldest first. Their accepted attendees' CECs go on the transcripts once it is paid. ",
    "The provider is reminded by email; the upload's page has the attendees."));
  const wrap = table("Unpaid filing fees, the oldest first", ["Invoiced", "Program", "Provider", "Attendees", { text: "Amount", outcome: true }, "Upload"], [], { id: "unpaid-filing-fees" });
  const list = pagedList(wrap.querySelector("tbody"), async (cursor) => {
    const res = await api("GET", `/review/filing-fees?${pageQuery({ limit: "50" }, cursor)}`);
    return { items: res.filingFees, nextCursor: res.nextCursor };
  }, (f) => h("tr", { dataset: { invoiceId: f.invoiceId, uploadId: f.uploadId } },
    h("td", {}, dateTime(f.issuedAt)),
    h("td", {}, `${f.programTitle} (${f.programId})`),
    h("td", {}, f.providerName || ""),
    h("td", {}, `${f.members + f.guests} (${f.members} ${f.members === 1 ? "member" : "members"}, ${f.guests} ${f.guests === 1 ? "guest" : "guests"})`),
    h("td", {}, money(f.amountCents, f.currency), f.flag ? [h("br"), h("span", { class: "rejected filing-flag" }, flagText[f.flag] || "Look at its payments")] : null),
    h("td", {}, h("a", { href: `#/staff/uploads/${enc(f.programId)}/${enc(f.uploadId)}` }, `Upload ${f.uploadId}`))));
  const first = await list.first();
  view.append(...(first.length ? [wrap, list.more] : [h("p", { id: "no-unpaid-filing-fees" }, "Every filing fee is paid.")]).filter(Boolean));
}
