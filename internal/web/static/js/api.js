// The HTTP API client: JSON in and out, the caller's token, and SPEC §6
// errors turned into ApiError with their field details.

import config from "../config.js";
import { session, signOut } from "./auth.js";

/** An error answer of the API: status, code, message, details [{field, code, message}]. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `The server answered ${status}`);
    this.status = status;
    this.code = e.code || "http_" + status;
    this.details = Array.isArray(e.details) ? e.details : [];
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
    throw new ApiError(0, { error: { code: "network", message: "The server could not be reached. Check your connection and try again." } });
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
