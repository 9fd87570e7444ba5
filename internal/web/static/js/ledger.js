// #/staff/payments: the payments ledger for the office and its bookkeeper
// (GET /payments, GET /payments/totals): every payment event of every
// invoice in a range of dates, the totals per month and kind, and the CSV.

import policy from "../policy.js";
import { h, fill, announce, table } from "./dom.js";
import { api, serverNow } from "./api.js";
import { field, form, readForm, submitting, problem } from "./forms.js";
import { page, notice, date, dateTime, hashQuery, pagedList, monthText } from "./view.js";
import { holderHref } from "./staff.js";
import { money, dateIn } from "./fee.js";
import { downloadFile } from "./download.js";

const kindText = {
  application_fee: "Application fee",
  filing_fee: "Filing fee",
  renewal: "Renewal",
  reinstatement: "Reinstatement fee",
};

const statusText = {
  succeeded: "Paid",
  failed: "Failed",
  refunded: "Refunded",
  mismatch: "Paid another amount (not taken)",
};

/** Who paid: a holder's name links to their record. */
function payer(e) {
  const who = [e.payerName || "", h("br"), h("span", { class: "hint" }, e.payerId)];
  return e.kind === "renewal" ? h("a", { href: holderHref(e.payerId) }, e.payerName || e.payerId) : who;
}

/** The longest range the ledger reads at once, in days (the API's rule). */
const maxDays = 93;

/** Days from a to b, two YYYY-MM-DD dates. */
function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

/** The problems of a range, on their fields, as the API would say them. */
function rangeProblems(q) {
  const out = [];
  const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || "") && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
  if (!isDate(q.from)) out.push({ field: "from", message: "Enter the first date, like 2027-01-01" });
  if (!isDate(q.to)) out.push({ field: "to", message: "Enter the last date, like 2027-03-31" });
  if (out.length) return out;
  const days = daysBetween(q.from, q.to);
  if (days < 0) out.push({ field: "to", message: "The last date must not be before the first date" });
  else if (days >= maxDays) out.push({ field: "to", message: `The range must be at most ${maxDays} days, both dates included: choose a shorter one, such as a quarter` });
  return out;
}

