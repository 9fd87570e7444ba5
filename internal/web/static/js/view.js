// Shared bits of the pages: headings, notices, formatting of the API's values.

import config from "../config.js";
import policy from "../policy.js";
import { h, fill, announce } from "./dom.js";
import { dateIn } from "./fee.js";

/**
 * Starts a page in main: an h1 that takes focus (so screen readers and
 * keyboard users land on the new page) and a view element the page fills.
 * The view is detached when the person navigates away; pages stop polling
 * once view.isConnected is false.
 */
export function page(main, title, { bare = false } = {}) {
  document.title = bare ? title : `${title} · CEC portal`; // bare: the title names the portal already
  const heading = h("h1", { tabindex: "-1" }, title);
  const view = h("div", { class: "view" });
  main.replaceChildren(heading, view);
  heading.focus();
  return view;
}

/** A notice box: kind "ok", "warn" or "" (info). role=status is announced politely. */
export function notice(text, kind = "", attrs = {}) {
  return h("div", { class: `notice ${kind}`, role: kind === "warn" ? "alert" : "status", ...attrs }, text);
}

/**
 * A confirmation panel (GOV.UK's pattern): what was done, its reference,
 * and what happens next, at the top of the view, where it takes focus, so
 * that nobody has to look for it under the form they just sent.
 */
export function confirmation(view, { id, title, reference, next }) {
  view.querySelector(".panel")?.remove();
  const panel = h("div", { class: "panel", id, role: "status", tabindex: "-1" },
    h("h2", {}, title),
    reference ? h("p", { class: "reference" }, "Your reference: ", h("strong", {}, reference)) : null,
    next ? [h("h3", {}, "What happens next"), h("p", {}, next)] : null);
  view.prepend(panel);
  panel.focus();
  panel.scrollIntoView({ block: "start" });
  return panel;
}

const flashKey = "cecportal.confirmation";

/**
 * Keeps a confirmation for the page a form goes to next (confirmation's
 * arguments), so that it stands at the top of that page.
 */
export function confirmNext(c) {
  sessionStorage.setItem(flashKey, JSON.stringify(c));
}

/** Shows, once, a confirmation kept for this page by confirmNext. */
export function showConfirmed(view) {
  const raw = sessionStorage.getItem(flashKey);
  if (!raw) return;
  sessionStorage.removeItem(flashKey);
  try {
    confirmation(view, JSON.parse(raw));
  } catch { /* not ours: nothing to show */ }
}

/**
 * What a person reads of an error: an API's answer in its plain words (and
 * its field problems), a problem the page found itself (forms.js problem)
 * as it words it, anything else (a fault of the page's own script)
 * as a plain apology, its text left to the console.
 */
export function errorWords(err) {
  if (err && (typeof err.status === "number" || Array.isArray(err.details))) {
    const listed = (err.details || []).map((d) => d.message).filter(Boolean);
    return { message: err.message, listed: err.message === "There is a problem" ? listed : [] };
  }
  console.error(err);
  return { message: "Sorry, something went wrong on this page. Reload it and try again.", listed: [] };
}

/** Shows an error that belongs to no form. */
export function errorNotice(el, err) {
  const { message, listed } = errorWords(err);
  fill(el, notice([message, listed.length ? h("ul", {}, listed.map((m) => h("li", {}, m))) : null], "warn"));
}

const failedTitles = { 0: "The service could not be reached", 401: "Sign in to continue", 403: "You cannot view this page", 404: "Not found" };

/**
 * A page that could not be shown: a title that says so, the reason in
 * plain words, and the way on (no dead end).
 */
export function failedPage(main, err) {
  const status = typeof err?.status === "number" ? err.status : 500;
  const view = page(main, status >= 500 ? "Sorry, there is a problem with the service" : failedTitles[status] || "There is a problem");
  const box = h("div", { id: "page-error" });
  errorNotice(box, err);
  view.append(box, h("p", {}, h("a", { href: "#/" }, "Go to the start page")));
  return view;
}

/**
 * "2027-03-10T09:00:00-06:00" in timeZone → "Wed, Mar 10, 2027, 9:00 AM CST";
 * without a zone, in the association's (where its deadlines are counted).
 */
