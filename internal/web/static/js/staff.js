// Staff pages: the program review queue, the CEC submission review queue
// (approve, reject, or reject single activities), and holders' credentials.

import policy from "../policy.js";
import { h, fill, announce, table, facts } from "./dom.js";
import { api, pageQuery } from "./api.js";
import { field, radios, form, readForm, submitting, group, problem } from "./forms.js";
import { page, notice, dateTime, programStatusText, formatText, badge, words, hashQuery, go, pagedList } from "./view.js";
import { money } from "./fee.js";
import { directorySearch } from "./provider.js";

const enc = encodeURIComponent;

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
  const status = hashQuery().get("status") || "in_review";
  const base = `#/staff/${kind}`;
  const singular = kind.replace(/s$/, "");
  view.append(statusFilter(`${singular}-filter`, label, statuses, status, base));
  const list = h("div", { id: `${singular}-queue` });
  const paged = pagedList(list, async (cursor) => {
    const res = await api("GET", `/review/${kind}?${pageQuery({ status, limit: "50" }, cursor)}`);
    return { items: res[kind], nextCursor: res.nextCursor };
  }, card);
  view.append(list, paged.more);
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
    field("Reason", "reason", { type: "textarea", rows: 2, hint, id: `reason-${id}` }),
  ], "Record the decision");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const body = readForm(f);
      if (!body.decision) throw problem([{ field: "decision", message: "Choose approve or reject" }]);
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

function programCard(p) {
  const card = h("article", { class: "card", dataset: { programId: p.programId }, "aria-labelledby": `t-${p.programId}` });
  const body = () => [
    h("h2", { id: `t-${p.programId}` }, p.title),
    h("p", {}, `${p.providerName} · `, badge(programStatusText(p.status), p.status)),
    facts([
      ["Program ID", p.programId],
      ["Format", formatText(p.format)],
      ["When", `${dateTime(p.startsAt, p.timeZone)} to ${dateTime(p.endsAt, p.timeZone)}`],
      p.location ? ["Location", p.location] : null,
      p.url ? ["Web address", p.url] : null,
      ["Contact hours", String(p.contactHours)],
      ["Compliance", p.compliance ? "Yes" : "No"],
      ["Objectives", h("ul", {}, p.objectives.map((o) => h("li", {}, o)))],
      ["Instructors", p.instructors.join(", ")],
      ["Description", p.description],
      ["Fee", p.fee ? `${money(p.fee.amountCents, p.fee.currency)}, ${p.fee.status}${p.fee.flag ? ` (flag: ${words(p.fee.flag)})` : ""}` : "—"],
    ]),
  ];
  fill(card, body());
  if (p.status !== "in_review") return card;
  card.append(decisionForm(card, {
    id: p.programId, choices: [["approve", "Approve"], ["reject", "Reject"]], hint: "Required to reject; sent to the provider",
    send: (body) => api("POST", `/programs/${enc(p.programId)}/decision`, { body }),
    said: (decided) => `${decided.title}: ${programStatusText(decided.status).toLowerCase()}.`,
  }));
  return card;
}

