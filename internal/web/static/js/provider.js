// The provider's pages: registration, program applications with the fee
// preview, the program list and detail (status, fee, history), payment,
// and the directory (attendance reporting is attendance.js).

import policy from "../policy.js";
import { h, fill, announce, table, facts } from "./dom.js";
import { api, getOrNull, pageQuery, serverNow, sentence, capital } from "./api.js";
import { session, refreshRoles } from "./auth.js";
import { field, radios, group, addressFields, form, readForm, submitting, problem, showErrors, precheck, clearErrors } from "./forms.js";
import problems from "./problems.js";
import { page, notice, writeToOffice, dateTime, programStatusText, formatText, badge, words, invoiceStatusText, sleep, go, startPayment, actionButton, pagedList, confirmNext, showConfirmed, confirmation, offeringsOf, allOfferings } from "./view.js";
import { previewFee, zonedToRFC3339, rfc3339ToZoned, money, cecText } from "./fee.js";
import { pdfButton } from "./download.js";

const enc = encodeURIComponent;

/** #/provider: the caller's organisation, or the registration form. */
export async function organisation(main) {
  const view = page(main, "Your organisation");
  const p = await getOrNull("/providers/me");
  if (p) {
    // No route changes a provider's details yet (programs keep the name and
    // email they were applied with): the way to change them is the office.
    view.append(showProvider(p),
      h("p", { id: "change-provider-details" }, "To change these details, ", writeToOffice(), " with your provider ID."),
      h("p", {}, h("a", { class: "button", href: "#/provider/programs" }, "Your programs")));
    return;
  }
  view.append(h("p", {}, "Register your organisation once to apply for CEC approval of its programs."));
  const f = form({ id: "provider-form" }, [
    field("Organisation name", "name", { required: true, autocomplete: "organization" }),
    field("Contact person", "contactName", { required: true, autocomplete: "name" }),
    field("Email", "email", { type: "email", required: true, autocomplete: "email" }),
    field("Phone", "phone", { type: "tel", required: true, autocomplete: "tel", hint: "Such as +1 202 555 0142" }),
    addressFields("address"),
  ], "Register");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const body = readForm(f);
      await precheck(f, "POST /providers", { path: "/providers", body });
      const created = await api("POST", "/providers", { body });
      await refreshRoles("provider"); // a provider from now on: every provider page opens
      announce(`Registered. Your provider ID is ${created.providerId}.`);
      fill(view, showProvider(created), h("p", {}, h("a", { class: "button", href: "#/provider/programs/new" }, "Apply for a program")));
      confirmation(view, { id: "provider-registered", title: "Your organisation is registered", reference: created.providerId,
        next: `Registered. Your provider ID is ${created.providerId}. Apply for CEC approval of each program you run: `
          + "the application fee is invoiced when you submit, and the association's office reviews the application once it is paid." });
    });
  });
  view.append(f);
}

function showProvider(p) {
  const a = p.address || {};
  return facts([
    ["Provider ID", h("span", { id: "provider-id" }, p.providerId)],
    ["Name", p.name],
    ["Contact", p.contactName],
    ["Email", p.email],
    ["Phone", p.phone],
    ["Address", [a.line1, a.line2, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(", ")],
  ]);
}

/** #/provider/programs: the caller's programs with status and fee. */
export async function programList(main) {
  const view = page(main, "Your programs");
  view.append(h("p", {}, h("a", { class: "button", href: "#/provider/programs/new", id: "new-program" }, "Apply for a new program")));
  const rows = table("Applications, newest first", ["Program", "Starts", { text: "Status", outcome: true }, "Fee"], [], { id: "program-list" });
  const body = rows.querySelector("tbody");
  const list = pagedList(body, async (cursor) => {
    const res = await api("GET", `/programs?${pageQuery({ limit: "50" }, cursor)}`);
    return { items: res.programs, nextCursor: res.nextCursor };
  }, (p) => h("tr", { dataset: { programId: p.programId } },
    h("td", {}, h("a", { href: `#/provider/programs/${enc(p.programId)}` }, p.title || "(untitled draft)")),
    h("td", {}, ...(() => {
      // The first offering still on (a refused one is not the program's start), and how many more.
      const [first, ...rest] = offeringsOf(p);
      return first ? [dateTime(first.startsAt, first.timeZone), rest.length ? ` and ${rest.length} more ${rest.length === 1 ? "offering" : "offerings"}` : ""] : ["—"];
    })()),
    h("td", {}, badge(programStatusText(p.status), p.status)),
    h("td", {}, p.fee ? `${money(p.fee.amountCents, p.fee.currency)} (${p.fee.status === "paid" ? "paid" : "open"})` : "—")));
  view.append(rows, list.more);
  try {
    await list.first();
  } catch (err) {
    if (err.code !== "provider_not_found") throw err;
    fill(view, notice("Register your organisation first.", "warn"), h("p", {}, h("a", { href: "#/provider" }, "Register")));
    return;
  }
  if (!body.children.length) body.append(h("tr", {}, h("td", { colspan: "4" }, "No applications yet.")));
}

// The zones most programs are held in: the United States', east to west.
const usZones = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
  "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico"];

