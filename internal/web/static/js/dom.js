// Small DOM helpers. Text always goes in as text nodes, never as HTML, so
// that nothing the API returns can run as markup.

let uid = 0;

/** A unique element ID with a readable prefix. */
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * h("p", {class: "x", onclick: f}, "text", child) builds an element.
 * Attributes with false/null/undefined are left out; on* are listeners.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (k === "value" && (tag === "input" || tag === "textarea" || tag === "select")) {
      el.value = v;
    } else if (k === "checked" || k === "selected") {
      el[k] = Boolean(v);
      if (v) el.setAttribute(k, "");
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces el's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says text to screen-reader users without moving focus. */
export function announce(text) {
  const live = document.getElementById("announce");
  if (!live) return;
  live.textContent = "";
  // Set a moment later, so that screen readers speak a repeated message again.
  setTimeout(() => { live.textContent = text; }, 50);
}

/** A table inside a scrollable, keyboard-focusable wrapper. */
export function table(caption, headers, rows, attrs = {}) {
  const id = attrs.id || nextId("table");
  // A header is its text, or {text, outcome: true} for the column that
  // says how it ended (a verdict, a decision, a row's result): on a phone
  // each row stacks its cells under their headers, the outcome first.
  const heads = headers.map((x) => (typeof x === "string" ? { text: x } : x));
  const body = h("tbody", {}, rows);
  const label = () => {
    for (const tr of body.rows) {
      [...tr.cells].forEach((td, i) => {
        if (!heads[i]) return;
        td.dataset.label = heads[i].text;
        td.classList.toggle("outcome", !!heads[i].outcome);
      });
    }
  };
  label();
  new MutationObserver(label).observe(body, { childList: true }); // rows added later (a list's next page)
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": `${id}-caption` },
    h("table", { ...attrs, id, class: ["stack", attrs.class].filter(Boolean).join(" ") },
      h("caption", { id: `${id}-caption` }, caption),
      h("thead", {}, h("tr", {}, heads.map((x) => h("th", { scope: "col" }, x.text)))),
      body));
}

/** A definition list of [term, value] pairs. */
export function facts(pairs, attrs = {}) {
  return h("dl", { class: "facts", ...attrs }, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}
