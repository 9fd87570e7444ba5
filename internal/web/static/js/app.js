// The forms' shell: hash routes (so any static host serves them without
// rewrite rules), the navigation for the signed-in role, sign-in, and the
// local stack's tools.

import config from "../config.js";
import policy from "../policy.js";
import { h, fill, announce } from "./dom.js";
import { session, signOut, useRole, localSignIn, cognitoSignIn, finishCognitoSignIn, refreshRoles } from "./auth.js";

// Whether this page load asked the API for the person's roles again (once).
let rolesAsked = false;
// A person's roles come from their token and their own accounts (GET /me, auth.refreshRoles).
import { api } from "./api.js";
import { field, radios, form, submitting, showErrors, problem } from "./forms.js";
import { page, notice, errorNotice, failedPage, writeToOffice, go, returnedFromPayment } from "./view.js";
import { money } from "./fee.js";
import * as provider from "./provider.js";
import * as attendance from "./attendance.js";
import * as imports from "./imports.js";
import * as holder from "./holder.js";
import * as staff from "./staff.js";
import * as ledger from "./ledger.js";
import { dashboard } from "./dashboard.js";
import { calendar } from "./calendar.js";
import { checkBadge } from "./openbadge.js";
import { homes } from "./home.js";
import { undeliverablePage } from "./undeliverable.js";
import { emailPage, unsubscribePage } from "./emailprefs.js";
import { emailList, emailPreview } from "./emails.js";

const roleNames = { holder: "Credential holder", provider: "Provider", staff: "Association staff" };

/** Routes: path with :params, the role it needs, its nav label, its page. */
const routes = [
  { path: "/", render: home },
  { path: "/signin", render: signInPage, public: true },
  { path: "/calendar", render: calendar, public: true, nav: "CEC calendar" },
  { path: "/badges/check", render: checkBadge, public: true, nav: "Check a badge" },
  // An email's unsubscribe link: no sign-in.
  { path: "/unsubscribe/:token", render: unsubscribePage, public: true },
  // join: a signed-in person without the role may open it to get the role
  // (register the organisation, create the holder account).
  { path: "/provider", role: "provider", join: true, nav: "Organisation", render: provider.organisation },
  { path: "/provider/programs", role: "provider", nav: "Programs", render: provider.programList },
  { path: "/provider/programs/new", role: "provider", render: provider.programForm },
  { path: "/provider/programs/:id", role: "provider", render: provider.programDetail },
  { path: "/provider/programs/:id/edit", role: "provider", render: provider.programForm },
  { path: "/provider/programs/:id/attendance", role: "provider", render: attendance.attendance },
  { path: "/provider/programs/:id/attendance/:uploadId", role: "provider", render: attendance.attendance },
  { path: "/provider/programs/:id/attendance/offering/:offering", role: "provider", render: attendance.attendance },
  { path: "/provider/directory", role: "provider", nav: "Directory", render: provider.directory },
  { path: "/provider/email", role: "provider", nav: "Email reminders", render: emailPage("provider") },
  { path: "/holder", role: "holder", join: true, nav: "Profile", render: holder.profile },
  { path: "/holder/status", role: "holder", nav: "CEC status", render: holder.status },
  { path: "/holder/submit", role: "holder", nav: "Report CECs", render: holder.submit },
  { path: "/holder/renewal", role: "holder", nav: "Renewal", render: holder.renewal },
  { path: "/holder/email", role: "holder", nav: "Email reminders", render: emailPage("holder") },
  { path: "/staff/programs", role: "staff", nav: "Program reviews", render: staff.programs },
  { path: "/staff/submissions", role: "staff", nav: "CEC reviews", render: staff.submissions },
  { path: "/staff/holders", role: "staff", nav: "Holders", render: staff.holders },
  { path: "/staff/holders/:id", role: "staff", render: staff.holder },
  { path: "/staff/import", role: "staff", render: imports.importHolders },
  { path: "/staff/import/:importId", role: "staff", render: imports.importHolders },
  { path: "/staff/corrections", role: "staff", nav: "Corrections", render: staff.corrections },
  { path: "/staff/filing-fees", role: "staff", nav: "Filing fees", render: staff.filingFees },
  { path: "/staff/dashboard", role: "staff", nav: "Numbers", render: dashboard },
  { path: "/staff/payments", role: "staff", nav: "Payments", render: ledger.payments },
  { path: "/staff/payment-issues", role: "staff", nav: "Payment issues", render: ledger.paymentIssues },
  { path: "/staff/email", role: "staff", nav: "Unreachable email", render: undeliverablePage },
  { path: "/staff/emails", role: "staff", nav: "Emails", render: emailList },
  { path: "/staff/emails/:name", role: "staff", render: emailPreview },
  { path: "/staff/uploads/:id/:uploadId", role: "staff", render: attendance.staffUpload },
  { path: "/pay/:ref", signedIn: true, dev: true, render: payPage },
  // The payment provider's checkout returns here (paid or cancelled).
  { path: "/returned", public: true, render: () => { history.replaceState(null, "", returnedFromPayment()); window.dispatchEvent(new HashChangeEvent("hashchange")); } },
  { path: "/dev", dev: true, public: true, nav: "Local tools", render: devPage },
];