/** "Central Time (Chicago)" for America/Chicago: how people know a zone. */
function zoneLabel(z) {
  let generic = "";
  try {
    generic = new Intl.DateTimeFormat("en-US", { timeZone: z, timeZoneName: "longGeneric" }).formatToParts(new Date())
      .find((x) => x.type === "timeZoneName")?.value || "";
  } catch { /* an unknown zone: its name alone */ }
  const city = z.split("/").pop().replaceAll("_", " ");
  if (!generic || generic.startsWith("GMT")) return z.replaceAll("_", " ");
  return generic.includes(`(${city})`) ? generic : `${generic} (${city})`; // "Mountain Time (Inuvik)" names its city already
}

/**
 * Time zones as [zone, label] pairs: the association's first, then the
 * United States', then every other zone the browser knows, by name.
 */
function timeZones() {
  let all = [];
  try { all = Intl.supportedValuesOf("timeZone"); } catch { all = []; }
  const first = [policy.association.timeZone, ...usZones.filter((z) => z !== policy.association.timeZone)];
  // The rest grouped by region and sorted by their names, so that a person
  // can scan for "Europe" and then "Berlin".
  const rest = all.filter((z) => !first.includes(z));
  const regions = [...new Set(rest.map((z) => z.split("/")[0]))].sort();
  return [["The association's and the United States' time zones", first.map((z) => [z, zoneLabel(z)])],
    ...regions.map((r) => [r.replaceAll("_", " "), rest.filter((z) => z.split("/")[0] === r)
      .map((z) => [z, zoneLabel(z)]).sort((a, b) => a[1].localeCompare(b[1]))])];
}

/** How many offerings one application may list (the API's limit). */
const MAX_OFFERINGS = 20;

/** The application form's label of each field the API names. */
const fieldLabels = {
  title: "Title", description: "Description", format: "Format", startsAt: "Starts", endsAt: "Ends", timeZone: "Time zone",
  location: "Location", url: "Web address", contactHours: "Contact hours", objectives: "Learning objectives", instructors: "Instructors",
};

/** The words for an offering's fields ("Offering 2, end: must be after the start"). */
const offeringLabels = { startsAt: "start", endsAt: "end", timeZone: "time zone", location: "location", url: "web address" };

/** A problem of an application in words: "Description is required to submit", "Learning objectives, line 2: ...". */
function problemText(x) {
  // "moreOfferings[0].startsAt" is offering 2's start.
  const o = /^moreOfferings\[(\d+)\]\.([A-Za-z]+)$/.exec(x.field || "");
  if (o && offeringLabels[o[2]]) {
    const label = `Offering ${Number(o[1]) + 2}, ${offeringLabels[o[2]]}`;
    return /^[a-z]/.test(x.message) ? `${label} ${x.message}` : `${label}: ${x.message}`;
  }
  const m = /^([A-Za-z]+)(?:\[(\d+)\])?/.exec(x.field || "");
  const label = m && fieldLabels[m[1]] ? fieldLabels[m[1]] + (m[2] !== undefined ? `, line ${Number(m[2]) + 1}` : "") : "";
  if (!label) return x.message;
  return /^[a-z]/.test(x.message) ? `${label} ${x.message}` : `${label}: ${x.message}`;
}

