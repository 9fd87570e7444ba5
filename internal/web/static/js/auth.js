// Sign-in. On the local stack a role picker asks POST /dev/token for a
// token; deployed, the Cognito hosted UI signs people in with the
// authorization code flow and PKCE (no client secret in the browser), and
// the ID token (whose cognito:groups claim carries the roles) is the bearer
// token. The session lives in sessionStorage: it ends with the tab.

import config from "../config.js";

const KEY = "cecportal.session";
const PKCE_KEY = "cecportal.pkce";
const ROLES = ["holder", "provider", "staff"];

function base() {
  return (config.apiBase || "").replace(/\/+$/, "");
}

/** The signed-in session {token, sub, email, roles, role, exp}, or null. */
export function session() {
  let s;
  try { s = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch { s = null; }
  if (!s || !s.token) return null;
  if (s.exp && s.exp * 1000 < Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return s;
}

/**
 * Keeps the session of token: its roles are the API's answer (rolesOf:
 * the token's groups and the person's own accounts), asked before the
 * session exists, so that nothing sees a session whose roles change.
 */
async function signedIn(token, preferredRole) {
  return keep(token, preferredRole, await rolesOf(token));
}

/** The roles GET /me answers for token; null when it cannot be asked. */
async function rolesOf(token) {
  try {
    const resp = await fetch(base() + "/me", { headers: { authorization: `Bearer ${token}` } });
    if (resp.ok) return ((await resp.json()).roles || []).filter((r) => ROLES.includes(r));
  } catch { /* offline: the token's roles */ }
  return null;
}

function keep(token, preferredRole, known) {
  const claims = decodeJwt(token);
  let roles = claims["cognito:groups"] || [];
  if (typeof roles === "string") roles = roles.split(/[ ,]+/);
  roles = known || roles.filter((r) => ROLES.includes(r));
  const role = roles.includes(preferredRole) ? preferredRole : roles[0] || "";
  return store({ token, sub: claims.sub || "", email: claims.email || "", roles, role, exp: claims.exp || 0 });
}

/** Writes the session s and tells the page it changed. */
function store(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  window.dispatchEvent(new Event("cecportal:session"));
  return s;
}

/**
 * Asks the API which roles the signed-in person has (GET /me): their
 * token's, and their own accounts' (a holder account makes a holder, a
 * registered organisation a provider, at once), and keeps them. The role
 * acted as stays, or becomes preferredRole when they have it. Offline, the
 * token's roles stay.
 */
export async function refreshRoles(preferredRole) {
  const s = session();
  if (!s) return null;
  const roles = (await rolesOf(s.token)) || s.roles;
  return keep(s.token, roles.includes(preferredRole) ? preferredRole : s.role, roles);
}

/** Switches the active role among those the token carries. */
export function useRole(role) {
  const s = session();
  if (!s || !s.roles.includes(role)) return;
  store({ ...s, role });
}

/** The claims of a JWT, unverified: the API verifies; the forms only read. */
export function decodeJwt(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")),
      (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

/**
 * Local stack only: a token for sub with role from POST /dev/token. Errors
 * come back as {message, details} like the API's.
 */
export async function localSignIn(role, sub, email) {
  const resp = await fetch(base() + "/dev/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub, role, email }),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const e = (data && data.error) || {};
    const err = new Error(e.message || `sign-in failed (${resp.status})`);
    err.details = e.details || [];
    throw err;
  }
  return signedIn(data.token, role);
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri() {
  return config.cognito.redirectUri || window.location.origin + window.location.pathname;
}

/**
 * Sends the browser to the Cognito hosted UI (PKCE, S256): its sign-in page,
 * or page "forgotPassword" or "signup", which take the same parameters and
 * come back the same way once the person has signed in.
 */
export async function cognitoSignIn(returnTo, page = "oauth2/authorize") {
  const c = config.cognito;
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo: returnTo || "#/" }));
  const q = new URLSearchParams({
    response_type: "code",
    client_id: c.clientId,
    redirect_uri: redirectUri(),
    scope: (c.scopes || ["openid", "email"]).join(" "),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  window.location.assign(`${c.domain.replace(/\/+$/, "")}/${page}?${q}`);
}

/**
 * Finishes a Cognito sign-in when the page was opened by the hosted UI's
 * redirect (?code=&state=): trades the code for tokens and returns where to
 * go, or null when there is nothing to finish. Throws on a failed exchange.
 */
export async function finishCognitoSignIn() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return null;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  // Clean the address bar: the code is single-use and should not be bookmarked.
  window.history.replaceState(null, "", window.location.pathname + (pending?.returnTo || "#/"));
  if (error) throw new Error(`Sign-in was not completed: ${params.get("error_description") || error}`);
  if (!pending || pending.state !== params.get("state")) throw new Error("Sign-in could not be verified (state mismatch). Please sign in again.");
  const c = config.cognito;
  const resp = await fetch(`${c.domain.replace(/\/+$/, "")}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: c.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok || !data.id_token) throw new Error(`Sign-in failed: ${data.error || resp.status}`);
  await signedIn(data.id_token);
  return pending.returnTo || "#/";
}

/** Ends the session (and the hosted UI's, deployed). */
export function signOut(opts = {}) {
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new Event("cecportal:session"));
  if (config.signIn === "cognito" && !opts.quiet && config.cognito.domain) {
    const q = new URLSearchParams({ client_id: config.cognito.clientId, logout_uri: config.cognito.logoutUri || redirectUri() });
    window.location.assign(`${config.cognito.domain.replace(/\/+$/, "")}/logout?${q}`);
  }
}
