// #/staff/dashboard: the office's numbers at a glance (GET /dashboard).
// Each figure is a chart drawn here as plain SVG (no library: a few bars
// need none, and the page stays small), the same numbers as a table, which
// is what screen readers read (the chart is hidden from them), and a CSV
// of them.

import { h, announce, table } from "./dom.js";
import { api } from "./api.js";
import { page, programStatusText, monthText } from "./view.js";
import { saveFile } from "./download.js";
import { money } from "./fee.js";

const svgNS = "http://www.w3.org/2000/svg";

/** A program's life, for the CSV's columns (dashboard.StatusOrder). */
const StatusOrder = ["draft", "submitted", "refused", "fee_due", "paid", "in_review", "approved", "rejected"];

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/**
 * A horizontal bar chart of counts (label text from labelOf): each row its
 * label above its bar, the number at the bar's end; drawn at width pixels
 * (the page's, when it is drawn), so that its text is the page's size on a
 * phone too and a long label has the whole width.
 */
function barChart(counts, labelOf, width, valueText = String) {
  const row = 46;
  const room = width - 96; // for the number after the longest bar
  const most = Math.max(1, ...counts.map((c) => c.value));
  const bars = counts.map((c, i) => {
    const y = i * row;
    const w = Math.max(2, Math.round((room * c.value) / most));
    return svg("g", {},
      svg("text", { x: 0, y: y + 15, class: "chart-label" }, labelOf(c.key)),
      svg("rect", { x: 0, y: y + 22, width: w, height: 16, rx: 2, class: "chart-bar" }),
      svg("text", { x: w + 6, y: y + 35, class: "chart-value" }, valueText(c.value)));
  });
  return svg("svg", { viewBox: `0 0 ${width} ${counts.length * row}`, width, "aria-hidden": "true", focusable: "false", class: "chart" }, ...bars);
}

