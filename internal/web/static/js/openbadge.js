// Digital badges (Open Badges 3.0, docs/badges.md): the holder's download
// of a credited program's or a completed renewal's, and the public page
// where anyone checks one. "Badge", not "credential": a credential here is
// a CAM or a CAPS.

import policy from "../policy.js";
import { h, fill, facts } from "./dom.js";
import { api } from "./api.js";
import { field, form, submitting, problem } from "./forms.js";
import { page, notice } from "./view.js";
import { fileButton } from "./download.js";

const badgeType = "application/vc+jwt";

/** The download of a credited program's digital badge, beside its certificate. */
export function programBadgeButton(programId, errorsTo) {
  return fileButton({ class: "link open-badge", dataset: { programId } }, "Digital badge", errorsTo,
    `/holders/me/badges/programs/${encodeURIComponent(programId)}`, badgeType, `badge-${programId}.jwt`);
}

/** The download of a completed renewal's digital badge. */
export function renewalBadgeButton(year, errorsTo) {
  return fileButton({ id: "download-renewal-badge", class: "secondary" }, "Download the digital badge", errorsTo,
    `/holders/me/badges/renewals/${encodeURIComponent(year)}`, badgeType, `badge-renewal-${year}.jwt`);
}

/** What a digital badge is, for the pages that offer one. */
export function aboutBadges(id) {
  return h("p", { class: "hint", id }, "A digital badge is a file signed by ", policy.association.name || "the association",
    " (an Open Badge). Add it to a digital wallet or a professional profile, or send it to an employer: anyone can ",
    h("a", { href: "#/badges/check" }, "check a digital badge"), " to see it is genuine.");
}

/** #/badges/check: anyone checks a digital badge, from its file or its text. */
export async function checkBadge(main) {
  const view = page(main, "Check a digital badge");
  const name = policy.association.name || "the association";
  const file = field("The badge file", "file", {
    type: "file", neededWhen: "unless you paste it", hint: "The file its holder downloaded from the CEC portal. Its name ends in .jwt.",
    attrs: { accept: ".jwt,application/vc+jwt,text/plain" },
  });
  const text = field("Or paste the badge", "credential", {
    type: "textarea", rows: 4, neededWhen: "unless you choose the file", hint: "Everything in the file, as a text editor shows it: a long run of letters and numbers with two dots in it.", attrs: { spellcheck: "false", autocapitalize: "off" },
  });
  const result = h("div", { id: "badge-result", tabindex: "-1" });
  const f = form({ id: "badge-check" }, [file, text], "Check the badge");
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    fill(result);
    await submitting(f, async () => {
      let badge = f.querySelector('[name="credential"]').value.trim();
      const chosen = f.querySelector('[name="file"]').files[0];
      if (!badge && chosen) {
        if (chosen.size > 65536) throw problem([{ field: "file", message: "The file is too big to be a digital badge. Choose the file ending in .jwt" }]);
        badge = (await chosen.text()).trim();
      }
      if (!badge) throw problem([{ field: "file", message: "Choose the badge file, or paste the badge" }]);
      const v = await api("POST", "/badges/verify", { body: { credential: badge }, auth: false });
      fill(result, verdict(v, name));
      result.focus();
    });
  });
  view.append(
    h("p", {}, `${name} signs the digital badges it issues for programs credited to a holder and for completed renewals. `
      + "Check one here: you do not need to sign in. The check says whether the association issued it, whether it was changed since, "
      + "and whether it has been withdrawn."),
    f, result);
}

/** What the check found, in words. */
function verdict(v, name) {
  const details = v.result === "not_valid" ? null : facts([
    ["Issued to", v.holder || "not stated"],
    ["For", v.achievement || "not stated"],
    ["CECs", v.cecs || "0"],
    ["Issued on", v.issuedOn || "not stated"],
    ...(v.revoked ? [["Withdrawn on", v.revoked.on], ["Why", v.revoked.reason]] : []),
  ]);
  switch (v.result) {
    case "valid":
      return [notice(`This badge is genuine: ${name} issued it, it has not been changed, and it has not been withdrawn.`, "ok", { id: "badge-valid" }), details];
    case "revoked":
      return [notice(`${name} issued this badge but has withdrawn it: it no longer counts.`, "warn", { id: "badge-revoked" }), details];
    default:
      return notice([`This is not a genuine badge of ${name}. `, v.summary.replace(/^This badge is not valid: /, "The check found that ")], "error", { id: "badge-not-valid" });
  }
}