/** #/provider/programs/new and #/provider/programs/:id/edit: the application form. */
export async function programForm(main, { id }) {
  const view = page(main, id ? "Edit the application" : "Apply for CEC approval");
  let p = {};
  if (id) p = await api("GET", `/programs/${enc(id)}`);
  // Where the form says what became of a "Save and submit" that did not submit.
  const saved = h("div", { id: "program-saved", "aria-live": "polite" });
  view.append(saved);
  const now = await serverNow();
  const tz = p.timeZone || policy.association.timeZone;
  const pr = policy.programs;
  // Offering 1's labels say so (to screen readers and in the error summary) once there are several.
  const first = (text) => [h("span", { class: "visually-hidden first-offering-number" }), text];
  const f = form({ id: "program-form" }, [
    field("Title", "title", { value: p.title, required: true }),
    field("Description", "description", { type: "textarea", value: p.description, required: true }),
    radios("Format", "format", [["in_person", "In person"], ["live_online", "Live online"], ["recorded", "Recorded"]], { value: p.format, required: true }),
    group(h("span", { id: "first-offering-legend" }, "When and where"), "when",
      h("div", { class: "grid two" },
        field(first("Starts"), "startsAt", { type: "datetime-local", value: rfc3339ToZoned(p.startsAt, tz), required: true, kind: "manual", hint: "Local time at the program" }),
        field(first("Ends"), "endsAt", { type: "datetime-local", value: rfc3339ToZoned(p.endsAt, tz), required: true, kind: "manual", hint: "Local time at the program" })),
      field(first("Time zone"), "timeZone", { type: "select", value: tz, options: timeZones(), required: true }),
      field(first("Location"), "location", { value: p.location, hint: "Venue and address", neededWhen: "needed for a program in person" }),
      field(first("Web address"), "url", { type: "url", value: p.url, hint: "Where to attend, such as https://example.org/course", inputmode: "url", neededWhen: "needed for a program online or recorded" })),
    h("div", { id: "more-offerings" }),
    h("div", { class: "field" },
      h("button", { type: "button", class: "secondary", id: "add-offering" }, "Add another offering"),
      h("span", { class: "hint", id: "add-offering-hint" },
        `The same program held again at another time or place (up to ${MAX_OFFERINGS} offerings in one application). The fee counts every offering.`)),
    field("Contact hours (CECs requested)", "contactHours", { value: p.contactHours ? String(p.contactHours) : "", kind: "decimal", inputmode: "decimal", required: true, cls: "short",
      hint: `1 CEC = 1 hour of education, meals and breaks excluded; ${pr.minContactHours} to ${pr.maxContactHours}, at most two decimals` }),
    h("div", { class: "fee", id: "fee-preview", "aria-live": "polite", "aria-atomic": "true" }),
    field("Learning objectives", "objectives", { type: "textarea", value: (p.objectives || []).join("\n"), kind: "lines", required: true, hint: "One per line" }),
    field("Instructors", "instructors", { type: "textarea", value: (p.instructors || []).join("\n"), kind: "lines", required: true, hint: "One name per line", rows: 3 }),
    field("Addresses legislative or regulatory compliance", "compliance", { type: "checkbox", value: p.compliance }),
    field("List it on the public CEC calendar once approved", "calendarOptIn", { type: "checkbox", value: p.calendarOptIn }),
  ], "Save and submit for approval", [h("button", { type: "submit", class: "secondary", name: "action", value: "save", id: "save-draft" }, "Save as draft")]);
  f.querySelector(".actions button:first-child").id = "submit-program";

  const preview = f.querySelector("#fee-preview");
  const more = f.querySelector("#more-offerings");
  const addButton = f.querySelector("#add-offering");
  // Offering n's controls: the first offering's are at the top of the
  // form, offering n ≥ 2's under moreOfferings[n-2] (as the API names them).
  const control = (n, name) => f.elements[n === 1 ? name : `moreOfferings[${n - 2}].${name}`];
  const offeringCount = () => 1 + more.children.length;
  const startOf = (n) => zonedToRFC3339(control(n, "startsAt").value, control(n, "timeZone").value);
  const updateFee = () => {
    const count = offeringCount();
    const several = count > 1;
    const name = (n) => (several ? `Offering ${n}` : "The program");
    // A start typed half reads as empty (validity.badInput): no fee of an earlier value stays.
    const half = [...Array(count).keys()].map((i) => i + 1).filter((n) => control(n, "startsAt").validity.badInput);
    if (half.length) {
      fill(preview, h("strong", {}, "Application fee: "), `enter ${several ? `offering ${half[0]}'s` : "the"} start date and time in full to see it.`);
      return;
    }
    if (previewFee(pr, policy.association.timeZone, f.elements.contactHours.value, now.toISOString(), now) === null) {
      fill(preview, h("strong", {}, "Application fee: "), `enter the contact hours and ${several ? "every offering's" : "the"} start to see it.`);
      return;
    }
    const lines = [];
    const started = [];
    for (let n = 1; n <= count; n++) {
      const start = startOf(n);
      const fee = previewFee(pr, policy.association.timeZone, f.elements.contactHours.value, start, now);
      if (!fee) {
        fill(preview, h("strong", {}, "Application fee: "), several
          ? `enter the contact hours and every offering's start to see it (offering ${n}'s is missing).`
          : "enter the contact hours and the start to see it.");
        return;
      }
      if (new Date(start) <= now) started.push(n);
      else lines.push({ n, fee });
    }
    if (!lines.length) {
      // Refused when submitted: no fee would be invoiced, so none is shown.
      fill(preview, h("strong", { class: "rejected", id: "fee-started" }, several ? "Every offering has already started: " : "The program has already started: "),
        "an application for it is not considered, and no fee is invoiced. Check the start date and time.");
      return;
    }
    const currency = lines[0].fee.currency;
    const total = lines.reduce((sum, l) => sum + l.fee.amountCents, 0);
    const cecs = (fee) => `${cecText(fee.cecsHundredths)} CEC${fee.cecsHundredths === 100 ? "" : "s"}`;
    const when = (l) => l.fee.late
      ? h("span", { class: "rejected fee-late", id: lines.length === 1 && !several ? "fee-late" : null },
        `Includes the late fee of ${money(pr.lateFeePerCecCents, currency)} per CEC: ${several ? `offering ${l.n} starts` : "the program starts"} in ${l.fee.daysBefore} days (${pr.lateWithinDays} or fewer).`)
      : h("span", { class: "fee-on-time", id: lines.length === 1 && !several ? "fee-on-time" : null }, `On time: ${several ? `offering ${l.n} starts` : "the program starts"} in ${l.fee.daysBefore} days.`);
    const rate = (l) => `${cecs(l.fee)} × ${money(l.fee.perCecCents, currency)} per CEC`;
    fill(preview,
      h("strong", {}, "Application fee if you submit today: "), h("span", { id: "fee-amount" }, money(total, currency)),
      several ? "." : ` (${rate(lines[0])}).`,
      several
        ? h("ul", { id: "fee-lines" }, lines.map((l) => h("li", {}, `${name(l.n)}: ${money(l.fee.amountCents, currency)} (${rate(l)}). `, when(l))))
        : [h("br"), when(lines[0])],
      started.length ? h("p", { class: "rejected", id: "fee-started" }, started.length === 1
        ? `Offering ${started[0]} has already started. It will not be considered and you will not be charged for it. Change its dates or remove it.`
        : `Offerings ${started.slice(0, -1).join(", ")} and ${started.at(-1)} have already started. They will not be considered and you will not be charged for them. Change their dates or remove them.`) : null,
      pr.refundable ? "" : " The fee is not refundable.");
  };
  const watch = (n) => {
    for (const name of ["startsAt", "timeZone"]) {
      control(n, name).addEventListener("input", updateFee);
      control(n, name).addEventListener("change", updateFee);
    }
    // Clearing one part of the date (Backspace) fires no input event in every browser.
    control(n, "startsAt").addEventListener("keyup", updateFee);
    control(n, "startsAt").addEventListener("blur", updateFee);
  };
  /** Numbers the offerings' fieldsets in order, after one is removed. */
  const renumber = () => {
    [...more.children].forEach((set, i) => {
      const n = i + 2;
      set.dataset.group = `moreOfferings[${i}]`;
      set.querySelector("legend").textContent = `Offering ${n}`;
      for (const el of set.querySelectorAll("[data-field]")) {
        el.name = el.dataset.field = el.dataset.field.replace(/^moreOfferings\[\d+\]/, `moreOfferings[${i}]`);
      }
      for (const el of set.querySelectorAll(".offering-number")) el.textContent = `Offering ${n}: `;
      set.querySelector(".remove-offering").textContent = `Remove offering ${n}`;
    });
    fill(f.querySelector("#first-offering-legend"), more.children.length ? "Offering 1" : "When and where");
    for (const el of f.querySelectorAll(".first-offering-number")) el.textContent = more.children.length ? "Offering 1: " : "";
    addButton.hidden = offeringCount() >= MAX_OFFERINGS;
  };
  let nextOffering = 0;
  const addOffering = (o = {}, focus = false) => {
    const i = more.children.length;
    const zone = o.timeZone || f.elements.timeZone.value || policy.association.timeZone;
    // The labels say which offering, for the error summary and screen
    // readers; the fieldset's legend says it to the eye.
    const label = (text) => [h("span", { class: "visually-hidden offering-number" }, `Offering ${i + 2}: `), text];
    const prefix = `moreOfferings[${i}].`;
    const errorId = `offering-error-${nextOffering++}`; // stays with the fieldset as it is renumbered
    const set = h("fieldset", { class: "offering", dataset: { group: `moreOfferings[${i}]` }, "aria-describedby": errorId },
      h("legend", {}, `Offering ${i + 2}`),
      h("span", { class: "error-text", id: errorId }),
      h("div", { class: "grid two" },
        field(label("Starts"), `${prefix}startsAt`, { type: "datetime-local", value: rfc3339ToZoned(o.startsAt, zone), required: true, kind: "manual", hint: "Local time at the offering" }),
        field(label("Ends"), `${prefix}endsAt`, { type: "datetime-local", value: rfc3339ToZoned(o.endsAt, zone), required: true, kind: "manual", hint: "Local time at the offering" })),
      field(label("Time zone"), `${prefix}timeZone`, { type: "select", value: zone, options: timeZones(), required: true }),
      field(label("Location"), `${prefix}location`, { value: o.location ?? f.elements.location.value, hint: "Venue and address", neededWhen: "needed for a program in person" }),
      field(label("Web address"), `${prefix}url`, { type: "url", value: o.url ?? f.elements.url.value, inputmode: "url", neededWhen: "needed for a program online or recorded" }),
      h("button", { type: "button", class: "secondary remove-offering" }, `Remove offering ${i + 2}`));
    set.querySelector(".remove-offering").addEventListener("click", () => {
      clearErrors(f); // their words name offerings by numbers that change now
      set.remove();
      renumber();
      updateFee();
      announce("Offering removed");
      addButton.focus();
    });
    more.append(set);
    watch(i + 2);
    renumber();
    if (focus) set.querySelector("input").focus();
  };
  addButton.addEventListener("click", () => {
    addOffering({}, true);
    updateFee();
    announce(`Offering ${offeringCount()} added`);
  });
  for (const o of p.moreOfferings || []) addOffering(o);
  for (const name of ["contactHours"]) {
    f.elements[name].addEventListener("input", updateFee);
    f.elements[name].addEventListener("change", updateFee);
  }
  watch(1);
  updateFee();

  let current = id; // the draft the form edits, once there is one
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const submit = e.submitter?.value !== "save";
    submitting(f, async () => {
      const body = readForm(f);
      // "zoom.us/j/123": a web address without its scheme is taken as https.
      if (body.url && !/^[a-z][a-z0-9+.-]*:/i.test(body.url) && /^[^\s/]+\.[^\s/]+/.test(body.url)) {
        body.url = `https://${body.url}`;
        f.elements.url.value = body.url;
      }
      const details = [];
      const labels = problems["POST /programs"];
      const count = offeringCount();
      // Offering n's fields: its path, the words for it, and its values in body.
      const at = (n, name) => (n === 1 ? name : `moreOfferings[${n - 2}].${name}`);
      const labelOf = (n, name) => (n === 1 ? labels[name].label : `offering ${n}'s ${labels[name].label.replace(/^the /, "")}`);
      // Each further offering read from its own fieldset, so that an empty
      // one keeps its place (and the numbers of those after it).
      body.moreOfferings = [...more.children].map((_, i) => Object.fromEntries(["timeZone", "location", "url"]
        .map((name) => [name, control(i + 2, name).value.trim()]).filter(([, v]) => v)));
      const values = (n) => (n === 1 ? body : body.moreOfferings[n - 2]);
      for (let n = 1; n <= count; n++) {
        for (const name of ["startsAt", "endsAt"]) {
          const el = control(n, name);
          const label = labelOf(n, name);
          // A date and time half typed reads as empty; a year typed with the
          // time's digits after it (Chromium's year takes six) reads as year
          // 202709: both are asked for again rather than sent or dropped.
          if (el.validity.badInput || (el.value && !/^\d{4}-/.test(el.value))) {
            details.push({ field: at(n, name), message: `Enter ${label} in full, with a four-digit year` });
            continue;
          }
          if (!el.value) continue;
          const zone = control(n, "timeZone").value;
          if (!zone) { // the wall clock means nothing without it
            if (!details.some((d) => d.field === at(n, "timeZone"))) details.push({ field: at(n, "timeZone"), message: `Choose ${labelOf(n, "timeZone")}` });
            continue;
          }
          const v = zonedToRFC3339(el.value, zone);
          if (v) values(n)[name] = v;
          else details.push({ field: at(n, name), message: `Enter ${label} in full, with a four-digit year` });
        }
      }
      // What else the API checks in any draft, found here too so that it
      // shows with the dates' problems rather than after them.
      const hours = Number(body.contactHours);
      if (body.contactHours !== undefined && body.contactHours !== "" && Number.isNaN(hours)) {
        details.push({ field: "contactHours", message: `Enter ${labels.contactHours.label} as a number, like 3` });
      } else if (body.contactHours !== undefined && (hours < Number(pr.minContactHours) || hours > Number(pr.maxContactHours))) {
        details.push({ field: "contactHours", message: `${capital(labels.contactHours.label)} must be from ${pr.minContactHours} to ${pr.maxContactHours}` });
      }
      for (let n = 1; n <= count; n++) {
        const o = values(n);
        // "zoom.us/j/123": a web address without its scheme is taken as https.
        if (n > 1 && o.url && !/^[a-z][a-z0-9+.-]*:/i.test(o.url) && /^[^\s/]+\.[^\s/]+/.test(o.url)) {
          o.url = `https://${o.url}`;
          control(n, "url").value = o.url;
        }
        if (o.startsAt && o.endsAt && !details.some((d) => d.field === at(n, "endsAt")) && new Date(o.endsAt) <= new Date(o.startsAt)) {
          details.push({ field: at(n, "endsAt"), message: `${capital(labelOf(n, "endsAt"))} must be after the start` });
        }
        if (o.url && !/^https?:\/\/[^\s/?#]+\.[^\s/?#]+/i.test(o.url)) {
          details.push({ field: at(n, "url"), message: `${capital(labelOf(n, "url"))} must start with https:// (or http://) and name a site, like https://example.org/course` });
        }
      }
      // Submitting needs what the API's submission check needs (422
      // application_incomplete), in its words: found here, with the rest,
      // nothing is saved or sent until the form is complete. A draft needs
      // a title, so that it can be told from another.
      const need = submit
        ? ["title", "description", "format", "startsAt", "endsAt", "timeZone", "contactHours", "objectives", "instructors",
          body.format === "in_person" ? "location" : body.format ? "url" : ""]
        : ["title"];
      for (const name of need.filter(Boolean)) {
        const v = body[name];
        if ((v === undefined || v === "" || (Array.isArray(v) && !v.length)) && !details.some((d) => d.field === name)) {
          details.push({ field: name, message: labels[name].required });
        }
      }
      // Every other offering needs its own dates and place to submit.
      for (let n = 2; submit && n <= count; n++) {
        const o = values(n);
        for (const name of ["startsAt", "endsAt", "timeZone", body.format === "in_person" ? "location" : body.format ? "url" : ""].filter(Boolean)) {
          if (!o[name] && !details.some((d) => d.field === at(n, name))) {
            details.push({ field: at(n, name), message: `${name === "timeZone" ? "Choose" : "Enter"} ${labelOf(n, name)}` });
          }
        }
      }
      if (details.length) throw problem(details);
      for (const k of ["objectives", "instructors"]) if (!body[k]) body[k] = [];
      let draft;
      if (current) draft = await api("PUT", `/programs/${enc(current)}`, { body });
      else draft = await api("POST", "/programs", { body });
      if (submit) {
        try {
          await api("POST", `/programs/${enc(draft.programId)}/submit`);
        } catch (err) {
          if (err.code !== "application_incomplete") throw err;
          // Checked at once and not submitted: the content is saved as a
          // draft, and the form goes on editing that draft, so that the
          // next try submits it rather than a second application.
          if (!current) {
            current = draft.programId;
            history.replaceState(null, "", `#/provider/programs/${enc(current)}/edit`);
            fill(main.querySelector("h1"), "Edit the application");
            document.title = "Edit the application · CEC portal";
          }
          fill(saved, notice(["Saved as a draft (", h("a", { href: `#/provider/programs/${enc(current)}` }, current),
            "), not submitted: nothing was sent for approval and no fee was invoiced. Correct the problems below, then submit it again."],
          "", { id: "program-not-submitted" }));
          err.message = "The application was not submitted: correct these first";
          throw err;
        }
        announce("Submitted for approval");
        confirmNext({ id: "program-submitted", title: "Application submitted", reference: draft.programId,
          next: "The association checks it and invoices the application fee, usually within a minute: this page follows it. "
            + "Once you have paid the fee, the association's office reviews the application, and you get an email with their decision." });
      } else {
        announce("Draft saved");
        confirmNext({ id: "draft-saved", title: "Draft saved", reference: draft.programId,
          next: "Nothing was sent for approval yet. Edit it whenever you like, and submit it when it is complete." });
      }
      go(`#/provider/programs/${enc(draft.programId)}`);
    });
  });
  view.append(f);
  if (p.problems && p.problems.length) {
    // A refused application (or a draft edited since): its problems on their fields.
    showErrors(f, { message: "When it was last submitted, the application was not accepted. Correct these, then submit it again:", details: p.problems });
  }
}

