// The files a holder attaches to a self-reported activity, as GOV.UK's
// file upload pattern has them: choose one or more; each is sent at once,
// straight to the file store with the form the API presigns (never through
// the API), then checked by the API; the list says where each stands, with
// Remove. The activity carries the IDs of the files that passed. And the
// Open button that shows a file, to its holder and to staff.

import { h, fill, announce, nextId } from "./dom.js";
import { api } from "./api.js";
import { errorWords } from "./view.js";
import policy from "../policy.js";

const types = { "application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png" };
const byExtension = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" };
const maxMB = () => policy.attachments?.maxMegabytes || 10;
const perActivity = () => policy.attachments?.perActivity || 5;

/** "1.2 MB", "840 KB", "12 bytes". */
export function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/**
 * The type to declare for file: what the browser says when it is one of
 * ours, else what its name's ending says (some phones give no type), or "".
 */
function typeOf(file) {
  if (types[file.type]) return file.type;
  const ext = (file.name.match(/\.([A-Za-z0-9]+)$/) || [])[1];
  return (ext && byExtension[ext.toLowerCase()]) || "";
}

/**
 * The field of an activity's files: name is its API path
 * ("activities[0].documents"), where errors land; required when the files
 * are what is asked for (an audit).
 */
export function attachField(name, { required = false } = {}) {
  const id = nextId("files");
  const list = h("ul", { class: "attached", id: `${id}-list`, "aria-live": "polite" });
  const input = h("input", { type: "file", id, name, multiple: true, class: "file",
    accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
    "aria-describedby": `${id}-hint ${id}-error`, dataset: { field: name } });
  const box = h("div", { class: "field attach" },
    h("label", { for: id }, "Attach the documentation", required ? null : h("span", { class: "hint-inline" }, " (optional)")),
    h("span", { class: "hint", id: `${id}-hint` },
      `A PDF, or a photo or scan as JPG or PNG, up to ${maxMB()}MB each. You can attach up to ${perActivity()} files. On a phone you can take a photo of the certificate.`),
    h("span", { class: "error-text", id: `${id}-error` }),
    input, list);
  box.entries = [];
  input.addEventListener("change", () => {
    const chosen = [...input.files];
    input.value = ""; // the same file may be chosen again after a failure
    const room = perActivity() - box.entries.length;
    const problems = [];
    if (chosen.length > room) problems.push(`You can attach up to ${perActivity()} files to one activity${room > 0 ? `: choose ${room} more at most` : ""}`);
    for (const file of chosen.slice(0, Math.max(room, 0))) {
      const p = localProblem(file);
      if (p) problems.push(p);
      else send(box, file);
    }
    showProblems(box, problems);
  });
  return box;
}

function localProblem(file) {
  if (!typeOf(file)) return `${file.name} must be a PDF, JPG or PNG`;
  if (file.size === 0) return `${file.name} is empty`;
  if (file.size > maxMB() * 1024 * 1024) return `${file.name} must be smaller than ${maxMB()}MB`;
  return "";
}

function showProblems(box, problems) {
  const slot = box.querySelector(".error-text");
  const input = box.querySelector("input[type=file]");
  slot.textContent = problems.join("\n");
  box.refusals = problems.join("\n"); // for the submission to stop on once (unseenRefusals)
  box.refusalsSeen = false;
  box.classList.toggle("has-error", problems.length > 0);
  if (problems.length) {
    input.setAttribute("aria-invalid", "true");
    announce(problems.join(". "));
  } else {
    input.removeAttribute("aria-invalid");
  }
}

