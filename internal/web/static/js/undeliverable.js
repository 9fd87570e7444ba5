// Email addresses we cannot reach (docs/operations.md#email-that-does-not-arrive):
// an address whose mailbox refused our email for good, or whose person
// reported it as spam, is no longer emailed. What a holder, a provider and
// staff read of it, and the way back.

import { h, fill, announce, table } from "./dom.js";
import { api, pageQuery } from "./api.js";
import { page, notice, date, dateTime, actionButton, writeToOffice, pagedList } from "./view.js";

/** Why an address is not emailed, in words (the API's reason). */
const why = {
  no_mailbox: "the address does not exist",
  refused: "the mail server that receives it refuses our email",
  suppressed: "earlier emails to it failed, so our email service stopped sending to it",
  complaint: "an email we sent to it was reported as spam",
};

/** The reason as a sentence: "The address does not exist." */
export function reasonSentence(reason) {
  const text = why[reason] || "our emails do not reach it";
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

const enc = encodeURIComponent;

/** Starts emailing address again (staff: any; anyone else: their own). */
function resume(address) {
  return api("POST", "/undeliverable-emails/resume", { body: { email: address } });
}

/**
 * The warning on a holder's or a provider's home page when their address
 * is not emailed: since when and why, what they miss, and the way back.
 * whose: "holder" (their own address, which they can change) or
 * "provider" (the organisation's, which the office changes).
 */
export function cannotEmail(mark, whose) {
  const box = h("section", { class: "notice warn", id: "cannot-email", "aria-labelledby": "cannot-email-heading" });
  const errors = h("div", { "aria-live": "polite" });
  const subject = whose === "holder" ? "you" : "your organisation";
  fill(box,
    h("h2", { id: "cannot-email-heading" }, `We cannot email ${subject} at ${mark.email}`),
    h("p", {}, `Since ${date(mark.since.slice(0, 10))} our emails to this address have not arrived: ${why[mark.reason] || "they do not reach it"}. `,
      "Until this is put right we send it nothing: no reminders, receipts or decisions. Check these pages for them instead."),
    h("p", {}, "If the mailbox works again, or you did not mean to report our email as spam:"),
    h("p", {}, actionButton({ id: "email-me-again" }, whose === "holder" ? "Email me again" : "Email this address again", errors, async () => {
      await resume(mark.email);
      const done = notice(`We will email ${subject} at ${mark.email} again. If our emails still do not arrive, ${whose === "holder" ? "use another address" : "ask the association's office to change it"}.`,
        "ok", { id: "emailing-again", tabindex: "-1" });
      box.replaceWith(done);
      done.focus();
      announce(`We will email ${mark.email} again`);
    })),
    whose === "holder"
      ? h("p", {}, "Or use another address: ", h("a", { href: "#/holder", id: "change-email" }, "change your email address"), ".")
      : h("p", {}, "To use another address for your organisation, ", writeToOffice(), "."),
    errors);
  return box;
}

/**
 * What the holder's record tells staff of the holder's address: nothing
 * when it is emailed; else why not, since when, and a button to email it
 * again.
 */
export function addressForStaff(email, mark) {
  if (!mark) return email;
  const out = h("span", { id: "record-email-undeliverable" });
  const errors = h("span", { "aria-live": "polite" });
  fill(out, email, h("br"), h("strong", { class: "rejected" }, "Not emailed: "),
    `${reasonSentence(mark.reason)} Since ${dateTime(mark.since)}. `,
    actionButton({ class: "secondary", id: "record-email-again" }, "Email this address again", errors, async () => {
      await resume(mark.email);
      fill(out, email, h("br"), h("span", { class: "accepted" }, "Emailed again from now on."));
      announce(`${email} is emailed again`);
    }), errors);
  return out;
}

/** #/staff/email: every address not emailed, the latest first. */
export async function undeliverablePage(main) {
  const view = page(main, "Email addresses we cannot reach");
  view.append(h("p", {}, "Addresses whose mail server refused our email for good, or whose person reported our email as spam, the latest first. ",
    "We send them nothing until someone emails them again: the person can do so on their home page, or you here once they tell you their mailbox works. ",
    "A new address on their account is emailed at once."));
  const wrap = table("Addresses not emailed, the latest first", ["Address", { text: "Why", outcome: true }, "Since", "Action"], [], { id: "undeliverable-emails" });
  const list = pagedList(wrap.querySelector("tbody"), async (cursor) => {
    const res = await api("GET", `/undeliverable-emails?${pageQuery({ limit: "50" }, cursor)}`);
    return { items: res.addresses, nextCursor: res.nextCursor };
  }, (a) => {
    const action = h("td", {});
    const errors = h("div", { "aria-live": "polite" });
    const outcome = h("td", {}, reasonSentence(a.reason));
    fill(action, actionButton({ class: "secondary", dataset: { email: a.email } }, ["Email again", h("span", { class: "visually-hidden" }, ` ${a.email}`)], errors, async () => {
      await resume(a.email);
      fill(outcome, h("span", { class: "accepted" }, "Emailed again from now on."));
      fill(action, "Done");
      announce(`${a.email} is emailed again`);
    }), " ", h("a", { href: `#/staff/holders?q=${enc(a.email)}` }, "Find the holder", h("span", { class: "visually-hidden" }, ` with ${a.email}`)), errors);
    return h("tr", { dataset: { email: a.email } }, h("td", { class: "address" }, a.email), outcome, h("td", {}, dateTime(a.since)), action);
  });
  const first = await list.first();
  view.append(...(first.length ? [wrap, list.more] : [h("p", { id: "no-undeliverable-emails" }, "We can email every address.")]));
}