const busy = ["submitted", "paid"];

/** Who changed a program's status, as its provider reads it (the API gives an account's ID). */
function changedBy(x) {
  if (x.by === "system") return "The portal, automatically";
  return x.to === "approved" || x.to === "rejected" ? "The association's office" : "Your organisation";
}

/**
 * Why a program's status changed, in words: the portal's own steps by the
 * status they led to (the API keeps a note for its log), the reasons
 * people wrote (a refusal's problems, staff's decision) as they are.
 */
function whyText(x, p) {
  const note = x.reason || "";
  switch (x.to) {
    case "draft":
      if (note === "created") return "Application started";
      if (note.startsWith("copied from ")) return `Copied from ${note.slice("copied from ".length)}`;
      return "Changed to be corrected";
    case "submitted":
      return "Submitted for approval";
    case "fee_due":
      return p.fee ? `Application fee invoiced: ${money(p.fee.amountCents, p.fee.currency)} for ${(p.fee.offerings || []).length > 1
        ? `${p.contactHours} CECs × ${p.fee.offerings.length} offerings` : `${p.fee.cecs} CECs`}` : "Application fee invoiced";
    case "paid": {
      const ref = /\(([^()]+)\)$/.exec(note);
      return `Application fee paid${ref ? `, payment reference ${ref[1]}` : ""}`;
    }
    case "in_review":
      return "Sent to the association's office for review";
    default:
      return note ? sentence(note) : "";
  }
}

