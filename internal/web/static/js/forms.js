// Form building, reading and error display. Every control gets a <label>,
// an optional hint and an error slot, both tied to it by aria-describedby;
// the API's SPEC §6 error details land next to the field they name, and a
// summary with links to those fields is announced at the top of the form.

import { h, nextId, fill, announce } from "./dom.js";
import problems from "./problems.js";
import { errorWords } from "./view.js";
import { api } from "./api.js";

/**
 * A labelled control. name is the API field path ("address.line1",
 * "activities[0].hours"); it is also data-field, which errors match.
 * opts: type (text, email, tel, date, datetime-local, number, textarea,
 * select, checkbox, file), value, hint, required, options [[value, text]]
 * (or [group label, [[value, text]]] for an optgroup),
 * autocomplete, inputmode, kind ("lines": one array item per line;
 * "decimal": a number), id, cls, attrs.
 */
export function field(label, name, opts = {}) {
  const id = opts.id || nextId(name.replace(/[^A-Za-z0-9]+/g, "-"));
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const describedBy = [opts.hint ? hintId : null, errId].filter(Boolean).join(" ");
  const common = {
    id, name, "aria-describedby": describedBy, required: opts.required || false,
    autocomplete: opts.autocomplete, inputmode: opts.inputmode, class: opts.cls,
    dataset: { field: name, ...(opts.kind ? { kind: opts.kind } : {}) }, ...(opts.attrs || {}),
  };
  const type = opts.type || "text";
  let control;
  if (type === "textarea") {
    control = h("textarea", { ...common, rows: opts.rows || 4 });
    control.value = opts.value ?? "";
  } else if (type === "select") {
    // An option is [value, text]; [label, [options]] is a group of them.
    const option = ([v, t]) => Array.isArray(t)
      ? h("optgroup", { label: v }, t.map(option))
      : h("option", { value: v, selected: String(opts.value ?? "") === String(v) }, t);
    control = h("select", common, (opts.options || []).map(option));
  } else if (type === "checkbox") {
    control = h("input", { ...common, type, checked: Boolean(opts.value) });
    return h("div", { class: "field" },
      h("div", { class: "choice" }, control, h("label", { for: id }, label)),
      opts.hint ? h("span", { class: "hint", id: hintId }, opts.hint) : null,
      h("span", { class: "error-text", id: errId }));
  } else {
    control = h("input", { ...common, type, value: opts.value ?? "" });
  }
  return h("div", { class: "field" },
    // A field needed only in one case says which ("needed to reject"),
    // rather than "optional" beside a rule that requires it.
    h("label", { for: id }, label, opts.required ? "" : h("span", { class: "hint-inline" }, ` (${opts.neededWhen || "optional"})`)),
    opts.hint ? h("span", { class: "hint", id: hintId }, opts.hint) : null,
    h("span", { class: "error-text", id: errId }),
    control);
}

/** A group of radio buttons in a fieldset with a legend; name is the field. */
export function radios(legend, name, choices, opts = {}) {
  const base = opts.id || nextId(name.replace(/[^A-Za-z0-9]+/g, "-"));
  const errId = `${base}-error`;
  const hintId = `${base}-hint`;
  return h("fieldset", { dataset: { group: name }, id: base, "aria-describedby": [opts.hint ? hintId : null, errId].filter(Boolean).join(" ") },
    h("legend", {}, legend),
    opts.hint ? h("span", { class: "hint", id: hintId }, opts.hint) : null,
    h("span", { class: "error-text", id: errId }),
    choices.map(([value, text], i) => {
      const id = `${base}-${i}`;
      return h("div", { class: "choice" },
        h("input", { type: "radio", id, name, value, checked: String(opts.value ?? "") === String(value), required: opts.required || false, dataset: { field: name } }),
        h("label", { for: id }, text));
    }));
}

