// A program's attendance page: upload a roster (or report one attendee),
// follow the upload while it is credited, and read its report at the top of
// the page: totals, the rejected rows by reason, every row a page at a time
// (rejected first, with a filter), the results as a CSV file to correct in
// a spreadsheet and upload again; and the program's past uploads, each
// with its report at its own address.

import policy from "../policy.js";
import { h, fill, announce, table, facts } from "./dom.js";
import { api, pageQuery, sentence, serverNow } from "./api.js";
import { session } from "./auth.js";
import { field, radios, form, readForm, submitting, problem, precheck, showErrors } from "./forms.js";
import { page, notice, errorNotice, dateTime, date, humanDates, sleep, pagedList, actionButton, writeToOffice, holderLabel, startPayment, paidConfirmation, offeringsOf, reportBy } from "./view.js";
import { downloadCSV, pdfButton } from "./download.js";
import { money, dateIn } from "./fee.js";
import { directorySearch } from "./provider.js";
import { paymentsTable } from "./staff.js";

const enc = encodeURIComponent;

/** The roster's header: its columns, in this order (the template holds it). */
export const rosterHeader = "Program ID,Holder ID,First Name,Last Name,Completion Date";

/** How many row results a page of the report shows (the API's limit). */
const pageRows = 500;

/** How long the page follows an upload being credited; it goes on without the page. */
const followFor = 10 * 60 * 1000;

/** Why a row was rejected, in words, by the API's reason. */
const reasons = {
  program_mismatch: "The row is for another program",
  holder_not_found: "No holder account has the holder ID",
  name_mismatch: "The name differs from the holder's account",
  completion_outside_program: "The completion date is outside the program's dates",
  completion_in_future: "The completion date is after the day of the report",
  duplicate_in_upload: "The holder is on an earlier row of this file",
  already_credited: "The holder was already credited for this program",
};

/** An upload's filing fee whose attendees' CECs wait for its payment. */
const held = (up) => up.filingFeeInvoice && !up.filingFeeInvoice.credited;

const count = (n) => Number(n || 0).toLocaleString("en-US");
const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;
const uploadPath = (programId, uploadId) => `/programs/${enc(programId)}/attendance/${enc(uploadId)}`;

/**
 * #/provider/programs/:id/attendance, …/attendance/offering/:offering and
 * …/attendance/:uploadId: report attendance of one offering of a program
 * (a program of several first asks which); with an upload ID, that
 * upload's report (followed while it is credited).
 */
