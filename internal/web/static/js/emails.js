// #/staff/emails: every email the system sends, and each as it will read
// with sample data (GET /emails, GET /emails/{name}): the association's
// own wording (policy/email) or as shipped
// (docs/reminders.md#the-associations-own-emails).

import { h, table, facts } from "./dom.js";
import { api } from "./api.js";
import { page } from "./view.js";

const wording = (own) => (own ? "The association's own" : "As shipped");

/** #/staff/emails: the list. */
export async function emailList(main) {
  const view = page(main, "Emails");
  const { emails } = await api("GET", "/emails");
  view.append(
    h("p", {}, "Every email the system sends. Open one to read it as it will arrive, filled with sample data."),
    h("p", { class: "hint" }, "To word an email differently, the association's own template goes in the policy's email folder (see the README there); it replaces the shipped one when the system is next deployed."),
    table("The emails", ["Email", "Who gets it", "Wording"], emails.map((e) => h("tr", { dataset: { email: e.name } },
      h("td", {}, h("a", { href: `#/staff/emails/${e.name}` }, e.title)),
      h("td", {}, e.to),
      h("td", {}, wording(e.own)))), { id: "emails-table" }));
}

/** #/staff/emails/<name>: one email with sample data. */
export async function emailPreview(main, { name }) {
  const e = await api("GET", `/emails/${encodeURIComponent(name)}`);
  const view = page(main, e.title);
  view.append(
    h("p", {}, h("a", { href: "#/staff/emails" }, "All emails")),
    facts([["Who gets it", e.to], ["Wording", wording(e.own)], ["Subject", h("strong", { id: "email-subject" }, e.subject)]]),
    h("p", { class: "hint" }, "Names, dates and amounts here are samples: each person's own fill them in."),
    h("h2", {}, "As text"),
    h("pre", { class: "email-text", id: "email-text" }, e.text),
    ...(e.html
      ? [h("h2", {}, "As HTML"),
        // Sandboxed: the email's HTML cannot run anything or reach the page.
        h("iframe", { class: "email-html", id: "email-html", title: `${e.title}, as HTML`, sandbox: "", srcdoc: e.html })]
      : [h("p", { id: "email-text-only" }, "This email is sent as text only.")]));
}
