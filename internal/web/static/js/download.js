// Downloads: a report's row results as CSV, the parts the API gives put
// together into one file; and a file the API draws, such as a receipt.

import { h, announce } from "./dom.js";
import { api } from "./api.js";
import { problem } from "./forms.js";
import { actionButton } from "./view.js";

/**
 * Downloads a report's row results as one CSV file named filename: every
 * part the API gives at path (Link rel="next"), put together, with a byte
 * order mark so that Excel reads the names' accents right; buttonId is the
 * button that asked, enabled again after.
 */
export async function downloadCSV(path, filename, buttonId) {
  const parts = ["\ufeff"];
  for (let i = 0; path; i++) {
    if (i === 1000) throw problem([], "The results did not come to an end. Try again later.");
    const resp = await api("GET", path, { accept: "text/csv", raw: true });
    parts.push(await resp.text());
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(resp.headers.get("link") || "");
    path = m ? m[1] : "";
  }
  saveFile(new Blob(parts, { type: "text/csv;charset=utf-8" }), filename);
  announce("The results are downloaded.");
  const button = document.getElementById(buttonId);
  if (button) button.disabled = false;
}

/**
 * Downloads the file the API answers at path (of type accept) as filename:
 * fetched with the person's token, then saved, as a link cannot carry it.
 */
export async function downloadFile(path, accept, filename) {
  const resp = await api("GET", path, { accept, raw: true });
  saveFile(await resp.blob(), filename);
  announce(`${filename} is downloaded.`);
}

/** Saves blob as filename, as the browser saves a download. */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true }, filename);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * A button (attrs, text) that downloads the file the API answers at path
 * (of type accept) as filename; a failure shows in errorsTo, and the button
 * can be pressed again either way.
 */
export function fileButton(attrs, text, errorsTo, path, accept, filename) {
  const button = actionButton(attrs, text, errorsTo, async () => {
    await downloadFile(path, accept, filename);
    button.disabled = false;
  });
  return button;
}

/** fileButton for a PDF the API draws. */
export function pdfButton(attrs, text, errorsTo, path, filename) {
  return fileButton(attrs, text, errorsTo, path, "application/pdf", filename);
}
