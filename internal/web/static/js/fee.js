// The application fee preview and the date arithmetic it needs, done the
// way the server prices an invoice (internal/programs ComputeFee): CECs in
// exact hundredths, integer cents rounded half up, and "late" decided on
// calendar dates in the association's time zone. The rates come from
// policy.js, never from this file. The server's invoice is what is paid.

/** "6", "1.5", "0.25" → hundredths (600, 150, 25); null if not such a number. */
export function hundredths(s) {
  const m = String(s ?? "").trim().match(/^(\d+)(?:\.(\d{1,2}))?$/);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
}

/** The UTC offset of timeZone at the instant ms, in minutes (−360 for UTC−6). */
export function offsetMinutes(timeZone, ms) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(new Date(ms));
  const name = parts.find((p) => p.type === "timeZoneName")?.value || "GMT";
  const m = name.match(/^GMT([+-])(\d{2}):?(\d{2})?$/);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0));
}

function pad(n, w = 2) {
  return String(Math.abs(n)).padStart(w, "0");
}

function formatOffset(min) {
  if (min === 0) return "Z";
  return `${min < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(min) / 60))}:${pad(Math.abs(min) % 60)}`;
}

/**
 * A wall-clock time "YYYY-MM-DDTHH:MM" in timeZone → RFC 3339 with that
 * zone's offset at that time ("2027-03-10T09:00:00-06:00"); null if invalid.
 */
export function zonedToRFC3339(local, timeZone) {
  const m = String(local || "").match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/);
  if (!m || !timeZone) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  if (Number.isNaN(wall)) return null;
  let off;
  try {
    off = offsetMinutes(timeZone, wall);
    // Second pass: the offset at the instant the first guess gives.
    off = offsetMinutes(timeZone, wall - off * 60000);
  } catch {
    return null;
  }
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] || "00"}${formatOffset(off)}`;
}

/** An RFC 3339 instant → "YYYY-MM-DDTHH:MM" as the wall clock of timeZone reads it. */
export function rfc3339ToZoned(iso, timeZone) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The calendar date "YYYY-MM-DD" of the instant in timeZone. */
export function dateIn(instant, timeZone) {
  const d = instant instanceof Date ? instant : new Date(instant);
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** Whole calendar days from date a to date b ("YYYY-MM-DD"). */
export function calendarDays(a, b) {
  const ms = (s) => { const [y, m, d] = s.split("-").map(Number); return Date.UTC(y, m - 1, d); };
  return Math.round((ms(b) - ms(a)) / 86400000);
}

/**
 * The fee an application of hours CECs starting at startsAt (RFC 3339)
 * would be invoiced if submitted at now: {amountCents, currency, late,
 * perCecCents, daysBefore, cecsHundredths}, or null when hours or start are
 * not given yet. programs is policy.programs; timeZone the association's.
 */
export function previewFee(programs, timeZone, hours, startsAt, now) {
  const h = hundredths(hours);
  if (h === null || h <= 0 || !startsAt) return null;
  const start = new Date(startsAt);
  if (Number.isNaN(start.getTime())) return null;
  const daysBefore = calendarDays(dateIn(now, timeZone), dateIn(start, timeZone));
  const late = daysBefore <= programs.lateWithinDays;
  const perCecCents = programs.applicationFeePerCecCents + (late ? programs.lateFeePerCecCents : 0);
  // hundredths × cents / 100, rounded half up, in integers.
  const amountCents = Math.floor((h * perCecCents + 50) / 100);
  return { amountCents, currency: programs.currency, late, perCecCents, daysBefore, cecsHundredths: h };
}

/** Integer cents → "$300.00" (or "300.00 EUR" style for other currencies). */
export function money(cents, currency) {
  if (typeof cents !== "number") return "";
  const neg = cents < 0;
  const abs = Math.abs(cents);
  const text = `${Math.trunc(abs / 100)}.${pad(abs % 100)}`;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(Number((neg ? "-" : "") + text));
  } catch {
    return `${neg ? "-" : ""}${text} ${currency || ""}`.trim();
  }
}

/** Hundredths → "6", "1.5", "0.25". */
export function cecText(h) {
  const w = Math.trunc(h / 100);
  const f = h % 100;
  if (f === 0) return String(w);
  return f % 10 === 0 ? `${w}.${f / 10}` : `${w}.${pad(f)}`;
}