/** A fieldset whose errors (e.g. "address") show under its legend. */
export function group(legend, name, ...children) {
  const id = nextId(name.replace(/[^A-Za-z0-9]+/g, "-"));
  return h("fieldset", { dataset: { group: name }, id, "aria-describedby": `${id}-error` },
    h("legend", {}, legend),
    h("span", { class: "error-text", id: `${id}-error` }),
    children);
}

/** The address fields under prefix ("address", "contact.address"). */
export function addressFields(prefix, value = {}, required = true) {
  const v = value || {};
  // An address that may be left out is all or nothing: its required lines
  // say so rather than "optional".
  const needed = required ? {} : { neededWhen: "needed for an address" };
  const f = group("Address", prefix,
    required ? null : h("p", { class: "hint" }, "You can leave the whole address out."),
    field("Street address", `${prefix}.line1`, { value: v.line1, required, autocomplete: "address-line1", ...needed }),
    field("Address line 2", `${prefix}.line2`, { value: v.line2, autocomplete: "address-line2" }),
    h("div", { class: "grid two" },
      field("Town or city", `${prefix}.city`, { value: v.city, required, autocomplete: "address-level2", ...needed }),
      field("State or region", `${prefix}.region`, { value: v.region, autocomplete: "address-level1" }),
      field("Postal code", `${prefix}.postalCode`, { value: v.postalCode, autocomplete: "postal-code", cls: "short" }),
      field("Country", `${prefix}.country`, { value: v.country, required, autocomplete: "country", cls: "short", kind: "country", hint: "Its two-letter code, such as US, or its name", ...needed })));
  // "United States", "USA", "us": the code the API takes, once typed.
  const country = f.querySelector(`[name="${prefix}.country"]`);
  country.addEventListener("change", () => { country.value = countryCode(country.value); });
  return f;
}

/**
 * The two-letter code of a country typed as its name ("United States"),
 * three-letter code (USA) or code in any case; the text itself when unknown
 * (the API says what is wrong with it).
 */
export function countryCode(text) {
  const t = String(text || "").trim();
  if (/^[A-Za-z]{2}$/.test(t)) return t.toUpperCase();
  const key = t.toLowerCase().replace(/[.\s]+/g, " ").trim();
  const aliases = { usa: "US", "u s a": "US", "u s": "US", "united states of america": "US", america: "US", can: "CA", gbr: "GB", uk: "GB", mex: "MX" };
  if (aliases[key]) return aliases[key];
  try {
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        if (name && name !== code && name.toLowerCase() === key) return code;
      }
    }
  } catch { /* no Intl.DisplayNames: the text as typed */ }
  return t;
}

/** A form with an error summary at the top and a submit button. */
export function form(attrs, children, submitText, extraButtons = []) {
  const summaryId = nextId("summary");
  const f = h("form", { novalidate: true, ...attrs, "aria-describedby": summaryId },
    h("div", { class: "summary", id: summaryId, tabindex: "-1", role: "alert" }),
    children,
    h("div", { class: "actions" }, h("button", { type: "submit" }, submitText), extraButtons));
  return f;
}

/** Splits "a.b[2].c" into ["a", "b", 2, "c"]. */
export function parsePath(path) {
  const out = [];
  for (const part of path.split(".")) {
    const m = part.match(/^([^[\]]*)((?:\[\d+\])*)$/);
    if (!m) { out.push(part); continue; }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function setPath(obj, path, value) {
  const keys = parsePath(path);
  let cur = obj;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) {
      cur[k] = value;
      return;
    }
    if (cur[k] === undefined) cur[k] = typeof keys[i + 1] === "number" ? [] : {};
    cur = cur[k];
  });
}

/** Drops empty strings and objects left empty, so optional parts stay out. */
function prune(v) {
  if (Array.isArray(v)) return v.map(prune).filter((x) => x !== undefined);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === "" ? undefined : v;
}