export async function attendance(main, { id, uploadId, offering }) {
  const view = page(main, "Report attendance");
  const p = await api("GET", `/programs/${enc(id)}`);
  const offerings = offeringsOf(p);
  let n = Number(offering) || 0;
  if (!n && uploadId) n = (await getUpload(id, uploadId, 1)).offering || 1; // the offering the upload reported
  if (!n && offerings.length === 1) n = offerings[0].n;
  const o = offerings.find((x) => x.n === n);
  const several = offerings.length > 1;
  view.append(h("p", { id: "attendance-program" }, h("strong", {}, p.title), ` (${p.programId})`,
    o ? [several ? `, offering ${o.n}: ` : ", ", `${dateTime(o.startsAt, o.timeZone)} to ${dateTime(o.endsAt, o.timeZone)}. `] : ". ",
    `${p.contactHours} CECs each.`));
  if (p.status !== "approved") {
    view.append(notice("Attendance can be reported for approved programs only.", "warn"));
    return;
  }
  if (!o) {
    const past = pastUploads(id, several);
    view.append(chooseOffering(p, offerings, await serverNow()), past.el);
    await past.refresh();
    return;
  }
  if (several) {
    view.append(h("p", {}, `Each offering is reported on its own, within ${policy.reportingWindowDays || 45} days after it ends. A holder is credited once for the program, whichever offering they attended. `,
      h("a", { href: `#/provider/programs/${enc(id)}/attendance`, id: "other-offering" }, "Report another offering")));
  }
  const query = (dry) => `?offering=${o.n}${dry ? "&dryRun=true" : ""}`;
  // The report of the upload in hand, at the top where it is seen; named
  // by its heading (aria-labelledby) once it has one.
  const report = h("section", { id: "attendance-report" });
  const past = pastUploads(id, several);
  // Only the latest upload is followed: a newer one stops the older's loop.
  let latest = 0;
  const follow = (upload, single) => {
    const mine = ++latest;
    return followUpload(report, id, upload, () => mine === latest && report.isConnected, single).then(() => past.refresh()).catch((err) => errorNotice(report, err));
  };
  // single: one attendee reported with the form, told of as a person, not as rows of a file.
  const reported = (res, single) => {
    // The address names the upload: reloading, or coming back, shows its report.
    history.replaceState(null, "", `#/provider/programs/${enc(id)}/attendance/${enc(res.uploadId)}`);
    // Where the person looks: the upload, received, and its progress.
    drawProgress(report, { uploadId: res.uploadId, status: res.status, rowCount: res.rows, totals: { rows: 0 } }, single);
    reveal(report, single ? "Attendee received. Crediting." : `Upload received: ${plural(res.rows, "row", "rows")}. Crediting.`);
    follow(res.uploadId, single);
  };

  const csv = form({ id: "roster-form" }, [
    h("p", {}, "A CSV file whose first row is exactly this header: ", h("code", { id: "roster-header" }, rosterHeader),
      ". Dates as YYYY-MM-DD or M/D/YYYY. Columns after Completion Date, such as an Email column of a spreadsheet, are ignored."),
    h("p", {}, h("a", { href: "attendance-roster-template.csv", download: "attendance-roster-template.csv", id: "roster-template" },
      "Download the CSV template"), " (the header only: add a row per attendee in a spreadsheet and save it as CSV UTF-8)."),
    // One of the two: each says so, rather than "optional". Excel's tab-
    // separated text export is read too (the API tells the separator).
    field("Roster file (CSV)", "roster", { type: "file", neededWhen: "or paste the rows below",
      attrs: { accept: ".csv,.txt,.tsv,text/csv,text/plain,text/tab-separated-values" } }),
    field("Or paste the roster", "rosterText", { type: "textarea", kind: "manual", rows: 5, neededWhen: "or choose a file above",
      hint: "The header row first, then a row per attendee: rows copied from Excel are fine" }),
    field("Check only: judge every row and record nothing", "dryRun", { type: "checkbox", kind: "manual" }),
  ], "Upload the roster");
  csv.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(csv, async () => {
      const file = csv.elements.roster.files[0];
      const text = file ? await file.text() : csv.elements.rosterText.value;
      if (!text.trim()) throw problem([{ field: "roster", message: "Choose a CSV file or paste the roster" }]);
      const dry = csv.elements.dryRun.checked;
      let res;
      try {
        res = await api("POST", `/programs/${enc(id)}/attendance${query(dry)}`, { body: text, contentType: "text/csv" });
      } catch (err) {
        // Roster errors name a column or row of the file: show them at the file.
        if (["invalid_roster", "empty_roster", "body_required", "body_too_large"].includes(err.code)) {
          // The reader's words start "row 3, column Holder ID: ..."; as a
          // sentence of their own, not after the field's label.
          err.details = (err.details.length ? err.details : [{ message: err.message }])
            .map((d) => ({ ...d, field: file ? "roster" : "rosterText", message: sentence(d.message) }));
        }
        throw err;
      }
      csv.reset();
      if (dry) {
        latest++;
        drawReport(report, { ...res, status: "done", uploadId: "" }, localPages(res.rows || []), null);
        reveal(report, `Checked: ${plural(res.totals.rows, "row", "rows")}, ${count(res.totals.accepted)} would be accepted, ${count(res.totals.rejected)} rejected.`);
        return;
      }
      reported(res);
    });
  });

  const single = form({ id: "attendee-form" }, [
    h("div", { class: "grid two" },
      field("Holder ID", "rows[0].holderId", { required: true, hint: "Such as H-7K3M9Q2XAB; find it below", id: "attendee-holder" }),
      field("Completion date", "rows[0].completionDate", { type: "date", required: true, id: "attendee-date" }),
      field("First name", "rows[0].firstName", { required: true, id: "attendee-first" }),
      field("Last name", "rows[0].lastName", { required: true, id: "attendee-last" })),
  ], "Report this attendee");
  single.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(single, async () => {
      await precheck(single, "POST /programs/{programId}/attendance");
      const row = readForm(single).rows[0];
      const rows = [{ programId: p.programId, holderId: row.holderId, firstName: row.firstName, lastName: row.lastName, completionDate: row.completionDate }];
      const res = await api("POST", `/programs/${enc(id)}/attendance${query(false)}`, { body: { rows } });
      reported(res, single); // the form is emptied once the attendee is credited, kept to correct otherwise
    });
  });

  view.append(report, h("h2", {}, "Upload a roster"), csv, h("h2", {}, "Report one attendee"), single,
    h("h3", {}, "Find a holder"), directorySearch((e) => {
      single.elements["rows[0].holderId"].value = e.holderId;
      single.elements["rows[0].firstName"].value = e.firstName;
      single.elements["rows[0].lastName"].value = e.lastName;
      single.elements["rows[0].holderId"].focus();
    }),
    past.el);
  await past.refresh();
  if (uploadId) follow(uploadId);
}

/** A program of several offerings: which one the attendance is for, with each one's window. */
function chooseOffering(p, offerings, now) {
  const today = dateIn(now, policy.association.timeZone);
  const windowDays = policy.reportingWindowDays || 45;
  return h("section", { id: "choose-offering", "aria-labelledby": "choose-offering-heading" },
    h("h2", { id: "choose-offering-heading" }, "Which offering is the attendance for?"),
    h("p", {}, `Each offering is reported on its own, within ${windowDays} days after it ends.`),
    h("ul", { class: "offerings" }, offerings.map((o) => {
      const { by } = reportBy(o.endsAt);
      const held = new Date(o.startsAt) <= now;
      const status = !held ? `not held yet: it starts ${dateTime(o.startsAt, o.timeZone)}`
        : today > by ? `reporting closed on ${date(by)}`
          : `report by ${date(by)}`;
      const text = `Offering ${o.n}: ${dateTime(o.startsAt, o.timeZone)}${o.location ? `, ${o.location}` : ""}`;
      return h("li", { dataset: { offering: String(o.n) } },
        held && today <= by ? h("a", { href: `#/provider/programs/${enc(p.programId)}/attendance/offering/${o.n}` }, text) : h("span", {}, text),
        ` (${status})`);
    })));
}