/** Sends one file: start, post to the store, check; its entry says how it went. */
async function send(box, file) {
  const status = h("span", { class: "status" }, "Uploading…");
  const progress = h("progress", { max: "100", value: "0", "aria-label": `Upload of ${file.name}` });
  const cancel = h("button", { type: "button", class: "link cancel" }, "Cancel", h("span", { class: "visually-hidden" }, ` the upload of ${file.name}`));
  const remove = h("button", { type: "button", class: "link", hidden: true }, "Remove", h("span", { class: "visually-hidden" }, ` ${file.name}`));
  const li = h("li", {}, h("span", { class: "name" }, file.name), " ", h("span", { class: "hint" }, sizeText(file.size)), " ", status, " ", progress, " ", cancel, remove);
  const entry = { name: file.name, id: "", state: "uploading", li };
  box.entries.push(entry);
  box.querySelector(".attached").append(li);
  const drop = () => {
    box.entries = box.entries.filter((e) => e !== entry);
    li.remove();
  };
  const aborter = new AbortController();
  cancel.addEventListener("click", () => {
    aborter.abort();
    drop();
    announce(`The upload of ${file.name} is cancelled`);
    box.querySelector("input[type=file]").focus();
  });
  try {
    const started = await api("POST", "/holders/me/documents", { body: { name: file.name, contentType: typeOf(file), size: file.size } });
    if (aborter.signal.aborted) return;
    const fd = new FormData();
    for (const [k, v] of Object.entries(started.upload.fields)) fd.append(k, v);
    fd.append("file", file);
    const sent = await post(started.upload.url, fd, aborter.signal, (done) => { progress.value = String(Math.round(done * 100)); });
    if (aborter.signal.aborted) return;
    if (!sent) throw new Error("upload");
    const doc = await api("POST", `/holders/me/documents/${encodeURIComponent(started.document.documentId)}/check`);
    if (aborter.signal.aborted) return;
    Object.assign(entry, { id: doc.documentId, state: "attached" });
    fill(status, h("strong", { class: "ok" }, "Attached"));
    progress.remove();
    cancel.remove();
    remove.hidden = false;
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api("DELETE", `/holders/me/documents/${encodeURIComponent(entry.id)}`);
      } catch (err) {
        // Kept, and said so: a file that stays would be kept for years.
        remove.disabled = false;
        showProblems(box, [box.querySelector(".error-text").textContent, `${file.name} could not be removed – try again`].filter(Boolean));
        return;
      }
      drop();
      announce(`${file.name} removed`);
      box.querySelector("input[type=file]").focus();
    });
  } catch (err) {
    if (aborter.signal.aborted) return;
    drop();
    const detail = err.code === "file_refused" && err.details?.[0]?.message;
    const words = detail ? `${file.name} ${detail}`
      : err.status ? `${file.name} could not be attached: ${errorWords(err).message}`
        : `${file.name} could not be uploaded – try again`;
    const slot = box.querySelector(".error-text");
    showProblems(box, [slot.textContent, words].filter(Boolean));
  }
}

/**
 * Posts a form to the file store, telling onProgress how much of it went
 * (0 to 1): fetch tells nothing of an upload's progress, XMLHttpRequest
 * does. Resolves whether the store took it; false when it failed, timed
 * out (after 5 minutes: 10MB at 300 kbit/s, a phone that lost its signal)
 * or was cancelled through signal.
 */
function post(url, form, signal, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.timeout = 5 * 60 * 1000;
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener("load", () => resolve(xhr.status >= 200 && xhr.status < 300));
    for (const ev of ["error", "timeout", "abort"]) xhr.addEventListener(ev, () => resolve(false));
    signal.addEventListener("abort", () => xhr.abort());
    xhr.send(form);
  });
}

/**
 * The refusals box shows that were not seen by a submission yet: a person
 * on a phone may have missed them, and believe the file went with it. The
 * first submission after a refusal stops on it; the next goes on without
 * the refused file.
 */
export function unseenRefusals(box) {
  if (!box?.refusals || box.refusalsSeen) return "";
  box.refusalsSeen = true;
  return box.refusals;
}

/** The IDs of the files attached in box (an activity's attachField). */
export function attachedIds(box) {
  return (box?.entries || []).filter((e) => e.state === "attached").map((e) => e.id);
}

/** Whether a file of box is still on its way. */
export function uploading(box) {
  return (box?.entries || []).some((e) => e.state === "uploading");
}

/**
 * A button that opens a document's file in a new tab: path is the API's
 * route to the document (the holder's own, or staff's), which answers a
 * link valid for minutes. The tab is opened on the click, so that no popup
 * blocker stops it, and sent to the file once the link is there. Returns
 * the button and, after it, the file's kind and size.
 */
export function openButton(doc, path, errorsTo) {
  const b = h("button", { type: "button", class: "link open-document", dataset: { documentId: doc.documentId } }, `Open ${doc.name}`);
  b.addEventListener("click", async () => {
    const tab = window.open("", "_blank");
    try {
      const d = await api("GET", path);
      if (!d.download) throw Object.assign(new Error("This file is not ready yet."), { status: 409 });
      if (tab) {
        tab.opener = null;
        tab.location.replace(d.download.url);
      } else {
        location.assign(d.download.url);
      }
    } catch (err) {
      tab?.close();
      fill(errorsTo, h("p", { class: "error-text" }, errorWords(err).message));
    }
  });
  return [b, h("span", { class: "hint-inline" }, ` (${types[doc.contentType]?.toUpperCase() || "file"}, ${sizeText(doc.size)}; opens in a new tab)`)];
}

/**
 * An activity's files as a list of Open buttons; null when it has none.
 * Those of a submission refused whole were removed with it: their names
 * only, said so.
 */
export function documentList(docs, pathOf, { removed = false } = {}) {
  if (!docs?.length) return null;
  if (removed) {
    return h("div", { class: "documents" }, h("ul", { class: "files" }, docs.map((d) => h("li", {}, d.name,
      h("span", { class: "hint-inline" }, " (removed with the refused submission)")))));
  }
  const errors = h("div", { "aria-live": "polite" });
  return h("div", { class: "documents" },
    h("ul", { class: "files" }, docs.map((d) => h("li", {}, openButton(d, pathOf(d), errors)))), errors);
}