/** #/provider/programs/:id: one program with status, fee, history and what to do next. */
export async function programDetail(main, { id }) {
  const view = page(main, "Program");
  const out = h("div", { id: "program-detail" });
  view.append(out);
  const p = await api("GET", `/programs/${enc(id)}`);
  draw(out, p);
  showConfirmed(view);
  followStatus(out, p);
}

/** Validation, invoicing and settlement run asynchronously: follow them while the page is open. */
async function followStatus(out, p) {
  const deadline = Date.now() + 60000;
  while (busy.includes(p.status) && out.isConnected && Date.now() < deadline) {
    await sleep(500);
    let next;
    try {
      next = await api("GET", `/programs/${enc(p.programId)}`);
    } catch {
      continue;
    }
    if (next.status !== p.status) {
      p = next;
      if (!out.isConnected) return;
      draw(out, p);
      announce(`Status: ${programStatusText(p.status)}`);
    }
  }
}

/** The last transition of p into status, if any. */
function lastMove(p, status) {
  return [...(p.history || [])].reverse().find((x) => x.to === status);
}


/** What happened to the application, why, and what the provider can do next. */
function outcome(p) {
  const fee = p.fee ? money(p.fee.amountCents, p.fee.currency) : "";
  const box = (kind, title, ...body) => notice([h("h2", {}, title), ...body], kind, { id: "program-outcome", class: `notice ${kind} outcome` });
  switch (p.status) {
    case "draft":
      return box("", "Not submitted yet",
        h("p", {}, "Nothing has been sent for approval. Check the application, then submit it: it is checked at once, and invoiced when it is complete."));
    case "submitted":
      return box("", "Submitted: being checked", h("p", {}, "The application fee invoice follows in a moment; this page updates itself."));
    case "refused": {
      const when = lastMove(p, "refused");
      return box("warn", "Not accepted: the application needs correcting",
        h("p", {}, `When it was checked${when ? ` (${dateTime(when.at)})` : ""}, the application had these problems:`),
        h("ul", { id: "program-problems" }, (p.problems || []).map((x) => h("li", {}, problemText(x)))),
        h("p", {}, "What you can do: correct the application, then submit it again. No fee was invoiced for it."));
    }
    case "fee_due":
      return box("", "Waiting for the application fee",
        h("p", {}, `Pay the application fee of ${fee} to send the application to the association's review.`));
    case "paid":
    case "in_review":
      return box("", "In the association's review",
        h("p", {}, "The fee is paid. The association's staff review the application and decide; you will get an email with their decision."));
    case "approved": {
      const when = lastMove(p, "approved");
      return box("ok", "Approved",
        h("p", {}, `The association approved this program${when ? ` on ${dateTime(when.at)}` : ""}.`),
        h("p", {}, "What you can do next: report attendance once it is held, so that the attendees are credited; to offer it again on other dates, copy it into a new application."));
    }
    case "rejected": {
      const when = lastMove(p, "rejected");
      return box("warn", "Not approved",
        h("p", {}, `The association's staff rejected this application${when ? ` on ${dateTime(when.at)}` : ""}. Their reason:`),
        h("blockquote", { id: "rejection-reason" }, when?.reason || "No reason was recorded."),
        h("p", {}, "A rejection is final for this application. What you can do: copy it into a new application, change what the reason asks for, "
          + `and submit that one; it is checked, invoiced and reviewed like any other${policy.programs.refundable ? "" : ", and the fee paid for this one is not refunded"}.`),
        h("p", {}, "To ask about the decision, ", writeToOffice(), "."));
    }
    default:
      return null;
  }
}