/** Brings the report into view, focuses its heading and says what it says. */
function reveal(out, text) {
  const heading = out.querySelector("#report-heading");
  heading.focus({ preventScroll: true });
  out.scrollIntoView({ block: "start" });
  if (text) announce(text);
}

/** One upload: GET with a page of row results (limit 1 while following). */
function getUpload(programId, uploadId, limit, cursor) {
  return api("GET", `${uploadPath(programId, uploadId)}?${pageQuery({ limit: String(limit) }, cursor)}`);
}

/**
 * Follows an upload while it is credited, showing how many rows are done
 * (the chunks credited so far), then its report. It asks less often as time
 * goes by and stops after followFor, or when current() turns false (a newer
 * upload, or the person left the page).
 */
async function followUpload(out, programId, uploadId, current, single = false) {
  let up = await getUpload(programId, uploadId, 1);
  if (!current()) return;
  if (up.status !== "done") {
    if (out.querySelector("#upload-progress")?.dataset.uploadId === uploadId) {
      updateProgress(out, up);
    } else {
      drawProgress(out, up, single);
      reveal(out, `Upload ${up.uploadId}: ${count(up.totals?.rows)} of ${count(up.rowCount)} rows credited so far.`);
    }
  }
  const until = Date.now() + followFor;
  for (let wait = 400; up.status !== "done" && Date.now() < until; wait = Math.min(wait * 1.5, 5000)) {
    await sleep(wait);
    if (!current()) return;
    try {
      up = await getUpload(programId, uploadId, 1);
    } catch {
      continue; // a blip: ask again
    }
    if (!current()) return;
    if (up.status !== "done") updateProgress(out, up);
  }
  if (up.status !== "done") {
    fill(out.querySelector("#upload-still"), notice(["It is taking longer than usual. The upload goes on without this page: its report will be under Past uploads. ",
      actionButton({ class: "secondary", id: "check-again" }, "Check again", out, () => followUpload(out, programId, uploadId, current, single))], "warn"));
    return;
  }
  const first = await getUpload(programId, uploadId, pageRows);
  if (!current()) return;
  if (single && first.rows?.length === 1) {
    reveal(out, drawAttendee(out, first, single));
    filingFeeSection(out, programId, first);
    return;
  }
  drawReport(out, first, apiPages(programId, uploadId, first), () => downloadResults(programId, uploadId));
  filingFeeSection(out, programId, first);
  if (held(first)) {
    out.append(h("section", { id: "corrections", "aria-labelledby": "corrections-heading" }, h("h3", { id: "corrections-heading" }, "Corrections after posting"),
      h("p", { id: "corrections-after-fee" }, "Once the filing fee is paid and the attendees' CECs are issued, attendees can be removed from or added to this upload here.")));
  } else out.append(correctionsSection(programId, uploadId, (n) => {
    // The rows and totals are as reported: say, beside them, that it changed since.
    out.querySelector("#upload-corrected")?.remove();
    if (n) out.querySelector("#upload-outcome")?.after(notice(`Corrected since it was posted: ${plural(n, "correction", "corrections")} (below, under Corrections after posting). The rows and totals here are as reported.`, "", { id: "upload-corrected" }));
  }));
  const t = first.totals;
  reveal(out, `Upload done: ${count(t.accepted)} accepted, ${count(t.rejected)} rejected.${held(first) ? " The filing fee is due before the CECs are issued." : ""}`);
  paidConfirmation(out, first.filingFeeInvoice?.status === "paid", {
    title: "Payment received",
    next: "Thank you. The attendees' CECs are on their transcripts, and the receipt is on its way to your email.",
  });
}

/**
 * The upload's filing fee, right under what became of the upload: while
 * unpaid, what it is for and the button to pay it (the attendees' CECs
 * wait for it); once paid, when, and whether the CECs are issued yet.
 */
