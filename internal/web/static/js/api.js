// The HTTP API client: JSON in and out, the caller's token, and SPEC §6
// errors turned into ApiError with their field details.

import config from "../config.js";
import { session, signOut } from "./auth.js";

/**
 * What a person reads when the API refuses, by the answer's code: the API's
 * own message is for API clients and may name routes, IDs or states.
 * Codes not listed keep the API's message when it is a sentence, or read
 * as their status (below).
 */
export const plainWords = {
  program_not_found: "We could not find that program. Check the link you followed, or find the program under Programs at the top of the page.",
  submission_not_found: "We could not find that submission. Check the link, or open it from your list.",
  upload_not_found: "We could not find that upload of the roster. Open it from the list of past uploads.",
  import_not_found: "We could not find that import. Open it from the list of past imports.",
  invoice_not_found: "We could not find that invoice.",
  holder_not_found: "There is no holder with that ID. Check the ID and try again.",
  renewal_not_found: "There is no renewal invoice for that year yet.",
  provider_not_found: "Your organisation is not registered yet. Register it first.",
  route_not_found: "This page asked for something the service does not have. Check the link, or start again from the start page.",
  forbidden: "Your account cannot do this. Sign in with the account that can.",
  unauthenticated: "Sign in to continue.",
  conflict: "Others were changing the same record at that moment. Nothing was saved: try again.",
  illegal_transition: "This can no longer be done: it changed since the page was shown. Reload the page to see where it stands.",
  not_decided: "Only an approved or rejected program can be copied.",
  program_not_approved: "Attendance can be reported only for an approved program.",
  program_not_held: "Attendance can be reported once the program has started.",
  fee_not_due: "There is no fee to pay for this program now.",
  invoice_paid: "This renewal is already paid.",
  invoice_mismatch: "This payment does not belong to this invoice. Reload the page and try again.",
  email_taken: "Another holder account uses this email address. Use another one, or sign in with that account.",
  holder_exists: "You already have a holder account.",
  provider_exists: "You have already registered your organisation.",
  document_changed: "One of your files changed while you were submitting. Nothing was saved: submit again.",
  document_attached: "This file documents an activity you submitted, so it stays with that submission.",
  document_not_found: "We could not find that file. It may have been removed: attach it again.",
  submission_open: "You already have a submission for this renewal year waiting for review. You can submit more once it is decided.",
  not_credited: "This holder is not credited by this upload, so there is nothing to remove. A credit from another upload is corrected on that upload.",
  already_credited: "This holder is already credited for this program: nothing was changed.",
  correction_window_closed: "This upload can no longer be corrected here. Write to the association's office to correct it.",
  upload_processing: "This upload is still being credited. Its rows can be downloaded when it is done.",
  filing_fee_unpaid: "This upload's filing fee is not paid yet. Once it is paid and the attendees' CECs are issued, the upload can be corrected.",
  filing_fee_applies: "This attendee cannot be added here: the report's filing fee applies to them. Report them with a new upload, which invoices their fee.",
  filing_fee_not_due: "There is no filing fee to pay for this upload now: it is paid, or none was charged.",
  roster_too_large: "The roster is larger than 10 MB. Split it into smaller files.",
  body_too_large: "What you sent is too large. Send less at a time.",
  unsupported_media_type: "This kind of file cannot be sent here.",
  network: "The server could not be reached. Check your connection and try again.",
};

const byStatus = {
  400: "There is a problem",
  404: "We could not find what you asked for. Check the link, or start again from the start page.",
  409: "This could not be done: it changed since the page was shown. Reload the page and try again.",
  422: "This could not be done.",
};

/** The service's own fault: nothing of the request was saved. */
export const serviceFault = "Sorry, there is a problem with the service. Nothing was saved. Try again later.";

/** "the contact hours" → "The contact hours". */
export function capital(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** "the roster has no rows" → "The roster has no rows." */
export function sentence(s) {
  const t = String(s || "").trim();
  if (!t) return t;
  return capital(t) + (/[.!?)"]$/.test(t) ? "" : ".");
}

/**
 * An error answer of the API: status, code, details [{field, code,
 * message}], the API's message as apiMessage, and as message what a person
 * reads: "There is a problem" when the details say what (each is in words
 * for people already), else the words for its code.
 */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    const details = Array.isArray(e.details) ? e.details : [];
    const code = e.code || "http_" + status;
    let message;
    if (status >= 500) message = serviceFault;
    else if (plainWords[code]) message = plainWords[code];
    else if (details.length) message = "There is a problem";
    else if (/^[A-Z]/.test(e.message || "")) message = e.message;
    else if (e.message && status !== 404 && status !== 409) message = sentence(e.message);
    else message = byStatus[status] || "Something went wrong. Try again.";
    super(message);
    this.status = status;
    this.code = code;
    this.apiMessage = e.message || "";
    this.details = details;
  }
}

/** The API's base URL, without a trailing slash ("" is this origin). */
export function apiBase() {
  return (config.apiBase || "").replace(/\/+$/, "");
}

/**
 * Calls the API. opts: body (sent as JSON, or as is with contentType),
 * contentType, accept, auth (default true), raw (return the Response).
 */
export async function api(method, path, opts = {}) {
  const headers = {};
  const s = session();
  if (opts.auth !== false && s) headers.authorization = `Bearer ${s.token}`;
  let body;
  if (opts.body !== undefined) {
    if (opts.contentType) {
      headers["content-type"] = opts.contentType;
      body = opts.body;
    } else {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
  }
  headers.accept = opts.accept || "application/json";
  let resp;
  try {
    resp = await fetch(apiBase() + path, { method, headers, body });
  } catch (err) {
    throw new ApiError(0, { error: { code: "network" } });
  }
  if (opts.raw && resp.ok) return resp;
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data || { error: { message: text || resp.statusText } });
    if (resp.status === 401 && opts.auth !== false && s) {
      // An expired or refused token: sign in again.
      signOut({ quiet: true });
      err.message = "Your sign-in has expired. Please sign in again.";
    }
    throw err;
  }
  return data;
}

/** A list's query: params, and the cursor of the page to read next. */
export function pageQuery(params, cursor) {
  const q = new URLSearchParams(params);
  if (cursor) q.set("cursor", cursor);
  return q;
}

/** GET path, or null when the API answers 404 (such as an account not created yet). */
export async function getOrNull(path) {
  try {
    return await api("GET", path);
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

/** The service's clock ("today" for the fee preview; settable on the local stack). */
export async function serverNow() {
  try {
    const h = await api("GET", "/health", { auth: false });
    return new Date(h.time);
  } catch {
    return new Date();
  }
}
