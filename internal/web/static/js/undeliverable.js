// Email addresses we cannot reach (docs/operations.md#email-that-does-not-arrive):
// an address whose mailbox refused our email for good, or whose person
// reported it as spam, is no longer emailed. What a holder, a provider and
// staff read of it, and the way back.

import { h, fill, announce, table } from "./dom.js";
import { api, pageQuery } from "./api.js";
import { page, notice, date, dateTime, actionButton, writeToOffice, pagedList } from "./view.js";

/** Why a mailbox refused our email, in words (the API's reason). */
const refusal = {
  no_mailbox: "the address does not exist",
  refused: "the mail server that receives it refuses our email",
  suppressed: "earlier emails to it failed, so our email service stopped sending to it",
};

/** The reason as a sentence for staff: "The address does not exist." */
export function reasonSentence(reason) {
  const text = reason === "complaint" ? "our email to it was reported as spam" : refusal[reason] || "our emails do not reach it";
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

const enc = encodeURIComponent;

/** Starts emailing address again (staff: any; anyone else: their own). */
function resume(address) {
  return api("POST", "/undeliverable-emails/resume", { body: { email: address } });
}

/**
 * The warning on a holder's or a provider's home page when their address
 * is not emailed: what happened and since when, what they miss and where
 * to find it instead, and the way back. whose: "holder" (their own
 * address, which they can change) or "provider" (the organisation's, which
 * the office changes).
 */
export function cannotEmail(mark, whose) {
  const holder = whose === "holder";
  const whom = holder ? "you" : "your organisation";
  const since = date(mark.since.slice(0, 10));
  const complaint = mark.reason === "complaint";
  const errors = h("div", { "aria-live": "polite" });
  const elsewhere = holder
    ? ["Your ", h("a", { href: "#/holder/status" }, "CEC status"), " and ", h("a", { href: "#/holder/renewal" }, "renewal"), " pages show what you owe and what you have paid."]
    : ["Your ", h("a", { href: "#/provider/programs" }, "programs"), " pages show every decision, invoice and filing fee."];
  const box = h("section", { class: "notice warn", id: "cannot-email", "aria-labelledby": "cannot-email-heading" },
    h("h2", { id: "cannot-email-heading" }, complaint ? `We have stopped emailing ${whom} at ${mark.email}`
      : `We cannot email ${whom} at ${mark.email}`),
    h("p", {}, {
      complaint: `On ${since} our email to this address was marked as spam, so we stopped sending to it.`,
      no_mailbox: `Since ${since} our emails to this address have come back: the address does not exist.`,
      suppressed: `Since ${since} our emails to this address have failed, so our email service stopped sending to it.`,
    }[mark.reason] || `Since ${since} the mailbox has refused our emails.`),
    h("p", {}, "Until this is put right we send it nothing: no reminders, receipts or decisions. ", elsewhere),
    h("p", {}, complaint ? "If you want our emails again:" : "If the mailbox works again:"),
    h("p", {}, actionButton({ id: "email-me-again" }, holder ? "Email me again" : "Email this address again", errors, async () => {
      await resume(mark.email);
      const done = notice([`We will email ${whom} at ${mark.email} again. If our emails still do not arrive, `,
        holder ? h("a", { href: "#/holder" }, "use another address") : ["ask the association's office to change it: ", writeToOffice()], "."],
      "ok", { id: "emailing-again", tabindex: "-1" });
      box.replaceWith(done);
      done.focus();
      announce(`We will email ${mark.email} again`);
    })),
    holder
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
  const out = h("div", { id: "record-email-undeliverable" });
  const errors = h("span", { "aria-live": "polite" });
  fill(out, email, h("br"), h("strong", { class: "rejected" }, "Not emailed: "),
    `${reasonSentence(mark.reason)} Since ${dateTime(mark.since)}.`,
    h("div", { class: "actions" }, actionButton({ class: "secondary", id: "record-email-again" }, "Email this address again", errors, async () => {
      await resume(mark.email);
      const done = h("span", { class: "accepted", tabindex: "-1", id: "record-emailed-again" }, "Emailed again from now on.");
      fill(out, email, h("br"), done);
      done.focus();
      announce(`${email} is emailed again`);
    })), errors);
  return out;
}

/**
 * Whose the address is, as far as staff can look it up: the holder whose
 * account it is (staff's directory finds holders by email), else "not a
 * holder's" (an organisation's, or an account since changed).
 */
async function ownerOf(cell, email) {
  try {
    const res = await api("GET", `/directory?${pageQuery({ q: email, limit: "1" })}`);
    const x = res.entries[0];
    fill(cell, x ? h("a", { href: `#/staff/holders/${enc(x.holderId)}` }, `${x.firstName} ${x.lastName} `, h("span", { class: "nowrap" }, `(${x.holderId})`))
      : "No holder account has it: an organisation's, or an address since changed");
  } catch {
    fill(cell, "Not known");
  }
}

/** #/staff/email: every address not emailed, the latest first. */
export async function undeliverablePage(main) {
  const view = page(main, "Unreachable email addresses");
  view.append(h("p", {}, "Addresses whose mail server refused our email for good, or from which our email was reported as spam, the latest first. ",
    "We send them nothing until they are emailed again: the person can do that on their home page, or you here once they tell you their mailbox works. ",
    "A new address on their account is emailed at once."));
  const wrap = table("Unreachable addresses, the latest first", ["Address", "Whose", "Why", "Since", "Status"], [], { id: "undeliverable-emails" });
  const list = pagedList(wrap.querySelector("tbody"), async (cursor) => {
    const res = await api("GET", `/undeliverable-emails?${pageQuery({ limit: "50" }, cursor)}`);
    return { items: res.addresses, nextCursor: res.nextCursor };
  }, (a) => {
    const status = h("td", {});
    const errors = h("div", { "aria-live": "polite" });
    const whose = h("td", {}, "Looking…");
    ownerOf(whose, a.email);
    fill(status, "Not emailed ", actionButton({ class: "secondary nowrap", dataset: { email: a.email } },
      ["Email again", h("span", { class: "visually-hidden" }, ` ${a.email}`)], errors, async () => {
        await resume(a.email);
        const done = h("span", { class: "accepted", tabindex: "-1" }, "Emailed again from now on");
        fill(status, done);
        done.focus();
        announce(`${a.email} is emailed again`);
      }), errors);
    return h("tr", { dataset: { email: a.email } }, h("td", {}, a.email), whose, h("td", {}, reasonSentence(a.reason)), h("td", {}, date(a.since.slice(0, 10))), status);
  });
  const first = await list.first();
  view.append(...(first.length ? [wrap, list.more] : [h("p", { id: "no-undeliverable-emails" }, "We can email every address.")]));
}
