// The reminders a person gets by email (docs/reminders.md#choosing-reminders):
// #/holder/email and #/provider/email, where a holder or a provider ticks
// the ones they want; and #/unsubscribe/<token>, where an email's own
// unsubscribe link leads, which works without signing in. Receipts,
// invoices and decisions always come: the pages say so.

import { h, fill, announce } from "./dom.js";
import { api } from "./api.js";
import { form, submitting } from "./forms.js";
import { page, notice, confirmation } from "./view.js";

const paths = { holder: "/holders/me/email-preferences", provider: "/providers/me/email-preferences" };
const pages = { holder: "#/holder/email", provider: "#/provider/email" };

/** One reminder's checkbox: its name, and when it comes as its hint. */
function choice(c) {
  const id = `reminder-${c.code}`;
  return h("div", { class: "choice" },
    h("input", { type: "checkbox", id, value: c.code, checked: c.on, "aria-describedby": `${id}-hint` }),
    h("div", {}, h("label", { for: id }, c.name), h("span", { class: "hint", id: `${id}-hint` }, c.hint)));
}

/** #/holder/email or #/provider/email: audience's reminders, to tick. */
export function emailPage(audience) {
  return async (main) => {
    const view = page(main, "Email reminders");
    const prefs = await api("GET", paths[audience]);
    const holder = audience === "holder";
    const f = form({ id: "email-form" }, [
      h("fieldset", { dataset: { group: "off" }, id: "email-choices", "aria-describedby": "email-choices-hint email-choices-error" },
        h("legend", {}, holder ? "Which reminders do you want?" : "Which reminders does your organisation want?"),
        h("span", { class: "hint", id: "email-choices-hint" }, "Untick a reminder to stop it. You can tick it again at any time."),
        h("span", { class: "error-text", id: "email-choices-error" }),
        prefs.choices.map(choice)),
    ], "Save my choices");
    const saved = h("div", { "aria-live": "polite", id: "email-saved" });
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      saved.replaceChildren();
      submitting(f, async () => {
        const off = [...f.querySelectorAll("input[type=checkbox]")].filter((x) => !x.checked).map((x) => x.value);
        const now = await api("PUT", paths[audience], { body: { off } });
        const on = now.choices.filter((c) => c.on).length;
        fill(saved, notice(on === 0
          ? "Your choices are saved. We will send no reminders; receipts, invoices and decisions still come by email."
          : `Your choices are saved. We will send the ${on === 1 ? "reminder" : `${on} reminders`} you ticked, and no others.`,
        "ok", { tabindex: "-1", id: "email-saved-notice" }));
        saved.firstChild.focus({ preventScroll: true });
        saved.scrollIntoView({ block: "start" });
        announce("Your choices are saved");
      });
    });
    view.append(
      h("p", {}, holder
        ? "We email you reminders before your renewal is due and while you still need CECs. Choose the ones you want."
        : "We email your organisation reminders about attendance to report and fees to pay. Choose the ones you want."),
      h("p", {}, holder
        ? "Receipts, invoices and the association's decisions always come by email."
        : "Invoices, receipts and the association's decisions about your programs always come by email."),
      saved, f);
  };
}

/** #/unsubscribe/<token>: what an email's link stops, and the button that stops it. */
export async function unsubscribePage(main, { token }) {
  const view = page(main, "Stop email reminders");
  let link;
  try {
    link = await api("GET", `/unsubscribe/${encodeURIComponent(token)}`, { auth: false });
  } catch (err) {
    // A link cut short or changed: refused as malformed (400) or unknown (404).
    if (err.status !== 404 && err.status !== 400) throw err;
    view.append(
      notice("This link does not work. It may have been cut short when it was copied.", "warn", { id: "link-not-valid" }),
      h("p", {}, "Copy the whole link from the email, or ", h("a", { href: "#/signin" }, "sign in"),
        " and choose your reminders on the Email reminders page."));
    return;
  }
  const account = pages[link.audience];
  const manage = h("p", {}, "To choose all your reminders, ", h("a", { href: "#/signin" }, "sign in"), " and open ",
    h("a", { href: account }, "Email reminders"), ".");
  if (link.off) {
    view.append(notice(`You no longer get the reminder “${link.topic.name}”.`, "ok", { id: "already-off" }), manage);
    return;
  }
  const stop = form({ id: "unsubscribe-form" }, [
    h("p", {}, "You will no longer get this reminder by email:"),
    h("p", {}, h("strong", { id: "reminder-name" }, link.topic.name), h("br"), h("span", { class: "hint" }, link.topic.hint)),
  ], "Stop this reminder");
  stop.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(stop, async () => {
      await api("POST", `/unsubscribe/${encodeURIComponent(token)}`, { auth: false });
      stop.remove();
      confirmation(view, {
        id: "unsubscribed", title: "You will no longer get this reminder",
        next: `We will not email you “${link.topic.name}” again. Receipts, invoices and decisions still come by email. You can turn the reminder back on at any time: sign in and open Email reminders.`,
      });
    });
  });
  view.append(stop, manage);
}