/** #/staff/submissions: the CEC submission review queue. */
export function submissions(main) {
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
    h("p", {}, `Holder ${s.holderId}, renewal ${s.year}, submitted ${dateTime(s.submittedAt)} · `, badge(words(s.status), s.status),
      s.audit ? h("strong", {}, " · Documentation audit") : ""));
  if (s.status !== "in_review") {
    card.append(table("Activities", ["Activity", "Hours", { text: "Decision", outcome: true }], s.activities.map((a) => h("tr", {}, h("td", {}, a.title), h("td", {}, String(a.hours)), h("td", {}, words(a.decision))))));
    return card;
  }
  const n = (a) => a.index + 1;
  card.append(decisionForm(card, {
    id: s.submissionId,
    fields: s.activities.map((a) => group(`Activity ${n(a)}: ${a.title}`, `activities[${a.index}]`,
      facts([
        ["Kind", words(a.kind)],
        ["Organisation", a.organisation],
        ["Date", a.date],
        ["Hours", String(a.hours)],
        ["Compliance", a.compliance ? "Yes" : "No"],
        ["Documentation", `${words(a.documentation.type)}: ${a.documentation.reference}`],
        ["Verdict", `${words(a.verdict.status)}${a.verdict.message ? `: ${a.verdict.message}` : ""}`],
      ]),
      field(`Reject activity ${n(a)}`, `reject-${a.index}`, { type: "checkbox", kind: "manual" }),
      field(`Why activity ${n(a)} is rejected`, `activities[${a.index}].reason`, { type: "textarea", rows: 2, kind: "manual", hint: "Required to reject it; sent to the holder" }))),
    choices: [["approve", "Approve (except the activities marked to reject)"], ["reject", "Reject the whole submission"]],
    hint: "Required to reject; sent to the holder",
    send: async (body, f) => {
      const rejected = s.activities.filter((a) => f.elements[`reject-${a.index}`].checked)
        .map((a) => ({ index: a.index, decision: "reject", reason: f.elements[`activities[${a.index}].reason`].value.trim() }));
      if (rejected.length && body.decision === "approve") body.activities = rejected;
      try {
        return await api("POST", `/submissions/${enc(s.submissionId)}/decision`, { body });
      } catch (err) {
        // The API names the rejections' places in body.activities; the form's
        // fields are named by the activity's index.
        err.details = err.details.map((d) => {
          const m = d.field && d.field.match(/^activities[.[](\d+)\]?(.*)$/);
          const a = m && body.activities?.[Number(m[1])];
          return a ? { ...d, field: `activities[${a.index}]${m[2] === ".index" ? "" : m[2]}` } : d;
        });
        throw err;
      }
    },
    said: (decided) => `Submission ${decided.submissionId}: ${words(decided.status).toLowerCase()}.${decided.result ? ` The year is ${decided.result.met ? "met" : `short by ${decided.result.outstanding} CECs`}.` : ""}`,
  }));
  return card;
}

/** #/staff/holders: record a holder's credentials and membership. */
export async function holders(main) {
  const view = page(main, "Holders' credentials");
  const result = h("div", { id: "credentials-result", "aria-live": "polite" });
  const f = form({ id: "credentials-form" }, [
    field("Holder ID", "holderId", { required: true, kind: "manual", hint: "Such as H-7K3M9Q2XAB; search the directory below" }),
    radios("Membership", "membership", [["member", "Member"], ["guest", "Guest"]], { required: true, value: "member" }),
    group("Credentials held", "credentials",
      h("p", { class: "hint" }, "Tick each credential the holder holds, with the date it was earned. This replaces the whole set."),
      policy.credentials.map((c, i) => h("div", { class: "grid two" },
        field(`${c.code}: ${c.name}`, `cred-${c.code}`, { type: "checkbox", kind: "manual", id: `cred-${c.code}` }),
        field(`${c.code} earned on`, `credentials[${i}].earnedOn`, { type: "date", kind: "manual", id: `cred-${c.code}-earned` })))),
  ], "Save the credentials");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const holderId = f.elements.holderId.value.trim();
      if (!holderId) throw problem([{ field: "holderId", message: "Enter the holder ID" }]);
      // Ticked credentials in policy order; error indexes map back to them.
      const ticked = policy.credentials.map((c, i) => ({ c, i })).filter(({ c }) => f.elements[`cred-${c.code}`].checked);
      const credentials = ticked.map(({ c, i }) => ({ code: c.code, earnedOn: f.elements[`credentials[${i}].earnedOn`].value }));
      try {
        const updated = await api("PUT", `/holders/${enc(holderId)}/credentials`, { body: { membership: readForm(f).membership, credentials } });
        fill(result, notice(`${updated.firstName} ${updated.lastName} (${updated.holderId}): ${words(updated.membership)}, ${updated.credentials.map((x) => x.code).join(", ") || "no credentials"}.`, "ok", { id: "credentials-saved" }));
        announce("Credentials saved");
      } catch (err) {
        err.details = err.details.map((d) => {
          const m = d.field && d.field.match(/^credentials\[(\d+)\](.*)$/);
          if (m && ticked[Number(m[1])]) return { ...d, field: `credentials[${ticked[Number(m[1])].i}]${m[2] === ".code" ? "" : m[2]}` };
          return d;
        });
        if (err.code === "holder_not_found") err.details = [{ field: "holderId", message: err.message }];
        throw err;
      }
    });
  });
  view.append(f, result, h("h2", {}, "Find a holder"), directorySearch((x) => {
    f.elements.holderId.value = x.holderId;
    f.elements.holderId.focus();
  }));
}