/** The problems a submission was refused for, with a way to correct them. */
function notSubmitted(p, err) {
  return notice([h("h2", {}, "Not submitted: the application is not ready yet"),
    h("ul", { id: "submit-problems" }, err.details.map((x) => h("li", {}, problemText(x)))),
    h("p", {}, h("a", { href: `#/provider/programs/${enc(p.programId)}/edit` }, "Correct the application"),
      ", then submit it. Nothing was sent for approval and no fee was invoiced.")], "warn", { id: "program-not-submitted" });
}

/** Every offering of a program: when, where, and whether it was refused by itself. */
function offeringsTable(p) {
  return table("Each offering of the program, with its own dates and place", ["Offering", "Starts", "Ends", "Where", "Status"],
    allOfferings(p).map((o) => h("tr", { dataset: { offering: String(o.n) } },
      h("td", {}, String(o.n)),
      h("td", {}, dateTime(o.startsAt, o.timeZone), o.timeZone ? h("br") : null, o.timeZone ? h("span", { class: "hint" }, zoneLabel(o.timeZone)) : null),
      h("td", {}, dateTime(o.endsAt, o.timeZone)),
      h("td", {}, o.location || o.url || "—"),
      h("td", {}, o.refused !== undefined
        ? h("span", { class: "rejected" }, "Not considered: it had already started when you submitted the application")
        : ["draft", "refused"].includes(p.status) ? "Not submitted yet"
          : p.status === "rejected" ? "Rejected with the application" : "Going ahead"))), { id: "program-offerings" });
}

