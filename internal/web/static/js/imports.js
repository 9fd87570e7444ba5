// Staff's import of holders (#/staff/import): upload the association's list
// of holders (or check it first), follow the import while it runs, and read
// its report: totals, the rejected rows by reason, every row a page at a
// time; and the past imports, each with its report at its own address.

import { h, fill, announce, table, facts } from "./dom.js";
import { api, pageQuery, sentence } from "./api.js";
import { field, form, submitting, problem } from "./forms.js";
import { page, notice, errorNotice, dateTime, sleep, pagedList, actionButton } from "./view.js";
import { downloadCSV } from "./download.js";

const enc = encodeURIComponent;

/** The list's header: its columns, in this order (the template holds it). */
export const importHeader = "Member Number,First Name,Last Name,Email,Membership,Credentials";

const count = (n) => Number(n || 0).toLocaleString("en-US");
const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;

/** Why a row was rejected, in words, by the API's reason. */
const reasons = {
  required: "A name or the email is missing",
  invalid_email: "The email is not an email address",
  invalid_membership: "The membership is not member or guest",
  unknown_credential: "A credential is not one of the association's",
  duplicate_credential: "A credential is listed twice",
  invalid_date: "A credential's date is missing or not a date",
  future_date: "A credential's date is in the future",
  too_early: "A credential's date is before 1900",
  invalid_member_number: "The member number has characters it cannot have",
  duplicate_in_file: "The same member number or email is on an earlier row",
  email_taken: "The email belongs to a holder with another member number",
};

/** #/staff/import and #/staff/import/:importId. */
export async function importHolders(main, { importId } = {}) {
  const view = page(main, "Import holders");
  const report = h("section", { id: "import-report", "aria-live": "polite" });
  const past = pastImports();
  const f = form({ id: "import-form" }, [
    h("p", {}, "A CSV file whose first row is exactly this header: ", h("code", { id: "import-header" }, importHeader), "."),
    h("ul", {},
      h("li", {}, "Membership: member or guest."),
      h("li", {}, "Credentials: each credential's code and the date it was earned, separated by semicolons, such as CAM 2019-05-01; NALP 6/30/2020. Leave it empty for none."),
      h("li", {}, "Member Number: the association's own number, or empty. Rows whose member number or email is already a holder's change nothing, so a list can be imported again.")),
    h("p", {}, h("a", { href: "holders-import-template.csv", download: "holders-import-template.csv", id: "import-template" }, "Download the CSV template"),
      " (the header only: add a row per holder in a spreadsheet and save it as CSV UTF-8)."),
    field("List of holders (CSV)", "list", { type: "file", neededWhen: "or paste the rows below", attrs: { accept: ".csv,.txt,.tsv,text/csv,text/plain" } }),
    field("Or paste the list", "listText", { type: "textarea", kind: "manual", rows: 5, neededWhen: "or choose a file above",
      hint: "The header row first, then a row per holder: rows copied from Excel are fine" }),
    field("Check only: judge every row and import nothing", "dryRun", { type: "checkbox", kind: "manual" }),
  ], "Import the list");
  let latest = 0;
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(f, async () => {
      const file = f.elements.list.files[0];
      const text = file ? await file.text() : f.elements.listText.value;
      if (!text.trim()) throw problem([{ field: "list", message: "Choose a CSV file or paste the list" }]);
      const dry = f.elements.dryRun.checked;
      let res;
      try {
        res = await api("POST", `/holder-imports${dry ? "?dryRun=true" : ""}`, { body: text, contentType: "text/csv" });
      } catch (err) {
        if (["invalid_file", "empty_file", "body_required", "body_too_large", "file_too_large"].includes(err.code)) {
          err.details = (err.details.length ? err.details : [{ message: err.message }])
            .map((d) => ({ ...d, field: file ? "list" : "listText", message: sentence(d.message) }));
        }
        throw err;
      }
      f.reset();
      const mine = ++latest;
      if (dry) {
        drawReport(report, { ...res, status: "done" }, async () => ({ items: res.rows, nextCursor: "" }), true);
        reveal(report);
        return;
      }
      history.replaceState(null, "", `#/staff/import/${enc(res.importId)}`);
      await follow(report, res.importId, () => mine === latest && report.isConnected);
      await past.refresh();
    });
  });
  view.append(report, h("h2", {}, "Upload the list"), f, past.el);
  await past.refresh();
  if (importId) {
    const mine = ++latest;
    await follow(report, importId, () => mine === latest && report.isConnected);
  }
}

function reveal(out) {
  const heading = out.querySelector("#import-heading");
  heading?.focus({ preventScroll: true });
  out.scrollIntoView({ block: "start" });
  if (heading) announce(`${heading.textContent}. ${out.querySelector("#import-outcome")?.textContent || ""}`);
}

/** Follows an import until it is done (or the page moves on), then its report. */
async function follow(out, id, current) {
  let im = await api("GET", `/holder-imports/${enc(id)}?limit=1`);
  for (let wait = 400; im.status !== "done"; wait = Math.min(wait * 1.5, 5000)) {
    if (!current()) return;
    fill(out, h("h2", { id: "import-heading", tabindex: "-1" }, `Importing ${im.importId}`),
      h("p", { id: "import-progress" }, `${count(im.totals?.rows)} of ${count(im.rowCount)} rows imported so far. You can leave the page: the import goes on, and its report waits under Past imports.`));
    await sleep(wait);
    im = await api("GET", `/holder-imports/${enc(id)}?limit=1`);
  }
  if (!current()) return;
  drawReport(out, im, async (cursor) => {
    const res = await api("GET", `/holder-imports/${enc(id)}?${pageQuery({ limit: "500" }, cursor)}`);
    return { items: res.rows, nextCursor: res.nextCursor || "" };
  }, false);
  reveal(out);
}