/**
 * The form's values as the API's JSON: names are field paths, checkboxes
 * booleans, data-kind="lines" arrays of non-empty lines, data-kind="decimal"
 * numbers (a value that is not a number is sent as text, for the server to
 * name the field); data-kind="manual" is left for the page to read. Empty
 * values are left out.
 */
export function readForm(formEl) {
  const out = {};
  for (const el of formEl.querySelectorAll("[data-field]")) {
    if (el.disabled || !el.name || el.type === "file" || el.dataset.kind === "manual") continue;
    let v;
    if (el.type === "checkbox") v = el.checked;
    else if (el.type === "radio") { if (!el.checked) continue; v = el.value; }
    else if (el.dataset.kind === "lines") v = el.value.split("\n").map((s) => s.trim()).filter(Boolean);
    else if (el.dataset.kind === "decimal") {
      const s = el.value.trim();
      v = s === "" ? "" : /^\d+(\.\d+)?$/.test(s) ? Number(s) : s;
    } else if (el.dataset.kind === "country") {
      v = countryCode(el.value);
    } else if (el.dataset.kind === "integer") {
      const s = el.value.trim();
      v = /^\d+$/.test(s) ? Number(s) : s;
    } else v = el.value.trim();
    setPath(out, el.name, v);
  }
  return prune(out) || {};
}

/** An error showErrors puts next to fields: details [{field, message}]. */
export function problem(details, message = "There is a problem") {
  return Object.assign(new Error(message), { details });
}

// No stricter than the API's check (a bare address at a dotted domain), so
// that the form never refuses an address the API would take.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Checks what a browser can see before sending: every required field
 * answered, every email address shaped like one. The problems are worded as
 * the API words them for operation ("POST /providers"), from problems.js,
 * and thrown all at once (for submitting to show). With send ({path, body}:
 * the request the form is about to make), the API is asked, when the
 * browser found something, to check the same request without writing
 * (checkOnly=true), and its problems on the other fields (a phone number,
 * a country code, hours over a limit) are thrown with them: one round.
 */
export async function precheck(formEl, operation, send) {
  const found = localProblems(formEl, operation);
  if (!found.length) return;
  if (send) {
    const [method, path] = [operation.split(" ")[0], send.path];
    try {
      await api(method, `${path}${path.includes("?") ? "&" : "?"}checkOnly=true`, { body: send.body });
    } catch (err) {
      if (err.status === 400) {
        // A field already said, or a group holding one or held by one
        // ("address" beside "address.city"), is not said twice.
        const norm = (f) => String(f || "").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
        const near = (a, b) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);
        for (const d of err.details) {
          const f = norm(d.field);
          if (!found.some((x) => near(x.field, f))) found.push({ ...d, field: f });
        }
      } // anything else (offline, say): the browser's own problems are enough for now
    }
  }
  throw problem(found);
}

function localProblems(formEl, operation) {
  const words = problems[operation] || {};
  const found = [];
  const seen = new Set();
  for (const el of formEl.querySelectorAll("[data-field]")) {
    if (el.disabled || !el.name || el.type === "file" || el.type === "checkbox" || seen.has(el.name)) continue;
    seen.add(el.name);
    const w = words[el.name.replace(/\[\d+\]/g, "[]")];
    if (!w) continue;
    const n = el.name.match(/\[(\d+)\]/);
    const say = (text) => text.replaceAll("{n}", n ? String(Number(n[1]) + 1) : "");
    const value = el.type === "radio"
      ? formEl.querySelector(`[data-field="${CSS.escape(el.name)}"]:checked`)?.value || ""
      : el.value.trim();
    if (value === "" && el.required) found.push({ field: el.name, code: "required", message: say(w.required) });
    else if (value !== "" && el.type === "email" && w.email && !EMAIL.test(value)) found.push({ field: el.name, code: "invalid_email", message: say(w.email) });
  }
  return found;
}