function filingFeeSection(out, programId, up) {
  const f = up.filingFeeInvoice;
  if (!f) return;
  const amount = money(f.amountCents, f.currency);
  const who = [f.members ? plural(f.members, `member at ${money(f.memberCents, f.currency)}`, `members at ${money(f.memberCents, f.currency)} each`) : "",
    f.guests ? plural(f.guests, `guest at ${money(f.guestCents, f.currency)}`, `guests at ${money(f.guestCents, f.currency)} each`) : ""].filter(Boolean).join(" and ");
  const section = h("section", { id: "filing-fee", "aria-labelledby": "filing-fee-heading", dataset: { status: f.status, credited: String(f.credited) } },
    h("h3", { id: "filing-fee-heading" }, "Filing fee"));
  if (f.status === "open") {
    const result = h("div", { "aria-live": "polite" });
    section.append(
      notice(`The filing fee of ${amount} is due: ${who}, reported on ${date(f.reportedOn)}. The accepted attendees' CECs go on their transcripts as soon as it is paid.`,
        "warn", { id: "filing-fee-due" }),
      h("div", { class: "actions" }, actionButton({ id: "pay-filing-fee" }, `Pay the filing fee (${amount})`, result, async () => {
        const co = await api("POST", `${uploadPath(programId, up.uploadId)}/checkout`);
        startPayment(co, `#/provider/programs/${enc(programId)}/attendance/${enc(up.uploadId)}`);
      })),
      result);
  } else {
    section.append(notice(f.credited
      ? `Paid ${f.paidAt ? `on ${dateTime(f.paidAt)}` : ""}: ${amount} for ${who}. The accepted attendees' CECs are on their transcripts.`
      : `Paid ${f.paidAt ? `on ${dateTime(f.paidAt)}` : ""}: ${amount}. The accepted attendees' CECs are being issued; reload the page in a minute to see it done.`,
    f.credited ? "ok" : "", { id: "filing-fee-paid" }));
  }
  section.append(h("p", { id: "filing-fee-invoice" }, "Invoice reference: ", h("strong", {}, f.invoiceId)));
  if (f.status === "paid") {
    const errors = h("div", { "aria-live": "polite" });
    const b = pdfButton({ class: "secondary", id: "download-filing-receipt" }, "Download the receipt (PDF)", errors,
      `${uploadPath(programId, up.uploadId)}/receipt`, `receipt-${f.invoiceId}.pdf`);
    section.append(h("div", { class: "actions" }, b), errors);
  }
  (out.querySelector("#upload-outcome") || out.lastChild).after(section);
}

function drawProgress(out, up, single) {
  out.setAttribute("aria-labelledby", "report-heading");
  if (single) {
    fill(out, h("h2", { id: "report-heading", tabindex: "-1" }, "Reporting the attendee"),
      h("p", { id: "upload-status", dataset: { status: up.status } }, "Checking the holder and crediting their CECs…"), h("div", { id: "upload-still" }));
    return;
  }
  fill(out,
    h("h2", { id: "report-heading", tabindex: "-1" }, `Crediting upload ${up.uploadId}`),
    h("p", {}, "Status: ", h("strong", { id: "upload-status", dataset: { status: up.status } }, "Crediting")),
    h("p", {}, "The rows are checked and the attendees credited a part at a time, and this page follows it. ",
      "You can leave the page: the upload goes on, and its report waits under Past uploads."),
    h("label", { for: "upload-progress", class: "label" }, "Rows credited"),
    h("progress", { id: "upload-progress", max: String(up.rowCount || 1), value: "0", "aria-describedby": "upload-progress-text", dataset: { uploadId: up.uploadId } }),
    h("p", { id: "upload-progress-text" }),
    h("div", { id: "upload-still" }));
  updateProgress(out, up);
}

function updateProgress(out, up) {
  const done = Math.min(up.totals?.rows || 0, up.rowCount || 0);
  const bar = out.querySelector("#upload-progress");
  if (!bar) return;
  bar.value = done;
  fill(out.querySelector("#upload-progress-text"), `${count(done)} of ${count(up.rowCount)} rows credited`);
}

/** The single attendee form's field a rejection belongs to. */
const attendeeField = {
  holder_not_found: "rows[0].holderId",
  completion_outside_program: "rows[0].completionDate",
  completion_in_future: "rows[0].completionDate",
};

/**
 * The outcome of one attendee reported with the form (formEl), in words
 * about that person; returns what to announce. Credited, the form is
 * emptied for the next; refused, it keeps what was typed, with the reason
 * on its field, to correct and send again.
 */
function drawAttendee(out, up, formEl) {
  const r = up.rows[0];
  const who = holderLabel(r.firstName, r.lastName, r.holderId);
  const currency = up.totals.fees?.currency || policy.programs.currency;
  const fee = typeof r.feeCents === "number" && r.feeCents > 0 ? ` The filing fee for this attendee is ${money(r.feeCents, currency)}.` : "";
  let title;
  let body;
  if (r.accepted && held(up)) {
    title = "Attendee reported";
    body = notice(`${who} is reported for this program, completed on ${date(r.completionDate)}. Their CECs go on their transcript once the filing fee is paid (below).`, "ok", { id: "upload-outcome" });
  } else if (r.accepted) {
    title = "Attendee credited";
    body = notice(`${who} is credited for this program, completed on ${date(r.completionDate)}. It is on their transcript now.${fee}`, "ok", { id: "upload-outcome" });
  } else if (r.reason === "already_credited") {
    title = "Already credited";
    body = notice(`${who} was already credited for this program: nothing was changed.`, "", { id: "upload-outcome" });
  } else {
    title = "Attendee not credited";
    const why = humanDates(r.message) || reasons[r.reason] || "the report was refused";
    body = notice([`${who} was not credited: ${why}. `,
      "Correct it in the form below and report the attendee again."], "warn", { id: "upload-outcome" });
    const field = attendeeField[r.reason] || (r.reason === "name_mismatch" ? (/first name/.test(why) && !/last name/.test(why) ? "rows[0].firstName" : "rows[0].lastName") : "");
    if (formEl && field) showErrors(formEl, { message: "The attendee was not credited", details: [{ field, message: sentence(why) }] });
  }
  if (formEl && (r.accepted || r.reason === "already_credited")) formEl.reset();
  out.setAttribute("aria-labelledby", "report-heading");
  fill(out, h("h2", { id: "report-heading", tabindex: "-1", dataset: { uploadId: up.uploadId } }, title), body,
    h("p", {}, "It is also listed under Past uploads, below."));
  return `${title}: ${body.textContent}`;
}