const outcomeText = { created: "Created", existing: "Already a holder: nothing changed", rejected: "Rejected" };

/** An import's (or a dry run's) report: outcome, totals, reasons, rows. */
function drawReport(out, im, pages, dry) {
  const t = im.totals;
  const would = dry ? "would be" : "were";
  const outcome = t.rejected === 0
    ? notice(`${plural(t.created, "holder", "holders")} ${would} created and ${plural(t.existing, "row was", "rows were")} already holders.`, "ok", { id: "import-outcome" })
    : notice(`${plural(t.created, "holder", "holders")} ${would} created, ${plural(t.existing, "row was", "rows were")} already holders, and ${plural(t.rejected, "row", "rows")} ${dry ? "would be" : t.rejected === 1 ? "was" : "were"} rejected: correct ${t.rejected === 1 ? "it" : "them"} in the spreadsheet and import the list again (rows already imported change nothing).`,
    "warn", { id: "import-outcome" });
  const byReason = Object.entries(t.rejectedByReason || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const wrap = table("Each row of the list", ["Row", "Member number", "Name", "Email", { text: "Result", outcome: true }], [], { id: "import-rows" });
  const list = pagedList(wrap.querySelector("tbody"), pages, (r) => h("tr", { dataset: { row: r.row, outcome: r.outcome, reason: r.reason || "" } },
    h("td", {}, String(r.row)), h("td", {}, r.memberNumber || ""), h("td", {}, [r.firstName, r.lastName].filter(Boolean).join(" ")),
    h("td", {}, r.email || ""),
    h("td", {}, r.outcome === "rejected" ? h("span", { class: "rejected" }, `Rejected: ${sentence(r.message || reasons[r.reason] || "")}`)
      : r.holderId ? [outcomeText[r.outcome], " (", h("a", { href: `#/staff/holders/${enc(r.holderId)}` }, r.holderId), ")"] : outcomeText[r.outcome])));
  fill(out,
    h("h2", { id: "import-heading", tabindex: "-1" }, dry ? "Check only: nothing was imported" : `Import ${im.importId}`),
    dry ? null : h("p", {}, `Done. Received ${dateTime(im.createdAt)}.`),
    (im.notices || []).map((n) => notice(n.message, "", { class: "notice", id: "import-ignored-columns" })),
    outcome,
    im.rowsOmitted > 0
      ? notice(`The check shows ${count(im.rows.length)} of the ${count(t.rows)} rows: every rejected row first, then the others. The totals count every row.`, "", { id: "import-omitted" })
      : null,
    facts([
      ["Rows", h("span", { id: "import-total-rows" }, count(t.rows))],
      ["Created", h("span", { id: "import-total-created" }, count(t.created))],
      ["Already holders", h("span", { id: "import-total-existing" }, count(t.existing))],
      ["Rejected", h("span", { id: "import-total-rejected" }, count(t.rejected))],
    ]),
    byReason.length ? table("Rejected rows by reason", ["Reason", "Rows"], byReason.map(([code, n]) =>
      h("tr", { dataset: { reason: code } }, h("td", {}, reasons[code] || "Rejected"), h("td", {}, count(n)))), { id: "import-by-reason" }) : null,
    dry ? null : h("p", {}, actionButton({ class: "secondary", id: "download-import-results" }, "Download the results (CSV)", out,
      () => downloadCSV(`/holder-imports/${enc(im.importId)}`, `holders-import-${im.importId}.csv`, "download-import-results")),
    " Every row with its result, the rejected rows first: correct them in a spreadsheet and import the file again."),
    dry ? null : h("p", {}, "Each created holder is a record nobody owns yet: the person gets it by creating their holder account, signed in with the same email."),
    h("h3", {}, "Each row"), wrap, list.more);
  return list.first().catch((err) => errorNotice(out, err));
}

/** Every import, newest first, each linking to its report. */
function pastImports() {
  const holder = h("div", {});
  const el = h("section", { id: "past-imports", "aria-labelledby": "past-imports-heading" }, h("h2", { id: "past-imports-heading" }, "Past imports"), holder);
  const refresh = async () => {
    const wrap = table("Imports, newest first", ["Received", "Rows", "Created", "Already holders", "Rejected", { text: "Status", outcome: true }, "Report"], [], { id: "past-imports-table" });
    const list = pagedList(wrap.querySelector("tbody"), async (cursor) => {
      const res = await api("GET", `/holder-imports?${pageQuery({ limit: "20" }, cursor)}`);
      return { items: res.imports, nextCursor: res.nextCursor };
    }, (im) => h("tr", { dataset: { importId: im.importId, status: im.status } },
      h("td", {}, dateTime(im.createdAt)), h("td", {}, count(im.rowCount)),
      h("td", {}, im.totals ? count(im.totals.created) : "—"), h("td", {}, im.totals ? count(im.totals.existing) : "—"),
      h("td", {}, im.totals ? count(im.totals.rejected) : "—"), h("td", {}, im.status === "done" ? "Done" : "Importing"),
      h("td", {}, h("a", { href: `#/staff/import/${enc(im.importId)}` }, `Report of ${im.importId}`))));
    const first = await list.first();
    fill(holder, first.length ? [wrap, list.more] : h("p", { id: "no-past-imports" }, "No list imported yet."));
  };
  return { el, refresh };
}
