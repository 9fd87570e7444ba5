// The home page of each role: what needs doing, and by when, read from the
// API the role's other pages use. Each part loads on its own, so that one
// slow or missing answer does not hide the others.

import policy from "../policy.js";
import { h, fill } from "./dom.js";
import { api, getOrNull, serverNow } from "./api.js";
import { notice, errorNotice, writeToOffice, date, dateTime, words, programStatusText, offeringsOf, reportBy } from "./view.js";
import { money, dateIn, hundredths } from "./fee.js";
import { comingYear, invoicesWhen } from "./holder.js";
import { cannotEmail } from "./undeliverable.js";

/** One part of a home page: a heading and what loads into it. */
function part(id, title, load) {
  const body = h("div", { "aria-live": "polite" }, h("p", { class: "hint" }, "Loading…"));
  const section = h("section", { id, class: "card", "aria-labelledby": `${id}-heading` }, h("h2", { id: `${id}-heading` }, title), body);
  load().then((content) => fill(body, content)).catch((err) => errorNotice(body, err));
  return section;
}

/** A holder's home: CECs still needed for the coming renewal, and the renewal invoice. */
export async function holderHome(view) {
  const me = await getOrNull("/holders/me");
  if (!me) {
    view.append(notice("Create your holder account first: it takes a minute.", "", { id: "home-no-account" }),
      h("p", {}, h("a", { class: "button", href: "#/holder" }, "Create your account")));
    return;
  }
  const year = await comingYear();
  if (me.emailUndeliverable) view.append(cannotEmail(me.emailUndeliverable, "holder"));
  view.append(
    part("home-cecs", `Your CECs for the ${year} renewal`, async () => {
      const st = await api("GET", `/holders/me/status?${new URLSearchParams({ year: String(year) })}`);
      if (st.standing === "no_credentials") {
        return h("p", {}, "You hold no credential that needs renewal CECs. If you hold one, the association's office records it: ", writeToOffice(), ".");
      }
      const req = hundredths(st.required) || 0;
      const got = Math.min(hundredths(st.counted) || 0, req);
      return [
        h("p", {}, h("label", { for: "home-cecs-meter" }, h("strong", { id: "home-cecs-counted" }, `${st.counted} of ${st.required} CECs`), " count so far"),
          " ", h("meter", { id: "home-cecs-meter", min: "0", max: String(req / 100 || 1), value: String(got / 100) })),
        st.met
          ? h("p", { class: "accepted" }, "Your CECs meet the requirement.")
          : h("p", {}, `Still needed: ${st.outstanding} CECs, earned from ${date(st.window.from)} to ${date(st.window.to)}. `,
            h("a", { href: `#/holder/submit?year=${year}` }, "Report CECs you earned elsewhere")),
        h("p", {}, h("a", { href: `#/holder/status?year=${year}` }, "See what counts and why")),
      ];
    }),
    part("home-renewal", `Your ${year} renewal`, async () => {
      const r = await getOrNull(`/holders/me/renewals/${year}`);
      if (!r) return h("p", {}, `Your renewal invoice is not out yet. ${invoicesWhen()}`);
      const inv = r.invoice;
      return [
        h("p", { id: "home-renewal-status" }, inv.status === "paid"
          ? `Paid ${dateTime(inv.paidAt)}.`
          : `${money(inv.totalCents, inv.currency)} due by ${date(inv.dueOn)} (without a reinstatement fee until ${date(inv.graceUntil)}).`),
        h("p", {}, h("a", { href: `#/holder/renewal?year=${year}` }, inv.status === "paid" ? "Your renewal" : "Pay your renewal")),
      ];
    }));
}