/** The pages of an upload's row results from the API, the first one in hand. */
function apiPages(programId, uploadId, first) {
  return async (cursor) => {
    if (!cursor) return { rows: first.rows || [], nextCursor: first.nextCursor || "" };
    const res = await getUpload(programId, uploadId, pageRows, cursor);
    return { rows: res.rows || [], nextCursor: res.nextCursor || "" };
  };
}

/** The pages of a dry run's rows, all in hand. */
function localPages(rows) {
  return async (cursor) => {
    const from = Number(cursor || 0);
    const to = from + pageRows;
    return { rows: rows.slice(from, to), nextCursor: to < rows.length ? String(to) : "" };
  };
}

/**
 * An upload's (or a dry run's) report: what became of it, its totals, the
 * rejected rows by reason, the results to download (download, when given)
 * and every row, a page at a time.
 */
function drawReport(out, up, pages, download) {
  const t = up.totals;
  const currency = t.fees?.currency || policy.programs.currency;
  const dry = !up.uploadId;
  out.setAttribute("aria-labelledby", "report-heading");
  // A row already credited (a corrected file uploaded again) needs nothing:
  // only the other rejected rows are to correct.
  const already = t.rejectedByReason?.already_credited || 0;
  const toFix = t.rejected - already;
  const was = (n) => (dry ? "would be" : n === 1 ? "was" : "were");
  const alreadyText = already ? ` ${plural(already, "row is", "rows are")} for attendees already credited for this program: nothing to do for ${already === 1 ? "it" : "them"}.` : "";
  // Held for the filing fee, the accepted attendees are reported, not yet credited.
  const waits = held(up);
  const heldText = waits ? " Their attendees' CECs are issued once the filing fee below is paid." : "";
  const outcome = toFix === 0
    ? notice(t.rejected === 0
      ? (dry ? `Every row would be accepted (${plural(t.rows, "row", "rows")}).`
        : waits ? `Every row was accepted (${plural(t.rows, "row", "rows")}).${heldText}` : `Every row was accepted and its attendee credited (${plural(t.rows, "row", "rows")}).`)
      : `${t.accepted ? `${plural(t.accepted, "row", "rows")} ${was(t.accepted)} accepted${waits ? "." : " and credited."}` : ""}${alreadyText} Nothing is left to correct.${t.accepted ? heldText : ""}`.trim(), "ok", { id: "upload-outcome" })
    : notice([`${plural(t.accepted, "row", "rows")} ${was(t.accepted)} accepted; ${plural(toFix, "row", "rows")} ${was(toFix)} rejected and ${toFix === 1 ? "needs" : "need"} correcting.${alreadyText}${t.accepted ? heldText : ""} `,
      dry ? "Nothing was recorded." : "Download the results below, fix the rows marked Rejected in a spreadsheet, and upload the file again: rows already credited are not credited twice."],
    "", { id: "upload-outcome" });
  fill(out,
    h("h2", { id: "report-heading", tabindex: "-1" }, dry ? "Check only: nothing was recorded" : `Upload ${up.uploadId}`),
    dry ? null : h("p", {}, "Status: ", h("strong", { id: "upload-status", dataset: { status: up.status } }, "Done"),
      up.createdAt ? `. Received ${dateTime(up.createdAt)}.` : ""),
    (up.notices || []).map((n) => notice(n.message, "", { class: "notice ignored-columns", id: "ignored-columns" })),
    outcome,
    facts([
      ["Rows", h("span", { id: "total-rows" }, count(t.rows))],
      ["Accepted", h("span", { id: "total-accepted" }, count(t.accepted))],
      ["Rejected", h("span", { id: "total-rejected" }, count(t.rejected))],
      ["Filing fees", h("span", { id: "total-fees" }, money(t.fees?.amountCents ?? 0, currency))],
    ]),
    dry && t.fees?.amountCents > 0
      ? notice(`A filing fee of ${money(t.fees.amountCents, currency)} would be due for the accepted rows: their attendees' CECs are issued once it is paid.`, "", { id: "dry-run-fee" })
      : null,
    up.rowsOmitted > 0
      ? notice(`The check shows ${count(up.rows.length)} of the ${count(t.rows)} rows: every rejected row first, then accepted ones. The totals count every row.`, "", { id: "dry-run-omitted" })
      : null,
    byReason(t),
    download ? h("p", {}, actionButton({ class: "secondary", id: "download-results" }, "Download the results (CSV)", out, download),
      " Every row with its result, the rejected rows first: correct them in a spreadsheet and upload the file again.") : null,
    rowsView(pages, up.rowsOmitted > 0 ? up.rows.length : t.rows, currency));
}