function match(path) {
  for (const r of routes) {
    const want = r.path.split("/");
    const got = path.split("/");
    if (want.length !== got.length) continue;
    const params = {};
    if (want.every((w, i) => (w.startsWith(":") ? ((params[w.slice(1)] = decodeURIComponent(got[i])), got[i] !== "") : w === got[i]))) {
      return { route: r, params };
    }
  }
  return null;
}

function currentPath() {
  const hash = window.location.hash || "#/";
  if (!hash.startsWith("#/")) return null;
  return hash.slice(1).split("?")[0] || "/";
}


function navFor(s) {
  const items = routes.filter((r) => r.nav && (!r.dev || config.devTools) && (r.public || (s && r.role === s.role)));
  const path = currentPath();
  return h("ul", {}, items.map((r) =>
    h("li", {}, h("a", { href: `#${r.path}`, "aria-current": path === r.path || (r.path !== "/" && path?.startsWith(r.path + "/") && r.path.split("/").length > 2) ? "page" : false }, r.nav))));
}

/**
 * The association's colours (policy.js; the policy holds them to WCAG's
 * contrast minimum): set on the page's custom properties, which app.css
 * reads, so that another association's portal wears its own.
 */
function applyColours() {
  const c = policy.association.colours || {};
  if (c.accent) document.documentElement.style.setProperty("--accent", c.accent);
  if (c.accentText) document.documentElement.style.setProperty("--accent-ink", c.accentText);
}
applyColours();

function header() {
  const s = session();
  // The logo, if the association has one, beside the name it stands for
  // (so its text alternative is empty: the name follows).
  fill(document.getElementById("brand"),
    policy.association.logo ? h("img", { src: policy.association.logo, alt: "", class: "logo" }) : null,
    policy.association.shortName ? `${policy.association.shortName} CEC portal` : "CEC portal");
  fill(document.getElementById("nav"), navFor(s));
  const who = document.getElementById("who");
  if (!s) {
    fill(who, h("a", { href: "#/signin" }, "Sign in"));
    return;
  }
  const roleControl = s.roles.length > 1
    ? h("label", {}, "Acting as ", h("select", { id: "role-switch", onchange: (e) => { useRole(e.target.value); go("#/"); } },
      s.roles.map((r) => h("option", { value: r, selected: r === s.role }, roleNames[r] || r))))
    : h("span", { id: "signed-in-role" }, roleNames[s.role] || "No account yet");
  fill(who,
    h("span", {}, "Signed in as ", h("strong", { id: "signed-in-as" }, s.email || s.sub)),
    roleControl,
    h("button", { type: "button", class: "secondary", id: "sign-out", onclick: () => { signOut(); go("#/signin"); announce("Signed out"); } }, "Sign out"));
}