/** Clears every error the form shows. */
export function clearErrors(formEl) {
  for (const el of formEl.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of formEl.querySelectorAll(".has-error")) el.classList.remove("has-error");
  for (const el of formEl.querySelectorAll(".error-text")) el.textContent = "";
  const summary = formEl.querySelector(".summary");
  if (summary) summary.replaceChildren();
  if (!document.querySelector(".summary:not(:empty)")) document.title = document.title.replace(/^Error: /, "");
}

/** The control or group an error's field names, trying shorter paths. */
function target(formEl, fieldPath) {
  if (!fieldPath) return null;
  let p = fieldPath;
  for (;;) {
    const css = CSS.escape(p);
    const el = formEl.querySelector(`[data-group="${css}"]`) || formEl.querySelector(`[data-field="${css}"]`);
    if (el) return el;
    const shorter = p.replace(/(\[\d+\]|\.[^.[\]]+)$/, "");
    if (shorter === p || shorter === "") return null;
    p = shorter;
  }
}

function labelOf(el) {
  if (el.tagName === "FIELDSET") return el.querySelector("legend")?.textContent || "";
  if (el.type === "radio") return el.closest("fieldset")?.querySelector("legend")?.textContent || "";
  return el.labels?.[0]?.textContent.replace(/ \((?:optional|needed [^)]*)\)$/, "") || "";
}

/**
 * Shows an API error on the form: each detail next to its field (or group),
 * the rest in the summary, which lists every problem with a link to its
 * field and is focused and announced.
 */
export function showErrors(formEl, err) {
  clearErrors(formEl);
  const summary = formEl.querySelector(".summary");
  const items = [];
  const details = err.details && err.details.length ? err.details : [];
  const placed = []; // [element, summary item]: listed in the order of the form
  for (const d of details) {
    // The contract check names array items "activities.0.x"; forms use "activities[0].x".
    let el = target(formEl, d.field && d.field.replace(/\.(\d+)(?=\.|$)/g, "[$1]"));
    if (el && el.type === "radio") el = el.closest("fieldset");
    const message = d.message || d.code || "is invalid";
    if (el) {
      const label = labelOf(el);
      const text = /^[a-z]/.test(message) && label ? `${label} ${message}` : message;
      const box = el.tagName === "FIELDSET" ? el : el.closest(".field");
      const slot = box?.querySelector(":scope > .error-text, :scope .error-text");
      if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${text}` : text;
      box?.classList.add("has-error");
      if (el.tagName !== "FIELDSET") el.setAttribute("aria-invalid", "true");
      placed.push([el, h("li", {}, h("a", { href: `#${el.id}`, onclick: (e) => { e.preventDefault(); focusField(el); } }, text))]);
    } else {
      items.push(h("li", {}, message));
    }
  }
  placed.sort(([a], [b]) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : a === b ? 0 : 1));
  items.unshift(...placed.map(([, li]) => li));
  // GOV.UK's error summary: always this heading; a message that is more
  // than it (what was not done, and why) under it, then the list.
  const lead = err.message && err.message !== "There is a problem" ? err.message : "";
  if (summary) {
    fill(summary,
      h("h2", {}, "There is a problem"),
      lead ? h("p", {}, lead) : null,
      items.length ? h("ul", {}, items) : null);
    summary.focus();
  }
  if (!document.title.startsWith("Error: ")) document.title = `Error: ${document.title}`;
  announce(lead || "There is a problem");
}

function focusField(el) {
  const f = el.tagName === "FIELDSET" ? el.querySelector("input, select, textarea") || el : el;
  f.focus();
}

/**
 * Runs the form's submission: disables the submit button meanwhile, shows
 * an ApiError on the form, and anything else in its summary.
 */
export async function submitting(formEl, work) {
  const buttons = formEl.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  formEl.setAttribute("aria-busy", "true");
  try {
    clearErrors(formEl);
    return await work();
  } catch (err) {
    showErrors(formEl, err.details ? err : { message: errorWords(err).message, details: [] });
    return undefined;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    formEl.removeAttribute("aria-busy");
  }
}
