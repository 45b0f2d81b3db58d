// Capacity: a month calendar of places per day and per arrival window, closed days and
// holidays (by name) shown, 24 and 31 December flagged; the office head sets a day's places or
// each window's.
import { lang, t, time } from "../i18n.js";
import { alert, announce, button, confirmDialog, field, h, heading } from "../ui.js";

// A day's places above this many times the usual ask to be confirmed (a typo such as 500 for 50).
const PLAUSIBLE_FACTOR = 3;

function iso(date) {
  return date.toISOString().slice(0, 10);
}

function windowText(w, long = false) {
  return long ? `${time(w.start)}–${time(w.end)}` : `${time(w.start)} ${w.capacity}`;
}

/** The usual places of a day: the median of the month's open days (the office's default). */
function usualSlots(items) {
  const open = items.filter((i) => !i.closed && i.slots > 0).map((i) => i.slots).sort((a, b) => a - b);
  return open.length ? open[Math.floor(open.length / 2)] : 0;
}

/** The API's field errors (problem+json `errors`) marked on their fields, KERN's way. */
function markErrors(fields, error) {
  for (const f of fields) clearError(f);
  const errors = Array.isArray(error.errors) ? error.errors : [];
  let first = null;
  for (const e of errors) {
    const target = fields.find((f) => f.matches(String(e.field || "")));
    if (!target || target.error) continue;
    target.error = h("p", { class: "kern-error", id: `${target.input.id}-error` },
      h("span", { class: "kern-icon kern-icon--danger", "aria-hidden": "true" }),
      h("span", { class: "kern-body" }, t("capacity.invalid_places")));
    target.wrapper.classList.add("kern-form-input--error");
    target.input.classList.add("kern-form-input__input--error");
    target.input.setAttribute("aria-invalid", "true");
    target.input.setAttribute("aria-describedby", target.error.id);
    target.input.after(target.error);
    first = first || target.input;
  }
  if (first) first.focus();
  return first !== null;
}

function clearError(f) {
  if (f.error) f.error.remove();
  f.error = null;
  f.wrapper.classList.remove("kern-form-input--error");
  f.input.classList.remove("kern-form-input__input--error");
  f.input.removeAttribute("aria-invalid");
  f.input.removeAttribute("aria-describedby");
}

function monthStart(text) {
  const [y, m] = text.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, 1));
}

