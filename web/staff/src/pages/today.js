// Today: the day's invitations grouped by arrival window, live counts, search, the desk's
// decision with a confirmation, undo, and no-show once the window is over. Printable.
import { fold } from "../fold.js";
import { lang, t, day, officeToday, time } from "../i18n.js";
import { alert, announce, badge, button, confirmDialog, field, h, heading, row, table } from "../ui.js";

const REFRESH_MS = 20_000;
const BADGE = { invited: "info", arrived: "warning", served: "success", rejected: "danger", no_show: "danger", released: "info" };

/** The contract's `state`, or what the older answer (status, check_in) says. */
function stateOf(item) {
  if (item.state) return item.state;
  if (item.check_in && item.check_in !== "open") return item.check_in;
  return "invited";
}

function fullName(item) {
  return [item.family_name, item.given_names].filter(Boolean).join(", ") || "–";
}

function formatReference(reference) {
  if (!reference) return "";
  return reference.length === 8 ? `${reference.slice(0, 4)}-${reference.slice(4)}` : reference;
}

/** An ISO time as "30.11.2026, 13:37 Uhr" (Europe/Berlin). */
function stamp(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const text = date.toLocaleString(lang() === "de" ? "de-DE" : "en-GB", {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Berlin",
  });
  return lang() === "de" ? `${text} Uhr` : text;
}

function matches(item, query) {
  if (!query) return true;
  const q = fold(query);
  return [item.reference, item.family_name, item.given_names, item.date_of_birth, day(item.date_of_birth), fullName(item)]
    .some((value) => value && fold(value).includes(q));
}

function sameMinute(a, b) {
  return new Date(a).getTime() === new Date(b).getTime();
}

function countsOf(items) {
  const counts = { arrived: 0, served: 0, rejected: 0, no_show: 0, open: 0 };
  for (const item of items) {
    const state = stateOf(item);
    if (state in counts) counts[state] += 1;
    else if (state === "invited") counts.open += 1;
  }
  return counts;
}

function countList(counts) {
  // Disjoint: each invitation is counted once, by its state (the legend says so).
  return h("ul", { class: "counts", "aria-label": t("today.counts_legend") }, ["open", "arrived", "served", "rejected", "no_show"].map((name) =>
    h("li", {}, badge(BADGE[name] || "info", t(`today.count2.${name}`, { n: counts[name] || 0 })))));
}