export function dateTime(iso, timeZone) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone || policy.association.timeZone || undefined, year: "numeric", month: "short", day: "numeric", weekday: "short",
      hour: "numeric", minute: "2-digit", timeZoneName: "short",
    }).format(d);
  } catch {
    return d.toISOString();
  }
}

/**
 * A calendar date "YYYY-MM-DD" as people read dates here: "Wed, Mar 10,
 * 2027", the form dateTime gives instants, so one page never mixes two.
 * A date is a day, not an instant: it is read in UTC, where it is that day.
 */
export function date(s) {
  if (!s) return "—";
  const d = new Date(`${s}T12:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(d.getTime())) return s;
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", year: "numeric", month: "short", day: "numeric", weekday: "short" }).format(d);
}

/** The API's words with each ISO date in them ("2027-03-10") as people read dates. */
export function humanDates(text) {
  return String(text || "").replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => date(d));
}

const programStatus = {
  draft: "Draft",
  submitted: "Submitted: being checked",
  refused: "Refused: needs correction",
  fee_due: "Fee due",
  paid: "Paid",
  in_review: "In staff review",
  approved: "Approved",
  rejected: "Rejected",
};

/** A program status for people. */
/** "2027-01" as "January 2027" (month "short": "Jan 2027"). */
export function monthText(m, month = "long") {
  return new Date(`${m}-01T00:00:00Z`).toLocaleDateString("en-US", { month, year: "numeric", timeZone: "UTC" });
}

export function programStatusText(s) {
  return programStatus[s] || s || "—";
}

const formats = { in_person: "In person", live_online: "Live online", recorded: "Recorded" };
export function formatText(f) {
  return formats[f] || f || "—";
}

/** A status badge with the raw code as data for scripts and tests. */
export function badge(text, code) {
  return h("span", { class: "status", dataset: { status: code || "" } }, text);
}

/** "certificate_of_completion" → "Certificate of completion". */
/**
 * What the association would like a person who is stuck to do: "write to
 * the association's office at office@…" (a mail link), from the policy.
 */
export function writeToOffice() {
  const email = policy.association.supportEmail;
  return email ? ["write to the association's office at ", h("a", { href: `mailto:${email}` }, email)] : "contact the association's office";
}

/** "Ana Lima (H-…)", or "Holder H-…" when the name is not ours to show. */
export function holderLabel(first, last, id) {
  const name = [first, last].filter(Boolean).join(" ");
  return name ? `${name} (${id})` : `Holder ${id}`;
}

/** An invoice's status, in words. */
export const invoiceStatusText = { open: "Not paid yet", paid: "Paid", failed: "Not paid: the last payment failed" };

export function words(code) {
  if (!code) return "";
  const s = String(code).replace(/_/g, " ").replace(/\b(cec|cecs|id|url)\b/g, (w) => (w === "cecs" ? "CECs" : w.toUpperCase()));
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** An activity kind's name, as the policy gives it. */
export function kindName(code) {
  return policy.activityKinds.find((k) => k.code === code)?.name || words(code);
}

/**
 * A button that runs work on a click: disabled meanwhile, and after a
 * success too (work goes elsewhere or redraws); a failure shows in
 * errorsTo and enables it again.
 */
export function actionButton(attrs, text, errorsTo, work) {
  const button = h("button", { type: "button", ...attrs, onclick: async () => {
    button.disabled = true;
    try {
      await work();
    } catch (err) {
      errorNotice(errorsTo, err);
      button.disabled = false;
    }
  } }, text);
  return button;
}

/**
 * A list the API gives a page at a time (nextCursor). load(cursor)
 * resolves to {items, nextCursor}; render(item) makes an item's element,
 * appended to list; onPage(shown, more) runs after each page. Returns the
 * "Show more" area to put below the list, and first() to load the first
 * page. Show more appends the next page, moves focus to its first item (so
 * keyboard users go on from there; the button goes after the last page) and
 * says how many came.
 */
export function pagedList(list, load, render, onPage = () => {}) {
  const buttons = h("div", { class: "actions" });
  const errors = h("div", { "aria-live": "polite" });
  let shown = 0;
  const next = async (cursor) => {
    const res = await load(cursor);
    const items = res.items.map(render);
    list.append(...items);
    shown += items.length;
    errors.replaceChildren();
    fill(buttons, res.nextCursor ? actionButton({ class: "secondary show-more" }, "Show more", errors, async () => {
      const added = await next(res.nextCursor);
      if (added[0]) {
        if (!added[0].hasAttribute("tabindex")) added[0].setAttribute("tabindex", "-1");
        added[0].focus();
      }
      announce(`${added.length} more shown`);
    }) : null);
    onPage(shown, Boolean(res.nextCursor));
    return items;
  };
  return { more: h("div", {}, buttons, errors), first: () => next() };
}

/** Waits ms milliseconds. */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** "#/path?x=1" query of the current location. */
export function hashQuery() {
  const q = window.location.hash.split("?")[1] || "";
  return new URLSearchParams(q);
}

/** Goes to a hash route (rendering it again when it is the current one). */
export function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

/**
 * Starts paying a checkout {reference, url, invoiceId, amountCents,
 * currency}: on the local stack the simulator's page (#/pay/...), deployed
 * the payment provider's checkout page. back is where to return.
 */
const payingKey = "cecportal.paying";

/**
 * Back from paying, on the page the payment started from: once the
 * invoice reads paid, a confirmation at the top (title, what happens next),
 * once. Before that (the payment provider's message not in yet) nothing.
 */
export function paidConfirmation(view, paid, { title, next, reference }) {
  let pending = null;
  try { pending = JSON.parse(sessionStorage.getItem(payingKey) || "null"); } catch { pending = null; }
  if (!pending || !paid || pending.back !== window.location.hash) return;
  sessionStorage.removeItem(payingKey);
  confirmation(view, { id: "payment-received", title, reference: reference || pending.reference, next });
}

/**
 * Where a person who left for the payment provider's checkout goes when
 * they come back (#/returned, the checkout's success and cancel page): the
 * page they paid from, which says whether the payment arrived; else the
 * start page.
 */
export function returnedFromPayment() {
  let pending = null;
  try { pending = JSON.parse(sessionStorage.getItem(payingKey) || "null"); } catch { pending = null; }
  return pending?.back && pending.back.startsWith("#/") ? pending.back : "#/";
}

export function startPayment(checkout, back) {
  // The page the person comes back to says "Payment received" once (paidConfirmation).
  sessionStorage.setItem(payingKey, JSON.stringify({ back, reference: checkout.reference }));
  if (config.devTools && /^cs_sim_/.test(checkout.reference)) {
    sessionStorage.setItem(`cecportal.checkout.${checkout.reference}`, JSON.stringify({ ...checkout, back }));
    go(`#/pay/${encodeURIComponent(checkout.reference)}`);
    return;
  }
  window.location.assign(checkout.url);
}

/**
 * A program's offerings, in order: {n, startsAt, endsAt, timeZone,
 * location, url, refused}. The first is the program's own dates and place,
 * the others its moreOfferings (the API numbers them from 1); refused is
 * the reason an offering was refused by itself, or undefined.
 */
export function allOfferings(p) {
  const refused = new Map((p.refusedOfferings || []).map((r) => [r.offering, r.reason]));
  return [{ startsAt: p.startsAt, endsAt: p.endsAt, timeZone: p.timeZone, location: p.location, url: p.url }, ...(p.moreOfferings || [])]
    .map((o, i) => ({ ...o, n: i + 1, refused: refused.get(i + 1) }));
}

/** A program's offerings not refused, in order (allOfferings). */
export function offeringsOf(p) {
  return allOfferings(p).filter((o) => o.refused === undefined);
}

/**
 * The day an offering ending at endsAt ended and the last day its
 * attendance may be reported (YYYY-MM-DD, the association's calendar, the
 * policy's reporting window).
 */
export function reportBy(endsAt) {
  const end = dateIn(endsAt, policy.association.timeZone);
  const d = new Date(`${end}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + (policy.reportingWindowDays || 45));
  return { end, by: d.toISOString().slice(0, 10) };
}