export async function capacityPage(main, state) {
  const admin = state.isAdmin();
  let month = monthStart(new Date().toISOString());
  const title = h("h2", { class: "kern-heading-medium", id: "month-title" });
  const status = h("div", { "aria-live": "polite" });
  const grid = h("div", { class: "calendar", role: "group", "aria-labelledby": "month-title" });
  const editor = h("div", {});
  main.append(
    heading(t("capacity.heading")),
    ...(admin ? [] : [h("p", { class: "kern-body" }, t("capacity.admin_only"))]),
    h("div", { class: "toolbar" },
      button(t("capacity.prev"), () => { month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - 1, 1)); load(); }, "secondary", { "data-month": "prev" }),
      button(t("capacity.next"), () => { month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1)); load(); }, "secondary", { "data-month": "next" })),
    title, status, grid, editor);

  let loads = 0;
  let items = [];

  async function load() {
    // Months paged quickly: only the last one asked for is drawn.
    loads += 1;
    const mine = loads;
    const shown = month;
    const last = new Date(Date.UTC(shown.getUTCFullYear(), shown.getUTCMonth() + 1, 0));
    let answer;
    try {
      answer = await state.api.get(`/staff/capacity?from=${iso(shown)}&to=${iso(last)}`);
    } catch (error) {
      if (mine === loads) status.replaceChildren(alert("danger", error.message));
      return;
    }
    if (mine !== loads) return;
    items = answer.items;
    title.textContent = shown.toLocaleDateString(lang() === "de" ? "de-DE" : "en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
    const names = t("weekday.short").split(",");
    const cells = names.map((name) => h("div", { class: "weekday", "aria-hidden": "true" }, name));
    const offset = (shown.getUTCDay() + 6) % 7;
    for (let i = 0; i < offset; i += 1) cells.push(h("div", { "aria-hidden": "true" }));
    for (const item of items) cells.push(dayCell(item));
    grid.replaceChildren(...cells);
  }

  /** The month redrawn from what is kept: after a save, with the API's answer for the day. */
  function redraw() {
    const names = t("weekday.short").split(",");
    const cells = names.map((name) => h("div", { class: "weekday", "aria-hidden": "true" }, name));
    const offset = (month.getUTCDay() + 6) % 7;
    for (let i = 0; i < offset; i += 1) cells.push(h("div", { "aria-hidden": "true" }));
    for (const item of items) cells.push(dayCell(item));
    grid.replaceChildren(...cells);
  }

  function dayCell(item) {
    const date = new Date(`${item.date}T00:00:00Z`);
    const flagged = /-12-(24|31)$/.test(item.date);
    const label = date.toLocaleDateString(lang() === "de" ? "de-DE" : "en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
    const lines = [h("strong", {}, String(date.getUTCDate()))];
    const weekday = date.getUTCDay() >= 1 && date.getUTCDay() <= 5;
    if (item.holiday) lines.push(h("div", { class: "holiday" }, item.holiday));
    if (item.closed) lines.push(h("div", {}, t(item.holiday || !weekday ? "capacity.closed" : "capacity.holiday")));
    else lines.push(h("div", {}, `${item.slots} ${t("capacity.slots")}`), h("div", {}, `${item.given} ${t("capacity.given")}`));
    const open = (item.windows || []).filter((w) => w.capacity > 0);
    if (!item.closed && open.length) {
      // Only the windows with places: a round-the-clock day has 48 windows.
      const shown = open.length > 6 ? [...open.slice(0, 5).map((w) => windowText(w)), "…"] : open.map((w) => windowText(w));
      lines.push(h("div", { class: "windows" }, (item.windows_set ? `${t("capacity.per_window")}: ` : "") + shown.join(" · ")));
    }
    if (flagged) lines.push(h("div", { class: "kern-body--small" }, "⚑ ", t("capacity.flag")));
    if (item.notice) lines.push(h("div", { class: "kern-body--small" }, item.notice));
    const today = new Date().toISOString().slice(0, 10);
    const cell = h("button", {
      type: "button",
      class: `day${item.closed ? " day--closed" : ""}${flagged ? " day--flag" : ""}`,
      "aria-label": `${label}${item.holiday ? ` (${item.holiday})` : ""}: ${item.closed ? t(item.holiday || !weekday ? "capacity.closed" : "capacity.holiday") : t("capacity.day", { date: "", slots: item.slots, given: item.given }).replace(/^: /, "")}${flagged ? `. ${t("capacity.flag")}` : ""}`,
      disabled: !admin || item.date < today,
      "data-date": item.date,
      onclick: () => edit(item, label),
    }, lines);
    return cell;
  }

  async function saved(item, label, answer) {
    const message = t(answer.windows_set ? "capacity.saved_windows" : "capacity.saved", { date: label, slots: answer.slots });
    status.replaceChildren(alert("success", message));
    announce(message);
    editor.replaceChildren();
    // The API's answer is the day as stored: drawn as it is, not a second read of the month.
    items = items.map((i) => (i.date === item.date ? { ...i, ...answer, date: item.date } : i));
    redraw();
    const cell = grid.querySelector(`[data-date="${item.date}"]`);
    if (cell) cell.focus();
  }

  function edit(item, label) {
    // The day's places, spread evenly over its windows by the service...
    const slots = field(t("capacity.edit", { date: label }), { type: "number", min: "0", max: "1000", value: String(item.slots), name: "slots" });
    const dayForm = h("form", { class: "kern-stack", novalidate: true }, slots.wrapper,
      h("div", { class: "kern-btn-wrapper" },
        h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("common.save"))),
        button(t("common.cancel"), () => editor.replaceChildren(), "secondary")));
    const slotsField = { ...slots, error: null, matches: (name) => name === "slots" || name === "" };
    dayForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const typed = slots.input.value.trim();
      const value = typed === "" ? Number.NaN : Number(typed);
      const usual = Math.max(item.slots, usualSlots(items));
      if (Number.isFinite(value) && usual > 0 && value > PLAUSIBLE_FACTOR * usual
        && !(await confirmDialog(t("capacity.plausible", { slots: value, usual })))) {
        slots.input.focus();
        return;
      }
      status.replaceChildren();
      try {
        // What is typed goes as it is: the API says what is wrong with it, field by field.
        const body = { slots: Number.isFinite(value) ? value : typed };
        await saved(item, label, await state.api.change("PUT", `/staff/capacity/${item.date}`, body));
      } catch (error) {
        if (!markErrors([slotsField], error)) status.replaceChildren(alert("danger", error.message));
      }
    });
    // ...or each window's places (none over lunch, more at opening): the day's are their sum.
    const windows = (item.windows || []).map((w) => {
      const input = field(windowText(w, true), { type: "number", min: "0", max: "1000", value: String(w.capacity), "data-window": time(w.start), inputmode: "numeric" });
      return { start: time(w.start), input: input.input, wrapper: input.wrapper, error: null };
    });
    windows.forEach((w, index) => { w.matches = (name) => name.startsWith(`windows.${index}.`) || name === `windows.${index}`; });
    const sum = h("p", { class: "kern-body", "aria-live": "polite", "data-window-sum": "" });
    const total = () => { sum.textContent = t("capacity.window_sum", { n: windows.reduce((a, w) => a + (Number(w.input.value) || 0), 0) }); };
    total();
    const windowForm = h("form", { class: "kern-stack", novalidate: true, "data-windows-form": "" },
      h("fieldset", { class: "kern-fieldset" },
        h("legend", { class: "kern-label" }, t("capacity.windows_legend", { date: label })),
        h("div", { class: "window-grid" }, windows.map((w) => w.wrapper))),
      sum,
      h("div", { class: "kern-btn-wrapper" },
        h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("capacity.save_windows")))));
    windowForm.addEventListener("input", total);
    windowForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { windows: windows.map((w) => ({ start: w.start, capacity: Number(w.input.value) })) };
      status.replaceChildren();
      try {
        await saved(item, label, await state.api.change("PUT", `/staff/capacity/${item.date}`, body));
      } catch (error) {
        if (!markErrors(windows, error)) status.replaceChildren(alert("danger", error.message));
      }
    });
    editor.replaceChildren(dayForm, ...(windows.length ? [windowForm] : []));
    slots.input.focus();
    slots.input.select();
  }

  await load();
}