async function render() {
  const main = document.getElementById("main");
  const path = currentPath();
  if (path === null) return; // an in-page anchor such as the skip link
  header();
  const m = match(path);
  if (!m || (m.route.dev && !config.devTools)) {
    const view = page(main, "Page not found");
    view.append(h("p", {}, "There is no such page. ", h("a", { href: "#/" }, "Go to the start page.")));
    main.dataset.rendered = path;
    return;
  }
  let s = session();
  if (!m.route.public && (m.route.role || m.route.signedIn) && !s) {
    sessionStorage.setItem("cecportal.after", window.location.hash);
    go("#/signin");
    return;
  }
  if (m.route.role && s && !s.roles.includes(m.route.role) && !rolesAsked) {
    // An account made in another tab, or a /me that failed at sign-in: ask
    // once more before saying the page is not for this person.
    rolesAsked = true;
    s = (await refreshRoles()) || s;
    header();
  }
  if (m.route.role && s && s.role !== m.route.role && s.roles.includes(m.route.role)) {
    useRole(m.route.role); // a person with both accounts acts as the page needs
    header();
  }
  if (m.route.role && s && !s.roles.includes(m.route.role) && !m.route.join) {
    const view = page(main, "Not for this role");
    const whom = { holder: "credential holders", provider: "providers", staff: "the association's staff" }[m.route.role];
    view.append(notice(`This page is for ${whom}. You are signed in ${s.role ? `as ${roleNames[s.role].toLowerCase()}` : "without an account here yet"}.`, "warn", { id: "wrong-role" }),
      m.route.role === "staff"
        ? h("p", {}, "The association's office gives staff access. ", h("a", { href: "#/" }, "Go to the start page"))
        : h("p", {}, h("a", { href: m.route.role === "holder" ? "#/holder" : "#/provider" },
          m.route.role === "holder" ? "Create your holder account" : "Register your organisation"), " to use it."));
    main.dataset.rendered = path;
    return;
  }
  main.removeAttribute("data-rendered");
  try {
    await m.route.render(main, m.params, go);
  } catch (err) {
    failedPage(main, err);
  }
  // Scripts and tests wait for this: the page has its content.
  if (currentPath() === path) main.dataset.rendered = path;
}

async function home(main) {
  const s = session();
  const view = page(main, policy.association.name ? `${policy.association.name}: CEC portal` : "CEC portal", { bare: true });
  if (!s) {
    view.append(h("p", {}, "Apply for CEC approval of your programs, report attendance, follow your CECs and renew your credentials."),
      h("p", {}, h("a", { class: "button", href: "#/signin" }, "Sign in")));
    return;
  }
  if (!s.role) {
    // Signed up, nothing created yet: what the person can become, at once.
    view.append(h("section", { id: "get-started", "aria-labelledby": "get-started-heading" },
      h("h2", { id: "get-started-heading" }, "What would you like to do?"),
      h("ul", { class: "choices" },
        h("li", {}, h("a", { href: "#/holder", id: "start-holder" }, "Follow your CECs and renew your credentials"),
          h("p", { class: "hint" }, "Create your holder account: a free guest account, which the association's office marks as a member account when you are one.")),
        h("li", {}, h("a", { href: "#/provider", id: "start-provider" }, "Apply for CEC approval of your programs"),
          h("p", { class: "hint" }, "Register your organisation once; then apply for approval and report attendance."))),
      h("p", {}, "You can do both with the same sign-in. The association's staff are given their access by the office: ", writeToOffice(), " if you work there.")));
    return;
  }
  // What needs doing, and by when, for the role signed in.
  await homes[s.role]?.(view);
  // The other account a person may open for themselves, with the same sign-in.
  const also = [["holder", "#/holder", "also-holder", "Create your holder account"], ["provider", "#/provider", "also-provider", "Register your organisation"]]
    .filter(([role]) => !s.roles.includes(role) && s.role !== "staff");
  if (also.length) {
    view.append(h("p", { id: "also" }, "With the same sign-in you can also ",
      also.map(([, href, id, text], i) => [i ? " or " : "", h("a", { href, id }, text.charAt(0).toLowerCase() + text.slice(1))]), "."));
  }
}