export async function todayPage(main, state) {
  const dateField = field(t("common.date"), { type: "date", value: officeToday(), name: "date" });
  const search = field(t("common.search"), { type: "search", autocomplete: "off", name: "search" });
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  const runs = h("div", { class: "no-print" });
  main.append(
    heading(t("today.heading")),
    h("div", { class: "toolbar" }, dateField.wrapper, search.wrapper,
      button(t("common.refresh"), () => load(), "secondary"),
      button(t("common.print"), () => window.print(), "tertiary")),
    status, list, runs);

  let answer = null;

  async function load() {
    try {
      answer = await state.api.get(`/staff/appointments?date=${encodeURIComponent(dateField.input.value)}`);
      draw();
    } catch (error) {
      status.replaceChildren(alert("danger", error.message));
    }
    await loadRuns();
  }

  /** The day's allocation runs, explained; the office head may run it now (the runbook's fix). */
  async function loadRuns() {
    let day;
    try {
      day = await state.api.get(`/staff/allocations?date=${encodeURIComponent(dateField.input.value)}`);
    } catch {
      runs.replaceChildren();
      return;
    }
    const parts = [h("h2", { class: "kern-heading-small", id: "runs-heading" }, t("runs.heading")),
      h("p", { class: "kern-body" }, day.scheduled_runs.length ? t("runs.scheduled", { times: day.scheduled_runs.join(", ") }) : t("runs.none_scheduled"))];
    if (day.notice) parts.push(alert("info", day.notice));
    if (day.runs.length) {
      parts.push(table(t("runs.caption"), [t("runs.col.time"), t("runs.col.trigger"), t("runs.col.given"), t("runs.col.capacity")],
        day.runs.map((run) => row([stamp(run.local_time), t(`runs.trigger.${run.trigger}`) === `runs.trigger.${run.trigger}` ? run.trigger : t(`runs.trigger.${run.trigger}`),
          `${run.given_before} → ${run.given_after}`, run.capacity]))));
    }
    if (state.isAdmin() && dateField.input.value === officeToday()) {
      parts.push(h("div", { class: "kern-btn-wrapper" }, button(t("runs.run_now"), runNow, "secondary", { "data-run-now": "" })));
    }
    runs.replaceChildren(...parts);
  }

  async function runNow() {
    if (!(await confirmDialog(t("runs.confirm")))) return;
    try {
      const summary = await state.api.change("POST", "/staff/allocations", { date: officeToday() });
      const message = t("runs.done", { invited: summary.invited, given: summary.given_after, capacity: summary.capacity });
      status.replaceChildren(alert("success", message));
      announce(message);
      await load();
    } catch (error) {
      status.replaceChildren(alert("danger", error.message));
    }
  }

  /** The day's windows: the API's plan with its counts, or what the items say. */
  function windowsOf(items) {
    // The counts are the items' own, disjoint (the API's `open` holds the arrived as well).
    if (Array.isArray(answer.windows) && answer.windows.length) {
      return answer.windows.map((w) => ({ ...w, ...countsOf(items.filter((i) => sameMinute(i.window_start, w.start))) }));
    }
    const byStart = new Map();
    for (const item of items) {
      if (!byStart.has(item.window_start)) byStart.set(item.window_start, { start: item.window_start, end: item.window_end });
    }
    return [...byStart.values()].map((w) => ({ ...w, ...countsOf(items.filter((i) => i.window_start === w.start)) }));
  }

  /** Where the focus is in the list: its row's registration and its button's action, or null. */
  function focusedPlace() {
    const focused = document.activeElement;
    const tr = focused && list.contains(focused) ? focused.closest("tr[data-registration]") : null;
    return tr ? { registration: tr.dataset.registration, action: focused.dataset.action } : null;
  }

  /** After a redraw, the focus goes back to its row: the same button, or the row's first one. */
  function restoreFocus(place) {
    const tr = [...list.querySelectorAll("tr[data-registration]")].find((r) => r.dataset.registration === place.registration);
    const target = tr && (tr.querySelector(`button[data-action="${place.action}"]`) || tr.querySelector("button"));
    if (target) target.focus();
  }

  function draw() {
    // A redraw (a decision, the refresh, the search) keeps a keyboard user's place in the list.
    const place = focusedPlace();
    const items = answer.items || [];
    const query = search.input.value.trim();
    const windows = windowsOf(items);
    const total = { open: 0, arrived: 0, served: 0, rejected: 0, no_show: 0 };
    for (const w of windows) for (const name of Object.keys(total)) total[name] += w[name] || 0;
    const parts = [countList(total), h("p", { class: "kern-body kern-body--small" }, t("today.counts_legend"))];
    if (!items.length) parts.push(h("p", { class: "kern-body" }, t("today.empty")));
    else if (query && !items.some((i) => matches(i, query))) {
      parts.push(h("p", { class: "kern-body", "data-no-match": "" }, t("today.no_match", { query })));
    }
    for (const w of windows) {
      const members = items.filter((i) => sameMinute(i.window_start, w.start) && matches(i, query));
      const hasPeople = items.some((i) => sameMinute(i.window_start, w.start));
      if (!hasPeople) continue;
      const title = t("today.window", { start: time(w.start), end: time(w.end) });
      parts.push(h("section", { class: "window-group", "aria-label": title },
        h("h2", { class: "kern-heading-small" }, title),
        w.capacity !== undefined ? h("p", { class: "kern-body kern-body--small" }, t("today.windows_plan", { given: w.given, capacity: w.capacity })) : null,
        countList(w),
        members.length
          ? table(title, [t("today.col.ref"), t("today.col.name"), t("today.col.dob"), t("today.col.state"), t("today.col.actions")],
            members.sort((a, b) => a.seq - b.seq).map((item) => itemRow(item)), { hiddenCaption: true })
          : null));
    }
    list.replaceChildren(...parts);
    if (place) restoreFocus(place);
  }

  function itemRow(item) {
    const name = fullName(item);
    const current = stateOf(item);
    const actions = h("div", { class: "kern-btn-wrapper no-print" });
    const canDecide = current === "invited" || current === "arrived";
    if (canDecide) {
      actions.append(
        button(t("today.correct"), () => decide(item, "data_correct"), "primary", { "data-action": "correct" }),
        button(t("today.incorrect"), () => decide(item, "data_incorrect"), "secondary", { "data-action": "incorrect" }));
    }
    if (canDecide && item.window_over) {
      actions.append(button(t("today.no_show"), () => noShow(item), "secondary", { "data-action": "no-show" }));
    }
    if (item.can_undo) {
      actions.append(button(t("today.undo"), () => undo(item), "tertiary", { "data-action": "undo" }));
    }
    actions.append(button(t("common.open_record"), () => state.openRecord(item.registration_id), "tertiary", { "data-action": "record" }));
    const tr = row([
      formatReference(item.reference),
      name,
      day(item.date_of_birth),
      badge(BADGE[current] || "info", t(`state.${current}`)),
      actions,
    ]);
    tr.dataset.registration = item.registration_id;
    return tr;
  }

  async function act(item, question, withReason, call) {
    const answerOfDialog = await confirmDialog(question, { withReason });
    if (!answerOfDialog) return;
    try {
      const result = await call(answerOfDialog.reason);
      const message = t("today.done", { name: fullName(item), state: t(`state.${result.status}`) });
      status.replaceChildren(alert("success", message));
      announce(message);
      await load();
    } catch (error) {
      status.replaceChildren(alert("danger", error.message));
    }
  }

  function decide(item, outcome) {
    const key = outcome === "data_correct" ? "today.confirm.correct" : "today.confirm.incorrect";
    return act(item, t(key, { name: fullName(item) }), outcome === "data_incorrect", (reason) =>
      state.api.change("POST", `/staff/registrations/${item.registration_id}/check-in`,
        reason ? { outcome, reason } : { outcome }));
  }

  function undo(item) {
    return act(item, t("today.confirm.undo", { name: fullName(item) }), true, (reason) =>
      state.api.change("POST", `/staff/registrations/${item.registration_id}/undo`, { reason }));
  }

  function noShow(item) {
    return act(item, t("today.confirm.no_show", { name: fullName(item) }), false, () =>
      state.api.change("POST", `/staff/registrations/${item.registration_id}/no-show`));
  }

  dateField.input.addEventListener("change", load);
  search.input.addEventListener("input", () => { if (answer) draw(); });
  const timer = window.setInterval(load, REFRESH_MS);
  state.cleanup.push(() => window.clearInterval(timer));
  status.replaceChildren(h("p", { class: "kern-body" }, t("common.loading")));
  await load();
  status.replaceChildren();
}
