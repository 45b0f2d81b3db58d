// Small DOM helpers: elements without innerHTML, a confirmation dialog, announcements.
import { t } from "./i18n.js";

/** h("button", {class: "kern-btn", onclick}, "text", child, ...) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A KERN text input with its label; returns {wrapper, input}. */
export function field(label, attributes = {}) {
  const id = attributes.id || uid("field");
  const input = h("input", { class: "kern-form-input__input", type: "text", ...attributes, id });
  const wrapper = h("div", { class: "kern-form-input" }, h("label", { class: "kern-label", for: id }, label), input);
  return { wrapper, input };
}

export function button(text, onclick, variant = "primary", attributes = {}) {
  return h("button", { type: "button", class: `kern-btn kern-btn--${variant}`, onclick, ...attributes },
    h("span", { class: "kern-label" }, text));
}

export function alert(kind, text) {
  return h("div", { class: `kern-alert kern-alert--${kind}`, role: kind === "danger" ? "alert" : "status" },
    h("div", { class: "kern-alert__header" }, h("span", { class: "kern-title" }, text)));
}

export function announce(text) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

export function heading(text) {
  return h("h1", { class: "kern-heading-large", id: "page-heading", tabindex: "-1" }, text);
}

/**
 * Asks before a decision: resolves to {reason} when confirmed, null when cancelled.
 * With `withReason` the person must give a reason.
 */
export function confirmDialog(question, { withReason = false } = {}) {
  return new Promise((resolve) => {
    const titleId = uid("dialog-title");
    const reason = withReason ? field(t("common.reason"), { required: true, autocomplete: "off" }) : null;
    const dialog = h("dialog", { class: "kern-dialog", "aria-labelledby": titleId },
      h("header", { class: "kern-dialog__header" }, h("h2", { class: "kern-title", id: titleId }, question)),
      h("section", { class: "kern-dialog__body" }, reason ? reason.wrapper : null),
      h("footer", { class: "kern-dialog__footer" }));
    const close = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    const footer = dialog.querySelector("footer");
    footer.append(
      button(t("common.cancel"), () => close(null), "secondary"),
      button(t("common.confirm"), () => {
        if (reason && !reason.input.value.trim()) { reason.input.focus(); return; }
        close({ reason: reason ? reason.input.value.trim() : "" });
      }, "primary", { "data-confirm": "" }),
    );
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(null); });
    document.body.append(dialog);
    dialog.showModal();
    (reason ? reason.input : footer.querySelector("[data-confirm]")).focus();
  });
}

export function table(caption, columns, rows, { hiddenCaption = false } = {}) {
  return h("div", { class: "kern-table-responsive" },
    h("table", { class: "kern-table kern-table--small" },
      h("caption", { class: hiddenCaption ? "kern-sr-only" : "kern-title" }, caption),
      h("thead", { class: "kern-table__head" },
        h("tr", { class: "kern-table__row" }, columns.map((c) => h("th", { class: "kern-table__header", scope: "col" }, c)))),
      h("tbody", { class: "kern-table__body" }, rows)));
}

export function row(cells) {
  return h("tr", { class: "kern-table__row" }, cells.map((c) => h("td", { class: "kern-table__cell" }, c)));
}

export function badge(kind, text) {
  return h("span", { class: `kern-badge kern-badge--${kind}` }, h("span", { class: "kern-label kern-label--small" }, text));
}