/** The rejected rows counted by reason, most first. */
function byReason(t) {
  const entries = Object.entries(t.rejectedByReason || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return null;
  return table("Rejected rows by reason", ["Reason", "Rows"],
    entries.map(([code, n]) => h("tr", { dataset: { reason: code } }, h("td", {}, reasons[code] || "Rejected"), h("td", {}, count(n)))), { id: "rejected-by-reason" });
}

/**
 * Every row of the report, a page at a time in row order (pages(cursor)
 * resolves to {rows, nextCursor}); on each page the rejected rows first,
 * and a filter to show only the rejected or only the accepted ones.
 */
function rowsView(pages, total, currency) {
  const filter = radios("Show", "rowFilter", [["all", "All rows, the rejected first"], ["rejected", "Rejected rows only"], ["accepted", "Accepted rows only"]],
    { value: "all", id: "row-filter" });
  const range = h("p", { id: "rows-range", tabindex: "-1" });
  const wrap = table("Each row of the roster", ["Row", "Holder ID", "Name", "Completion date", { text: "Result", outcome: true }, "Fee"], [], { id: "row-results" });
  const body = wrap.querySelector("tbody");
  const errors = h("div", {});
  const prev = h("button", { type: "button", class: "secondary", id: "rows-prev", hidden: true }, "Previous rows");
  const next = h("button", { type: "button", class: "secondary", id: "rows-next", hidden: true }, "Next rows");
  // The same pair above the table: 500 rows are long to scroll past.
  const prevTop = h("button", { type: "button", class: "secondary", id: "rows-prev-top", hidden: true }, "Previous rows");
  const nextTop = h("button", { type: "button", class: "secondary", id: "rows-next-top", hidden: true }, "Next rows");
  // What is shown: the page's cursor and the number of rows before it, for
  // every page up to this one (so that Previous goes back).
  const trail = [{ cursor: "", before: 0 }];
  let rows = [];
  let nextCursor = "";

  const draw = () => {
    const which = filter.querySelector("input:checked")?.value || "all";
    const rejected = rows.filter((r) => !r.accepted);
    const accepted = rows.filter((r) => r.accepted);
    const shown = which === "rejected" ? rejected : which === "accepted" ? accepted : [...rejected, ...accepted];
    fill(body, shown.map((r) => h("tr", { dataset: { row: r.row, accepted: r.accepted, reason: r.reason || "" } },
      h("td", {}, String(r.row)), h("td", {}, r.holderId), h("td", {}, [r.firstName, r.lastName].filter(Boolean).join(" ")),
      h("td", {}, r.completionDate ? date(r.completionDate) : ""),
      h("td", {}, r.accepted ? h("span", { class: "accepted" }, "Accepted") : h("span", { class: "rejected" }, `Rejected: ${humanDates(r.message) || reasons[r.reason] || ""}`)),
      h("td", {}, r.accepted && typeof r.feeCents === "number" ? money(r.feeCents, currency) : ""))));
    if (!shown.length) {
      body.append(h("tr", {}, h("td", { colspan: "6" }, which === "rejected" ? "No rejected rows on this page." : "No accepted rows on this page.")));
    }
    const before = trail[trail.length - 1].before;
    const here = `results ${count(before + 1)} to ${count(before + rows.length)} of ${count(total)} (rows ${rows[0]?.row} to ${rows[rows.length - 1]?.row} of the file)`;
    fill(range, !rows.length ? "No rows."
      : which === "all" ? `${sentence(here)}: ${count(rejected.length)} rejected and ${count(accepted.length)} accepted here.`
        : `Showing the ${plural(shown.length, `${which} row`, `${which} rows`)} of ${here}.`);
    prev.hidden = prevTop.hidden = trail.length < 2;
    next.hidden = nextTop.hidden = !nextCursor;
  };
  const load = async (cursor) => {
    const res = await pages(cursor);
    rows = res.rows;
    nextCursor = res.nextCursor;
    errors.replaceChildren();
    draw();
  };
  const move = async (button, forward) => {
    button.disabled = true;
    try {
      if (forward) trail.push({ cursor: nextCursor, before: trail[trail.length - 1].before + rows.length });
      else trail.pop();
      try {
        await load(trail[trail.length - 1].cursor);
      } catch (err) {
        if (forward) trail.pop();
        else trail.push({ cursor: "", before: 0 });
        throw err;
      }
      range.focus();
      announce(range.textContent);
    } catch (err) {
      errorNotice(errors, err);
    } finally {
      button.disabled = false;
    }
  };
  prev.addEventListener("click", () => move(prev, false));
  next.addEventListener("click", () => move(next, true));
  prevTop.addEventListener("click", () => move(prevTop, false));
  nextTop.addEventListener("click", () => move(nextTop, true));
  filter.addEventListener("change", () => {
    draw();
    announce(range.textContent);
  });
  load("").catch((err) => errorNotice(errors, err));
  return h("div", { id: "rows-view" }, h("h3", {}, "Each row"), filter, range, h("div", { class: "actions" }, prevTop, nextTop), wrap,
    h("div", { class: "actions" }, prev, next), errors);
}

/** Downloads an upload's results as one CSV file (downloadCSV). */
function downloadResults(programId, uploadId) {
  return downloadCSV(uploadPath(programId, uploadId), `attendance-${uploadId}.csv`, "download-results");
}

/** The program's past uploads, newest first, each linking to its report. */
function pastUploads(programId, several = false) {
  const holder = h("div", {});
  const el = h("section", { id: "past-uploads", "aria-labelledby": "past-uploads-heading" }, h("h2", { id: "past-uploads-heading" }, "Past uploads"), holder);
  const row = (u) => h("tr", { dataset: { uploadId: u.uploadId, status: u.status } },
    h("td", {}, dateTime(u.createdAt)),
    several ? h("td", {}, String(u.offering || 1)) : null,
    h("td", {}, count(u.rowCount)),
    h("td", {}, u.totals ? count(u.totals.accepted) : "—"),
    h("td", {}, u.totals ? count(u.totals.rejected) : "—"),
    h("td", {}, u.status === "done" ? "Done" : "Crediting"),
    h("td", {}, !u.filingFeeInvoice ? "None"
      : u.filingFeeInvoice.status === "open" ? h("strong", {}, `${money(u.filingFeeInvoice.amountCents, u.filingFeeInvoice.currency)} unpaid`)
        : `${money(u.filingFeeInvoice.amountCents, u.filingFeeInvoice.currency)} paid`),
    h("td", {}, h("a", { href: `#/provider/programs/${enc(programId)}/attendance/${enc(u.uploadId)}` }, `Report of ${u.uploadId}`)));
  const refresh = async () => {
    const wrap = table("Uploads of this program, newest first", ["Received", ...(several ? ["Offering"] : []), "Rows", "Accepted", "Rejected", { text: "Status", outcome: true }, "Filing fee", "Report"], [],
      { id: "past-uploads-table" });
    const list = pagedList(wrap.querySelector("tbody"), async (cursor) => {
      const res = await api("GET", `/programs/${enc(programId)}/attendance?${pageQuery({ limit: "20" }, cursor)}`);
      return { items: res.uploads, nextCursor: res.nextCursor };
    }, row);
    const first = await list.first();
    fill(holder, first.length ? [wrap, list.more] : h("p", { id: "no-past-uploads" }, "No uploads yet: reported attendance is listed here."));
  };
  return { el, refresh };
}

/**
 * Corrections of a posted upload: the ones made, and while the provider
 * may still correct it (the API's providerMayCorrectUntil), a form to
 * remove an attendee (their credit withdrawn) or add one who was left off,
 * with the reason the holder is told.
 */
function correctionsSection(programId, uploadId, onCount = () => {}) {
  const path = `${uploadPath(programId, uploadId)}/corrections`;
  const listBox = h("div", { id: "corrections-list", "aria-live": "polite" });
  const done = h("div", { id: "correction-done" });
  const addFields = h("div", { class: "grid two", id: "correction-add-fields", hidden: true },
    field("First name", "firstName", { id: "correction-first", neededWhen: "needed to add" }),
    field("Last name", "lastName", { id: "correction-last", neededWhen: "needed to add" }),
    field("Completion date", "completionDate", { type: "date", id: "correction-date", neededWhen: "needed to add" }));
  const f = form({ id: "correction-form" }, [
    radios("Correction", "action", [["remove", "Remove an attendee: their credit for this program is withdrawn"], ["add", "Add an attendee who was left off"]],
      { required: true, id: "correction-action" }),
    field("Holder ID", "holderId", { required: true, id: "correction-holder", cls: "short" }),
    addFields,
    field("Reason", "reason", { type: "textarea", rows: 2, required: true, id: "correction-reason", hint: "Kept in the history and sent to the holder" }),
  ], "Record the correction");
  const adding = () => f.querySelector("input[name=action]:checked")?.value === "add";
  f.addEventListener("change", () => { addFields.hidden = !adding(); });
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    done.replaceChildren();
    submitting(f, async () => {
      const body = readForm(f);
      const need = [["action", "Choose whether to remove or add the attendee"], ["holderId", "Enter the holder ID"],
        ...(adding() ? [["firstName", "Enter the first name"], ["lastName", "Enter the last name"], ["completionDate", "Enter the completion date"]] : []),
        ["reason", "Enter the reason for the correction"]];
      const missing = need.filter(([k]) => !body[k]).map(([field, message]) => ({ field, message }));
      if (missing.length) throw problem(missing);
      if (!adding()) for (const k of ["firstName", "lastName", "completionDate"]) delete body[k];
      let c;
      try {
        c = await api("POST", path, { body });
      } catch (err) {
        // The refusals about the holder stand on the holder's field, dates
        // in the API's words as people read them.
        if (["not_credited", "already_credited"].includes(err.code)) {
          err.details = [{ field: "holderId", message: err.code === "not_credited"
            ? `${body.holderId} is not credited by this upload, so there is nothing to remove. A credit from another upload is corrected on that upload.`
            : `${body.holderId} is already credited for this program: nothing was changed.` }];
          err.message = "There is a problem";
        }
        err.details = (err.details || []).map((d) => ({ ...d, message: humanDates(d.message) }));
        throw err;
      }
      f.reset();
      addFields.hidden = true;
      const who = holderLabel(c.firstName, c.lastName, c.holderId);
      const text = c.action === "remove"
        ? `${who} is removed from this upload: their ${c.cecs} CECs for this program are withdrawn. They are told by email, with your reason.`
        : `${who} is added: ${c.cecs} CECs for this program, completed on ${date(c.completionDate)}, are on their transcript. They are told by email, with your reason.`;
      fill(done, notice(text, "ok", { tabindex: "-1", id: "correction-recorded" }));
      done.firstChild.focus();
      announce(text);
      await load();
    });
  });
  const load = async () => {
    const [res, now] = await Promise.all([api("GET", path), serverNow()]);
    const until = res.providerMayCorrectUntil;
    // The association's calendar on the service's clock; the API decides.
    const open = until >= dateIn(now, policy.association.timeZone) || session()?.role === "staff";
    f.hidden = !open;
    fill(listBox,
      h("p", { id: "corrections-window" }, session()?.role === "staff"
        ? `The provider could correct it until ${date(until)}; the association's office can correct it at any time.`
        : open
        ? `Found a mistake after crediting? Remove an attendee, or add one who was left off, until ${date(until)}.`
        : ["This upload can no longer be corrected here (the last day was ", date(until), "). To correct it, ", writeToOffice(),
          ` with the program ID (${programId}) and the upload's reference (${uploadId}).`]),
      res.corrections.length
        ? table("Corrections of this upload, oldest first", ["When", "Attendee", { text: "Correction", outcome: true }, "Reason"],
          res.corrections.map((c) => h("tr", { dataset: { correctionId: c.correctionId, action: c.action } },
            h("td", {}, dateTime(c.at)), h("td", {}, holderLabel(c.firstName, c.lastName, c.holderId)),
            h("td", {}, c.action === "remove" ? `Removed: ${c.cecs} CECs withdrawn` : `Added: ${c.cecs} CECs credited`, c.byStaff ? " (by the association's office)" : ""),
            h("td", {}, c.reason))), { id: "corrections-table" })
        : null);
    onCount(res.corrections.length);
  };
  load().catch((err) => errorNotice(listBox, err));
  return h("section", { id: "corrections", "aria-labelledby": "corrections-heading" },
    h("h3", { id: "corrections-heading" }, "Corrections after posting"), listBox, done, f);
}

