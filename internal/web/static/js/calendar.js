// The public CEC calendar: approved programs whose providers asked to list
// them, upcoming first. Anyone may read it, signed in or not (GET /calendar).

import policy from "../policy.js";
import { h, fill } from "./dom.js";
import { api } from "./api.js";
import { page, notice, dateTime, formatText, pagedList } from "./view.js";

/** #/calendar: upcoming programs that earn CECs, a page at a time. */
export async function calendar(main) {
  const view = page(main, "CEC calendar");
  const name = policy.association.name || "the association";
  const list = h("ul", { class: "calendar", id: "calendar-list" });
  const summary = h("p", { id: "calendar-summary", "aria-live": "polite" });
  const paged = pagedList(list, async (cursor) => {
    const q = new URLSearchParams();
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", `/calendar${q.size ? `?${q}` : ""}`);
    return { items: res.programs, nextCursor: res.nextCursor };
  }, entry, (shown, more) => {
    fill(summary, shown
      ? `${shown} ${shown === 1 ? "program" : "programs"} in the coming year${more ? ", and more below" : ""}.`
      : "");
    if (!shown) fill(list, h("li", {}, notice("No approved program is listed for the coming year yet.", "", { id: "calendar-empty" })));
  });
  view.append(
    h("p", {}, `Programs ${name} has approved for CECs, whose providers chose to list them here. Times are at the program's place.`),
    summary, list, paged.more);
  await paged.first();
}

/** One program of the calendar. */
function entry(e) {
  const place = e.location || (e.url ? h("a", { href: e.url, rel: "noopener" }, "Join online") : "");
  return h("li", { class: "card", dataset: { programId: e.programId, offering: String(e.offering || 1) } },
    h("h2", {}, e.title),
    h("p", {}, `${e.providerName} · ${formatText(e.format)} · ${e.contactHours} ${Number(e.contactHours) === 1 ? "CEC" : "CECs"}`,
      e.compliance ? " · addresses legislative or regulatory compliance" : ""),
    h("p", {}, h("strong", {}, dateTime(e.startsAt, e.timeZone)), " to ", dateTime(e.endsAt, e.timeZone)),
    place ? h("p", {}, place) : null);
}