/** A CSV of counts with a header, downloaded as filename. */
function csvButton(id, filename, header, rows) {
  return h("button", { type: "button", class: "secondary", id, onclick: () => {
    const quote = (v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const text = [header, ...rows].map((r) => r.map(quote).join(",")).join("\r\n") + "\r\n";
    saveFile(new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" }), filename);
    announce(`${filename} is downloaded.`);
  } }, "Download as CSV");
}

/** The section of the last twelve months' revenue. */
function revenueSection(revenue, width) {
  const fees = (r) => r.applicationFeesCents + r.filingFeesCents;
  const currency = revenue.find((r) => r.currency)?.currency || "USD";
  const one = revenue.every((r) => !r.currency || r.currency === currency);
  const rows = revenue.map((r) => h("tr", { dataset: { month: r.month } },
    h("td", {}, monthText(r.month, "short")),
    h("td", {}, money(r.applicationFeesCents, r.currency || currency)),
    h("td", {}, money(r.filingFeesCents, r.currency || currency)),
    h("td", {}, money(r.renewalsCents, r.currency || currency))));
  return h("section", { id: "dash-revenue", "aria-labelledby": "dash-revenue-heading" },
    h("h2", { id: "dash-revenue-heading" }, "Fees taken, the last twelve months"),
    h("p", {}, "What was paid, less what was refunded, each month (the association's months). The chart shows the application and filing fees together; the table has each kind, and renewals."),
    one ? barChart(revenue.map((r) => ({ key: r.month, value: fees(r) })), (m) => monthText(m, "short"), width, (c) => money(c, currency)) : null,
    table("Fees taken by month", ["Month", "Application fees", "Filing fees", "Renewals"], rows, { id: "dash-revenue-table" }),
    h("div", { class: "actions" }, csvButton("dash-revenue-csv", "fees-by-month.csv", ["Month", "Currency", "Application fees", "Filing fees", "Renewals"],
      revenue.map((r) => [r.month, r.currency || currency, cents(r.applicationFeesCents), cents(r.filingFeesCents), cents(r.renewalsCents)]))));
}

/** A CEC rule a holder may be short of, in words. */
const ruleWords = {
  total: "The CECs required",
  association_minimum: "The minimum from the association",
  compliance_minimum: "The compliance minimum",
};

/** The section of the CEC compliance of the season's renewal year. */
function complianceSection(c, width) {
  const all = c.met + c.short;
  return h("section", { id: "dash-compliance", "aria-labelledby": "dash-compliance-heading" },
    h("h2", { id: "dash-compliance-heading" }, `CECs for the ${c.year} renewal`),
    all
      ? [h("p", { id: "dash-compliance-summary" }, `Of ${all} invoiced ${all === 1 ? "holder" : "holders"}, ${c.met} ${c.met === 1 ? "has" : "have"} the CECs the renewal needs and ${c.short} ${c.short === 1 ? "is" : "are"} short. Kept current as credits come.`),
        barChart([{ key: "met", value: c.met }, { key: "short", value: c.short }], (k) => (k === "met" ? "Met" : "Short"), width),
        c.shortBy.length
          ? table("Holders short, by rule", ["Short of", "Holders"],
            c.shortBy.map((r) => h("tr", { dataset: { rule: r.key } }, h("td", {}, ruleWords[r.key] || r.key), h("td", {}, String(r.value)))), { id: "dash-compliance-table" })
          : null,
        h("div", { class: "actions" }, csvButton("dash-compliance-csv", `cecs-${c.year}-renewal.csv`, ["Verdict", "Holders"],
          [["Met", c.met], ["Short", c.short], ...c.shortBy.map((r) => [`Short of: ${ruleWords[r.key] || r.key}`, r.value])]))]
      : h("p", { id: "dash-compliance-none" }, `No ${c.year} renewal invoice has been issued yet.`));
}

/** The section of the providers with the most programs. */
function providersSection(top, providers, width) {
  const status = (p, s) => p.byStatus.find((c) => c.key === s)?.value || 0;
  const name = (p) => p.name || p.providerId;
  return h("section", { id: "dash-providers", "aria-labelledby": "dash-providers-heading" },
    h("h2", { id: "dash-providers-heading" }, "Programs by provider"),
    top.length
      ? [h("p", {}, providers > top.length
          ? `The ${top.length} providers with the most programs, of ${providers} with any.`
          : `${providers} ${providers === 1 ? "provider has" : "providers have"} programs.`),
        barChart(top.map((p) => ({ key: p.providerId, value: p.total })), (id) => name(top.find((p) => p.providerId === id)), width),
        table("Programs of each provider", ["Provider", "Approved", "In review", "Other", "All"],
          top.map((p) => h("tr", { dataset: { provider: p.providerId } }, h("td", {}, name(p)), h("td", {}, String(status(p, "approved"))),
            h("td", {}, String(status(p, "in_review"))), h("td", {}, String(p.total - status(p, "approved") - status(p, "in_review"))),
            h("td", {}, String(p.total)))), { id: "dash-providers-table" }),
        h("div", { class: "actions" }, csvButton("dash-providers-csv", "programs-by-provider.csv",
          ["Provider ID", "Provider", ...StatusOrder.map(programStatusText), "All"],
          top.map((p) => [p.providerId, name(p), ...StatusOrder.map((s) => status(p, s)), p.total])))]
      : h("p", { id: "dash-providers-none" }, "No provider has a program yet."));
}

/** The section of the CECs credited to transcripts, the last twelve months. */
function creditedSection(credited, width) {
  const n = (x) => Number(x).toLocaleString("en-US", { maximumFractionDigits: 2 });
  return h("section", { id: "dash-credited", "aria-labelledby": "dash-credited-heading" },
    h("h2", { id: "dash-credited-heading" }, "CECs credited, the last twelve months"),
    h("p", {}, "The CECs put on holders' transcripts each month, from providers' attendance and staff's corrections, less those withdrawn that month."),
    credited.every((m) => m.credits === 0)
      ? h("p", { id: "dash-credited-none" }, "No CECs have been credited in the last twelve months.")
      : [barChart(credited.map((m) => ({ key: m.month, value: m.cecs })), (m) => monthText(m, "short"), width, (v) => `${n(v)} CECs`),
        table("CECs credited by month", ["Month", "Credits", { text: "CECs", outcome: true }],
          credited.map((m) => h("tr", { dataset: { month: m.month } }, h("td", {}, monthText(m.month, "short")),
            h("td", {}, n(m.credits)), h("td", {}, n(m.cecs)))), { id: "dash-credited-table" }),
        h("div", { class: "actions" }, csvButton("dash-credited-csv", "cecs-credited-by-month.csv", ["Month", "Credits", "CECs"],
          credited.map((m) => [m.month, m.credits, m.cecs])))]);
}

/** Cents as decimal money for a CSV: 12500 → "125.00". */
function cents(n) {
  const sign = n < 0 ? "-" : "";
  const a = Math.abs(n);
  return `${sign}${Math.trunc(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

/** The section of the renewal season under way, week by week. */
function seasonSection(season, width) {
  const weekText = (w) => {
    // "2026-W45" as "Week of Nov 2, 2026": the week's Monday.
    const [y, n] = w.split("-W").map(Number);
    const jan4 = new Date(Date.UTC(y, 0, 4));
    const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86400000 + (n - 1) * 7 * 86400000);
    return `Week of ${monday.toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" })}`;
  };
  return h("section", { id: "dash-season", "aria-labelledby": "dash-season-heading" },
    h("h2", { id: "dash-season-heading" }, `The ${season.year} renewal season`),
    season.weeks.length
      ? [h("p", { id: "dash-season-summary" }, `${season.invoiced} invoiced, ${season.paid} paid, ${season.outstanding} outstanding`
          + (season.lapsed > 0 ? `, of which ${season.lapsed} lapsed (the grace period has ended).` : ".")),
        h("p", {}, "The chart shows the invoices still outstanding at the end of each week."),
        barChart(season.weeks.map((w) => ({ key: w.week, value: w.outstanding })), weekText, width),
        table("The season by week", ["Week", "Invoiced", "Paid", "Outstanding at its end"],
          season.weeks.map((w) => h("tr", { dataset: { week: w.week } }, h("td", {}, weekText(w.week)), h("td", {}, String(w.invoiced)),
            h("td", {}, String(w.paid)), h("td", {}, String(w.outstanding)))), { id: "dash-season-table" }),
        h("div", { class: "actions" }, csvButton("dash-season-csv", `renewal-season-${season.year}.csv`, ["Week", "Invoiced", "Paid", "Outstanding"],
          season.weeks.map((w) => [w.week, w.invoiced, w.paid, w.outstanding])))]
      : h("p", { id: "dash-season-none" }, `No ${season.year} renewal invoice has been issued yet.`));
}

/** #/staff/dashboard: the office's figures. */
export async function dashboard(main) {
  const view = page(main, "Numbers at a glance");
  const f = await api("GET", "/dashboard");
  const width = Math.max(280, Math.min(640, view.clientWidth || 640));
  view.append(h("p", {}, "Counted as the records change, so they are always current."));
  const programs = f.programsByStatus;
  const total = programs.reduce((n, c) => n + c.value, 0);
  view.append(h("section", { id: "dash-programs", "aria-labelledby": "dash-programs-heading" },
    h("h2", { id: "dash-programs-heading" }, "Programs by status"),
    programs.length
      ? [h("p", {}, `${total} ${total === 1 ? "program" : "programs"} in all.`),
        barChart(programs, programStatusText, width),
        table("Programs in each status", ["Status", { text: "Programs", outcome: true }],
          programs.map((c) => h("tr", { dataset: { status: c.key } }, h("td", {}, programStatusText(c.key)), h("td", {}, String(c.value)))), { id: "dash-programs-table" }),
        h("div", { class: "actions" }, csvButton("dash-programs-csv", "programs-by-status.csv", ["Status", "Programs"], programs.map((c) => [programStatusText(c.key), c.value])))]
      : h("p", { id: "dash-programs-none" }, "No program has been applied for yet.")),
  providersSection(f.topProviders, f.providers, width),
  seasonSection(f.season, width),
  complianceSection(f.compliance, width),
  creditedSection(f.credited, width),
  revenueSection(f.revenue, width));
}