/**
 * #/staff/uploads/:id/:uploadId: an upload as the association's office
 * reads it, with its corrections and the form to correct it at any time
 * (after the provider's window, only the office can).
 */
export async function staffUpload(main, { id, uploadId }) {
  const view = page(main, "Correct an upload");
  const [p, up] = await Promise.all([api("GET", `/programs/${enc(id)}`), api("GET", `${uploadPath(id, uploadId)}?limit=1`)]);
  const t = up.totals || {};
  view.append(...[
    h("p", {}, h("strong", {}, p.title), ` (${p.programId}), ${p.providerName || "the provider"}; `,
      // The offering the upload reported: its dates are the ones a completion must lie within.
      ...(() => {
        const o = offeringsOf(p).find((x) => x.n === (up.offering || 1)) || p;
        return [(p.moreOfferings || []).length ? `offering ${up.offering || 1}, ` : "", `${dateTime(o.startsAt, o.timeZone)} to ${dateTime(o.endsAt, o.timeZone)}. `];
      })(),
      `${p.contactHours} CECs each.`),
    facts([
      ["Upload", up.uploadId],
      ["Received", dateTime(up.createdAt)],
      ["Rows", count(up.rowCount)],
      ["Accepted", count(t.accepted)],
      ["Rejected", count(t.rejected)],
      ["Status", up.status === "done" ? "Done" : "Crediting"],
      ["Filing fee", !up.filingFeeInvoice ? "None"
        : `${money(up.filingFeeInvoice.amountCents, up.filingFeeInvoice.currency)}, ${up.filingFeeInvoice.status === "open" ? "unpaid: the attendees' CECs wait for it"
          : up.filingFeeInvoice.credited ? "paid; the CECs are issued" : "paid; the CECs are being issued"}`],
    ]),
    up.filingFeeInvoice ? h("section", { id: "staff-filing-fee", "aria-labelledby": "staff-filing-fee-heading" },
      h("h2", { id: "staff-filing-fee-heading" }, `Filing fee ${up.filingFeeInvoice.invoiceId}`),
      paymentsTable(up.filingFeeInvoice.payments, up.filingFeeInvoice.amountCents, up.filingFeeInvoice.currency)) : null,
    correctionsSection(id, uploadId),
    h("p", {}, h("a", { href: "#/staff/corrections" }, "Every correction"))].filter(Boolean));
}