function draw(out, p) {
  const tz = p.timeZone;
  const several = (p.moreOfferings || []).length > 0;
  const actions = h("div", { class: "actions" });
  const result = h("div", { "aria-live": "polite" });
  const enc_ = enc(p.programId);
  if (p.status === "draft" || p.status === "refused") {
    actions.append(h("a", { class: `button${p.status === "refused" ? "" : " secondary"}`, href: `#/provider/programs/${enc_}/edit`, id: "edit-program" },
      p.status === "refused" ? "Correct the application" : "Edit"));
  }
  if (p.status === "draft") {
    actions.append(actionButton({ id: "submit-program" }, "Submit for approval", result, async () => {
      try {
        await api("POST", `/programs/${enc_}/submit`);
      } catch (err) {
        if (err.code !== "application_incomplete") throw err;
        fill(result, notSubmitted(p, err));
        result.querySelector("h2").setAttribute("tabindex", "-1");
        result.querySelector("h2").focus();
        out.querySelector("#submit-program").disabled = false;
        return;
      }
      go(`#/provider/programs/${enc_}`);
    }));
  }
  if (p.status === "fee_due") {
    actions.append(actionButton({ id: "pay-fee" }, `Pay the fee (${money(p.fee.amountCents, p.fee.currency)})`, result, async () => {
      const co = await api("POST", `/programs/${enc_}/checkout`);
      startPayment(co, `#/provider/programs/${enc_}`);
    }));
  }
  const copy = (cls) => actionButton({ class: cls, id: "copy-program" }, "Copy into a new application", result, async () => {
    const cp = await api("POST", `/programs/${enc_}/copy`);
    go(`#/provider/programs/${enc(cp.programId)}/edit`);
  });
  if (p.status === "approved") {
    actions.append(h("a", { class: "button", href: `#/provider/programs/${enc_}/attendance`, id: "report-attendance" }, "Report attendance"), copy("secondary"));
  }
  if (p.status === "rejected") actions.append(copy(""));
  fill(out,
    h("h2", { id: "program-title" }, p.title || "(untitled draft)"),
    h("p", {}, "Status: ", h("strong", { id: "program-status", dataset: { status: p.status } }, programStatusText(p.status)),
      busy.includes(p.status) ? " (updating…)" : ""),
    outcome(p),
    actions, result,
    facts([
      ["Program ID", h("span", { id: "program-id" }, p.programId)],
      ["Format", formatText(p.format)],
      ...(several ? [] : [
        ["Starts", dateTime(p.startsAt, tz)],
        ["Ends", dateTime(p.endsAt, tz)],
        ["Time zone", tz ? zoneLabel(tz) : "—"],
        p.location ? ["Location", p.location] : null,
        p.url ? ["Web address", p.url] : null]),
      ["Contact hours", several ? `${p.contactHours || "—"} per offering` : String(p.contactHours || "—")],
      ["Compliance", p.compliance ? "Yes" : "No"],
      ["Public calendar", p.calendarOptIn ? "Yes" : "No"],
      p.copiedFrom ? ["Copied from", p.copiedFrom] : null,
    ]),
    several ? [h("h2", {}, "Offerings"), offeringsTable(p)] : null,
    h("h2", {}, "Application fee"),
    p.fee ? facts([
      ["Amount", h("span", { id: "fee-amount" }, money(p.fee.amountCents, p.fee.currency))],
      ...((p.fee.offerings || []).length > 1
        ? [["Offerings invoiced", h("ul", { id: "fee-lines" }, p.fee.offerings.map((l) => h("li", {},
          `Offering ${l.offering}: ${money(l.amountCents, p.fee.currency)} (${p.contactHours} CECs × ${money(l.perCecCents, p.fee.currency)}, submitted ${l.daysBefore} days before it starts${l.late ? ", late fee included" : ""})`)))]]
        : [["Rate", `${p.fee.cecs} CECs × ${money(p.fee.perCecCents, p.fee.currency)}${p.fee.late ? " (late fee included)" : ""}`],
          ["Submitted", `${p.fee.daysBefore} days before the start`]]),
      ["Status", h("span", { id: "fee-status", dataset: { status: p.fee.status } }, p.fee.status === "paid" ? `Paid ${p.fee.paidAt ? dateTime(p.fee.paidAt) : ""}` : invoiceStatusText[p.fee.status] || words(p.fee.status))],
      ["Invoice", p.fee.invoiceId],
    ], { id: "fee-facts" }) : h("p", {}, "No invoice yet: it is issued once the submitted application passes its checks."),
    p.fee?.status === "paid" ? feeReceiptButton(p) : null,
    h("h2", {}, "History"),
    table("Every change of status, oldest first", ["When", "From", "To", "By", "Why"],
      (p.history || []).map((x) => h("tr", {}, h("td", {}, dateTime(x.at)), h("td", {}, x.from ? programStatusText(x.from) : "—"),
        h("td", { dataset: { status: x.to } }, programStatusText(x.to)), h("td", {}, changedBy(x)), h("td", {}, whyText(x, p)))), { id: "program-history" }),
    h("p", {}, h("a", { href: "#/provider/programs" }, "All your programs")));
}