function signInPage(main) {
  const view = page(main, "Sign in");
  const after = sessionStorage.getItem("cecportal.after") || "";
  const landing = (role) => (after && role && after.startsWith(`#/${role}`) ? after : { holder: "#/holder", provider: "#/provider", staff: "#/staff/programs" }[role] || "#/");
  if (config.signIn === "cognito") {
    view.append(h("p", {}, `You sign in with your ${policy.association.shortName || "association"} account.`),
      h("p", {}, h("button", { type: "button", id: "cognito-sign-in", onclick: () => cognitoSignIn(after || "#/") }, "Sign in or create an account")),
      h("p", {}, h("a", { href: "#", id: "forgot-password", onclick: (e) => { e.preventDefault(); cognitoSignIn(after || "#/", "forgotPassword"); } },
        "Forgot your password?"), " You choose a new one on the sign-in page, then come back here."));
    return;
  }
  view.append(notice("Local stack only: pick who you are. The token comes from /dev/token; in AWS people sign in through Cognito.", ""));
  const f = form({ id: "signin-form" }, [
    radios("Sign in as", "role", [["holder", "Credential holder (practitioner)"], ["provider", "Provider (runs programs)"], ["staff", "Association staff"],
      ["", "A new person, signed up a moment ago (no account yet)"]],
      { value: "holder", required: true }),
    field("User name", "sub", { required: true, autocomplete: "username", hint: "Any name: the same name signs you in to the same account again." }),
    field("Email", "email", { type: "email", autocomplete: "email" }),
  ], "Sign in");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const role = f.querySelector("input[name=role]:checked")?.value || "";
    const sub = f.elements.sub.value.trim();
    const email = f.elements.email.value.trim();
    if (!sub) {
      showErrors(f, problem([{ field: "sub", message: "Enter a user name" }]));
      return;
    }
    submitting(f, async () => {
      await localSignIn(role, sub, email);
      sessionStorage.removeItem("cecportal.after");
      announce("Signed in");
      go(landing(role));
    });
  });
  view.append(f);
}

/** Local only: the payment simulator's checkout page. */
async function payPage(main, { ref }) {
  const view = page(main, "Pay (local payment simulator)");
  const pending = JSON.parse(sessionStorage.getItem(`cecportal.checkout.${ref}`) || "null");
  view.append(notice("This stands in for the payment provider's checkout page on the local stack. Nothing is charged.", ""),
    pending ? h("dl", { class: "facts" }, h("dt", {}, "Amount"), h("dd", { id: "pay-amount" }, money(pending.amountCents, pending.currency)),
      h("dt", {}, "Invoice"), h("dd", {}, pending.invoiceId), h("dt", {}, "Reference"), h("dd", {}, ref)) : h("p", {}, `Reference ${ref}`));
  const result = h("div", { id: "pay-result", "aria-live": "polite" });
  const pay = async (outcome, button) => {
    button.disabled = true;
    fill(result, notice("Waiting for the payment provider…"));
    try {
      const r = await api("POST", `/dev/payments/${encodeURIComponent(ref)}/${outcome}`, { auth: false });
      const paid = r.status === "paid" || r.feeStatus === "paid" || r.status === "in_review";
      fill(result, notice(outcome === "succeed" ? (paid ? "Payment received. Thank you." : `Payment recorded: ${r.status}`) : "The payment failed. You can try again.", paid ? "ok" : "warn"),
        pending?.back ? h("p", {}, h("a", { href: pending.back, id: "pay-back" }, "Back to where you were")) : null);
    } catch (err) {
      errorNotice(result, err);
    } finally {
      button.disabled = false;
    }
  };
  const okBtn = h("button", { type: "button", id: "pay-succeed" }, "Pay now");
  const failBtn = h("button", { type: "button", class: "secondary", id: "pay-fail" }, "Simulate a failed payment");
  okBtn.addEventListener("click", () => pay("succeed", okBtn));
  failBtn.addEventListener("click", () => pay("fail", failBtn));
  view.append(h("div", { class: "actions" }, okBtn, failBtn), result);
}