/** #/staff/payments: the ledger, for a range of dates and a kind. */
export async function payments(main) {
  const view = page(main, "Payments");
  const tz = policy.association.timeZone;
  const today = dateIn(await serverNow(), tz);
  const q = hashQuery();
  const start = { from: q.get("from") || `${today.slice(0, 8)}01`, to: q.get("to") || today, kind: q.get("kind") || "" };
  view.append(h("p", {}, "Every payment event of every invoice: what was paid, what failed, what was refunded, and what came with another amount and was not taken. ",
    `Dates and times are in the association's time zone (${tz}). Refunds and other amounts to act on are on `, h("a", { href: "#/staff/payment-issues" }, "Payment issues"), "."));
  const f = form({ id: "ledger-form" }, [
    field("First date", "from", { type: "date", required: true, value: start.from }),
    field("Last date", "to", { type: "date", required: true, value: start.to, hint: `At most ${maxDays} days from the first date, both included (a quarter).` }),
    field("Kind of payment", "kind", { type: "select", value: start.kind, options: [["", "All payments"], ...Object.entries(kindText)] }),
  ], "Show the payments");
  const out = h("section", { id: "ledger", "aria-live": "polite" });
  view.append(f, out);
  const show = async (range) => {
    const query = new URLSearchParams({ from: range.from, to: range.to, ...(range.kind ? { kind: range.kind } : {}) });
    const { totals } = await api("GET", `/payments/totals?${query}`);
    history.replaceState(null, "", `#/staff/payments?${query}`);
    const errors = h("div", { "aria-live": "polite" });
    const csv = h("button", { type: "button", class: "secondary", id: "ledger-csv", onclick: async () => {
      errors.replaceChildren();
      try {
        await downloadFile(`/payments?${query}`, "text/csv", `payments-${range.from}-to-${range.to}.csv`);
      } catch (err) {
        fill(errors, notice(err.message || "The file could not be downloaded. Try again.", "warn"));
      }
    } }, "Download as CSV (for the bookkeeper)");
    const rows = table("Payments, the oldest first", ["When", "Kind", "Payer", "Invoice", { text: "Amount", outcome: true }, "Status"], [], { id: "ledger-entries" });
    const list = pagedList(rows.querySelector("tbody"), async (cursor) => {
      const res = await api("GET", `/payments?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      return { items: res.entries, nextCursor: res.nextCursor };
    }, (e) => h("tr", { dataset: { eventId: e.eventId, status: e.status } },
      h("td", {}, dateTime(e.at, tz)),
      h("td", {}, kindText[e.kind] || e.kind, e.reinstatementCents > 0 ? [h("br"), h("span", { class: "hint" }, `with a ${money(e.reinstatementCents, e.currency)} reinstatement fee`)] : null),
      h("td", {}, payer(e)),
      h("td", {}, e.invoiceId),
      h("td", {}, money(e.amountCents, e.currency)),
      h("td", {}, h("span", { class: e.status === "succeeded" ? "accepted" : e.status === "failed" ? "" : "rejected" },
        e.untaken ? "Refunded (another amount, never taken)" : statusText[e.status] || e.status),
        e.reason ? [h("br"), h("span", { class: "hint" }, e.reason)] : null)));
    const first = await list.first();
    // The net per currency; reinstatement fees are part of their renewals.
    const nets = new Map();
    for (const t of totals) {
      if (t.kind === "reinstatement" && range.kind !== "reinstatement") continue;
      nets.set(t.currency, (nets.get(t.currency) || 0) + t.netCents);
    }
    const net = [...nets].map(([c, cents]) => money(cents, c)).join("; ");
    fill(out,
      h("h2", { id: "ledger-heading" }, `${kindText[range.kind] ? `${kindText[range.kind]}s` : "Payments"} from ${date(range.from)} to ${date(range.to)}`),
      totals.length
        ? [table("Totals by month", ["Month", "Kind", "Paid", "Refunded", { text: "Net", outcome: true }, "Another amount, held", "Failed attempts"],
          totals.map((t) => h("tr", { dataset: { month: t.month, kind: t.kind } },
            h("td", {}, monthText(t.month)), h("td", {}, kindText[t.kind] || t.kind), h("td", {}, money(t.succeededCents, t.currency)),
            h("td", {}, money(t.refundedCents, t.currency)), h("td", {}, money(t.netCents, t.currency)),
            h("td", {}, money(t.mismatchedCents, t.currency)), h("td", {}, String(t.failed)))), { id: "ledger-totals" }),
          h("p", { id: "ledger-net" }, `Net for the range: ${net}`
            + (range.kind ? "." : " (reinstatement fees are part of their renewals)."))]
        : null,
      first.length ? [rows, list.more] : h("p", { id: "ledger-none" }, "No payments in this range."),
      first.length ? h("div", { class: "actions" }, csv) : null,
      errors);
    announce(first.length ? `${first.length} payments shown` : "No payments in this range");
  };
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const range = readForm(f);
      const bad = rangeProblems(range);
      if (bad.length) throw problem(bad);
      await show(range);
    });
  });
  if (!rangeProblems(start).length) await submitting(f, () => show(start));
}

const whyText = {
  refunded: "Refunded",
  mismatch: "Paid another amount: not taken",
  quoted: "Paid an earlier checkout's amount: taken, the difference to settle",
};

/** One payment issue: what happened, the notes, and the form to add one. */
function issueCard(is, tz, onSaved) {
  const errors = h("div", { "aria-live": "polite" });
  const headingId = `issue-${is.issueId}-heading`;
  const f = form({ class: "issue-note" }, [
    field("Note", "note", { type: "textarea", required: true, rows: 3, id: `issue-${is.issueId}-note`,
      hint: "What you did or found: a refund made, the payer contacted, the difference settled." }),
    field("Resolved: nothing more to do", "resolved", { type: "checkbox", value: is.resolved, id: `issue-${is.issueId}-resolved`, hint: is.resolved ? "Untick it to open the issue again." : undefined }),
  ], "Save the note");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const body = readForm(f);
      if (!String(body.note || "").trim()) throw problem([{ field: "note", message: "Enter the note" }]);
      const saved = await api("POST", `/review/payment-issues/${encodeURIComponent(is.issueId)}/notes`, { body: { note: body.note, resolved: Boolean(body.resolved) } });
      onSaved(saved);
    });
  });
  return h("article", { class: "card", id: `issue-${is.issueId}`, dataset: { issueId: is.issueId, why: is.why }, "aria-labelledby": headingId },
    h("h2", { id: headingId }, `${whyText[is.why] || is.why}: ${money(is.amountCents, is.currency)}, ${is.payerName || is.payerId}`),
    is.resolved ? notice(`Resolved ${dateTime(is.resolvedAt, tz)} by staff (signed in as ${is.resolvedBy}).`, "ok") : null,
    h("dl", { class: "facts" },
      ...[["When", dateTime(is.at, tz)], ["Kind", kindText[is.kind] || is.kind], ["Invoice", is.invoiceId], ["Payer", payer(is)],
        ["Amount", money(is.amountCents, is.currency)], ["Payment system reference", is.reference], ...(is.reason ? [["What the payment system recorded", is.reason]] : [])]
        .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    is.notes.length ? [h("h3", {}, "Notes"), h("ul", { class: "notes" }, is.notes.map((n) => h("li", {},
      `${dateTime(n.at, tz)}, staff (signed in as ${n.by}): ${n.note}`, n.resolved ? h("span", { class: "accepted" }, " (resolved)") : "")))] : null,
    f, errors);
}

/** #/staff/payment-issues: refunds and mismatches to work through. */
export async function paymentIssues(main) {
  const view = page(main, "Payment issues");
  const tz = policy.association.timeZone;
  const resolved = hashQuery().get("status") === "resolved";
  view.append(
    h("p", {}, "Payments to look at: refunds, payments of another amount (not taken: refund them or ask for the rest), and payments of an earlier checkout's amount (taken: settle the difference). ",
      "Write what you did on each; mark it resolved when nothing more is to be done. Every payment is on the ", h("a", { href: "#/staff/payments" }, "Payments"), " page."),
    h("p", {}, resolved
      ? ["Showing the resolved issues. ", h("a", { href: "#/staff/payment-issues", id: "issues-open-link" }, "Show the open ones")]
      : ["Showing the open issues, the oldest first. ", h("a", { href: "#/staff/payment-issues?status=resolved", id: "issues-resolved-link" }, "Show the resolved ones")]));
  const list = h("div", { id: "payment-issues" });
  const paged = pagedList(list, async (cursor) => {
    const res = await api("GET", `/review/payment-issues?${new URLSearchParams({ status: resolved ? "resolved" : "open", ...(cursor ? { cursor } : {}) })}`);
    return { items: res.issues, nextCursor: res.nextCursor };
  }, function render(is) {
    const card = issueCard(is, tz, (saved) => {
      const next = render(saved);
      card.replaceWith(next);
      const heading = next.querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      announce(saved.resolved ? "Note saved; the issue is resolved" : "Note saved; the issue stays open");
    });
    return card;
  });
  const first = await paged.first();
  view.append(list, paged.more);
  if (!first.length) list.append(h("p", { id: "no-payment-issues" }, resolved ? "No issue is resolved yet." : "Nothing to look at: every payment is as it should be."));
}