/** A provider's home: the applications and reports that wait on them. */
export async function providerHome(view) {
  const me = await getOrNull("/providers/me");
  if (!me) {
    view.append(notice("Register your organisation first: then apply for CEC approval of your programs.", "", { id: "home-no-provider" }),
      h("p", {}, h("a", { class: "button", href: "#/provider" }, "Register your organisation")));
    return;
  }
  if (me.emailUndeliverable) view.append(cannotEmail(me.emailUndeliverable, "provider"));
  // Filing fees are asked for only when there is one to pay: most policies charge none.
  const [page, now, fees] = await Promise.all([api("GET", "/programs?limit=100"), serverNow(),
    api("GET", "/providers/me/filing-fees?limit=100").catch(() => ({ filingFees: [] }))]);
  const today = dateIn(now, policy.association.timeZone);
  const due = [];
  for (const p of page.programs) {
    if (p.status !== "approved") continue;
    // Each offering has its own window (a program of several, one line each).
    const offerings = offeringsOf(p);
    for (const o of offerings) {
      if (!o.endsAt) continue;
      const { end, by } = reportBy(o.endsAt);
      if (end <= today && today <= by) due.push({ p, by, n: offerings.length > 1 ? o.n : 0 });
    }
  }
  const todo = (statuses, what) => page.programs.filter((p) => statuses.includes(p.status)).map((p) =>
    h("li", { dataset: { programId: p.programId } }, h("a", { href: `#/provider/programs/${p.programId}` }, p.title || "(untitled draft)"), `: ${what(p)}`));
  const list = (items, none) => (items.length ? h("ul", {}, items) : h("p", {}, none));
  view.append(...[
    fees.filingFees.length ? part("home-filing-fees", "Filing fees to pay", async () => list(fees.filingFees.map((f) => h("li", { dataset: { uploadId: f.uploadId } },
      h("a", { href: `#/provider/programs/${encodeURIComponent(f.programId)}/attendance/${encodeURIComponent(f.uploadId)}` }, f.programTitle),
      `: ${money(f.amountCents, f.currency)} for the attendance reported on ${date(f.reportedOn)}; the attendees' CECs are issued once it is paid`)), "")) : null,
    part("home-attendance-due", "Attendance to report", async () => {
      // Whether each is reported already (its latest upload: one Query each,
      // for the few programs within their window).
      // An offering's report is its latest upload among the program's few.
      const latest = await Promise.all(due.map(({ p, n }) => api("GET", `/programs/${encodeURIComponent(p.programId)}/attendance?limit=${n ? 20 : 1}`)
        .then((r) => (r.uploads || []).find((u) => !n || u.offering === n) || null).catch(() => null)));
      return list(due.map(({ p, by, n }, i) => h("li", { dataset: { programId: p.programId, reported: String(Boolean(latest[i])) } },
        h("a", { href: `#/provider/programs/${p.programId}/attendance${n ? `/offering/${n}` : ""}` }, n ? `${p.title}, offering ${n}` : p.title),
        latest[i] ? `: reported ${dateTime(latest[i].createdAt)}; more attendees can be reported until ${date(by)}` : `: report attendance by ${date(by)}`)),
      "No program waits for its attendance report.");
    }),
    part("home-to-do", "Applications that need you", async () => list([
      ...todo(["fee_due"], (p) => `pay the application fee${p.fee ? ` of ${money(p.fee.amountCents, p.fee.currency)}` : ""}`),
      ...todo(["refused"], () => "correct it and submit it again"),
      ...todo(["draft"], () => "finish it and submit it"),
    ], "Nothing waits for you.")),
    part("home-waiting", "Waiting for the association", async () => list(
      todo(["submitted", "paid", "in_review"], (p) => programStatusText(p.status).toLowerCase()), "Nothing is waiting.")),
    h("p", {}, h("a", { class: "button", href: "#/provider/programs/new" }, "Apply for a new program"))].filter(Boolean));
}

/** Staff's home: the review queues, how long they are, and who waits longest. */
export async function staffHome(view) {
  const queue = (id, title, path, href, name) => part(id, title, async () => {
    const res = await api("GET", `${path}?limit=100`);
    const items = res.programs || res.submissions || [];
    const count = `${items.length}${res.nextCursor ? " or more" : ""}`;
    if (!items.length) return h("p", { id: `${id}-count`, dataset: { count: "0" } }, "Nobody is waiting.");
    const first = items[0];
    return [
      h("p", { id: `${id}-count`, dataset: { count: String(items.length) } }, h("strong", {}, count), ` waiting. The longest: ${name(first)}, since ${dateTime(first.submittedAt || first.updatedAt)}.`),
      h("p", {}, h("a", { href }, "Open the queue")),
    ];
  });
  view.append(
    queue("home-program-reviews", "Program applications to review", "/review/programs", "#/staff/programs", (p) => `${p.title} (${p.providerName})`),
    queue("home-submission-reviews", "CEC submissions to review", "/review/submissions", "#/staff/submissions", (s) => `${s.holderName || `holder ${s.holderId}`}, ${s.year} renewal`),
    part("home-undeliverable", "Email addresses we cannot reach", async () => {
      const res = await api("GET", "/undeliverable-emails?limit=100");
      const n = res.addresses.length;
      if (!n) return h("p", { id: "home-undeliverable-count", dataset: { count: "0" } }, "We can email every address.");
      return [
        h("p", { id: "home-undeliverable-count", dataset: { count: String(n) } }, h("strong", {}, `${n}${res.nextCursor ? " or more" : ""}`),
          ` ${n === 1 && !res.nextCursor ? "address is" : "addresses are"} not emailed. The latest: ${res.addresses[0].email}, since ${dateTime(res.addresses[0].since)}.`),
        h("p", {}, h("a", { href: "#/staff/email" }, "See the addresses")),
      ];
    }));
}

export const homes = { holder: holderHome, provider: providerHome, staff: staffHome };