/** Local only: the stack's clock, scheduled jobs and outbox. */
async function devPage(main) {
  const view = page(main, "Local tools");
  view.append(notice("These exist on the local stack only (never deployed).", ""));
  const clockNow = h("p", { id: "clock-now" });
  const showClock = async () => {
    try {
      const c = await api("GET", "/dev/clock", { auth: false });
      fill(clockNow, `The stack's clock reads ${c.now}`, c.offsetSeconds ? ` (${Math.round(c.offsetSeconds / 86400)} days from real time)` : " (real time)");
    } catch (err) { errorNotice(clockNow, err); }
  };
  const clockForm = form({ id: "clock-form" }, [
    field("Set the clock to", "now", { required: true, hint: "RFC 3339 with an offset, such as 2027-01-05T10:00:00-05:00. Business rules follow this clock.", autocomplete: "off" }),
  ], "Set the clock", [h("button", { type: "button", class: "secondary", id: "clock-reset", onclick: async () => {
    await submitting(clockForm, async () => { await api("PUT", "/dev/clock", { auth: false, body: { now: null } }); await showClock(); announce("Clock reset to real time"); });
  } }, "Back to real time")]);
  clockForm.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(clockForm, async () => {
      const now = clockForm.elements.now.value.trim();
      try {
        await api("PUT", "/dev/clock", { auth: false, body: { now } });
      } catch (err) {
        err.details = [{ field: "now", message: err.message }];
        throw err;
      }
      await showClock();
      announce("Clock set");
    });
  });
  const jobResult = h("div", { id: "job-result", "aria-live": "polite" });
  const job = (name, text) => h("button", { type: "button", class: "secondary", id: `job-${name}`, onclick: async () => {
    try {
      await api("POST", `/dev/run/${name}`, { auth: false });
      fill(jobResult, notice(`${text}: done. The daily jobs do their work in pieces, in the background: give it a few seconds.`, "ok"));
    } catch (err) { errorNotice(jobResult, err); }
  } }, text);
  view.append(h("h2", {}, "Clock"), clockNow, clockForm,
    h("h2", {}, "Scheduled jobs"),
    h("p", {}, "Run a daily job now, as of the stack's clock."),
    h("div", { class: "actions" }, job("renewal-invoices", "Issue renewal invoices"), job("reminders", "Send reminders"), job("outbox-relay", "Relay the outbox")),
    jobResult,
    h("h2", {}, "Emails"),
    h("p", {}, h("a", { href: "/dev/outbox?format=html" }, "Open the local outbox"), " to read every email the stack sent."));
  await showClock();
}

async function start() {
  window.addEventListener("hashchange", render);
  window.addEventListener("cecportal:session", header);
  document.querySelector(".skip")?.addEventListener("click", (e) => {
    e.preventDefault();
    document.getElementById("main").focus();
  });
  try {
    // Back from the hosted UI: the address is already the page to return to.
    await finishCognitoSignIn();
  } catch (err) {
    header();
    const view = page(document.getElementById("main"), "Sign-in failed");
    console.error(err);
    view.append(notice("We could not finish signing you in. Nothing was changed: try again.", "warn", { id: "sign-in-failed" }));
    view.append(h("p", {}, h("a", { href: "#/signin" }, "Try again")));
    document.documentElement.dataset.ready = "true";
    return;
  }
  await render();
  document.documentElement.dataset.ready = "true";
}

start();