/** The download of a paid fee's receipt, with its own place for an error. */
function feeReceiptButton(p) {
  const errors = h("div", { "aria-live": "polite" });
  const b = pdfButton({ class: "secondary", id: "download-fee-receipt" }, "Download the receipt (PDF)", errors,
    `/programs/${encodeURIComponent(p.programId)}/fee/receipt`, `receipt-${p.fee.invoiceId}.pdf`);
  return h("div", { class: "actions" }, b, errors);
}

/**
 * A directory search form with its results a page at a time; onPick(entry),
 * when given, adds a "Use" button per result; href(entry), when given,
 * makes each holder ID a link there.
 */
export function directorySearch(onPick, { href, q } = {}) {
  const staffSearch = session()?.role === "staff"; // staff also find by email, and unlisted holders
  const results = h("div", { class: "directory-results" });
  const f = form({ class: "directory-form" }, [
    field(staffSearch ? "Last name, holder ID, email or member number" : "Last name or holder ID", "q", { type: "search", required: true,
      hint: staffSearch ? "At least two letters of a last name; you find every holder, listed in the directory or not" : "At least two letters" }),
  ], "Search", []);
  const row = (x) => h("tr", { dataset: { holderId: x.holderId } },
    h("td", {}, href ? h("a", { href: href(x) }, x.holderId) : x.holderId), h("td", {}, `${x.firstName} ${x.lastName}`), h("td", {}, x.credentials.join(", ") || "—", x.lapsed ? " (lapsed: renewal not paid)" : ""), h("td", {}, words(x.membership)),
    onPick ? h("td", {}, h("button", { type: "button", class: "secondary", dataset: { holderId: x.holderId }, onclick: () => onPick(x) }, `Use ${x.holderId}`)) : null);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const q = f.elements.q.value.trim();
      const found = table("Found", ["Holder ID", "Name", "Credentials", "Membership", ...(onPick ? ["Use"] : [])], []);
      const caption = found.querySelector("caption");
      const list = pagedList(found.querySelector("tbody"), async (cursor) => {
        const res = await api("GET", `/directory?${pageQuery({ q }, cursor)}`);
        return { items: res.entries, nextCursor: res.nextCursor };
      }, row, (shown, more) => fill(caption, more ? `The first ${shown} found` : `${shown} found`));
      const first = await list.first();
      fill(results, first.length ? [found, list.more] : h("p", {}, "Nobody found."));
      announce(first.length ? caption.textContent : "Nobody found");
    });
  });
  if (q) {
    f.elements.q.value = q;
    queueMicrotask(() => f.requestSubmit()); // once the page holds the form
  }
  return h("div", {}, f, results);
}

/** #/provider/directory: the practitioner directory. */
export async function directory(main) {
  const view = page(main, "Practitioner directory");
  view.append(h("p", {}, "Find attendees' holder IDs by last name or ID. The directory shows names, credentials and membership only."), directorySearch(null));
}

