// Registration: the whole record and its history (the API audits every opening).
import { dateTime, day, has, lang, t, time } from "../i18n.js";
import { alert, announce, button, confirmDialog, h, heading, row, table } from "../ui.js";
import { descriptionList, documentViewer } from "../documents.js";

/** A label for a code under a prefix, the code itself when there is none. */
function label(prefix, code) {
  return has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code;
}

/** A language code (de, en, tr …) by its name in the console's language. */
function languageName(code) {
  if (!code) return code;
  try {
    return new Intl.DisplayNames([lang()], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

/** One history entry's details in words: the changed fields labelled, reasons and outcomes named. */
function historyDetail(item, documents) {
  const parts = Object.entries(item.changes || {}).map(([key, value]) => {
    let shown = value;
    if (key === "outcome") shown = label("history.outcome", value);
    else if (key === "document_id") {
      const document_ = documents.find((d) => d.document_id === value);
      shown = document_ ? `${label("kind", document_.kind)}, ${document_.filename}` : value;
    } else if (key === "title_expires_on") {
      shown = String(value).split(" -> ").map(day).join(" → ");
    }
    return `${has(`history.change.${key}`) ? t(`history.change.${key}`) : (has(`field.${key}`) ? t(`field.${key}`) : key)}: ${shown}`;
  });
  if (item.detail) {
    parts.push(item.action === "review"
      ? `${t("history.reasons")}: ${item.detail.split(",").map((r) => label("reason", r)).join(", ")}`
      : `${t("history.reason")}: ${item.detail}`);
  }
  return parts.join("; ");
}

export async function recordPage(main, state) {
  if (!state.record) {
    window.location.hash = "today";
    return;
  }
  const r = await state.api.get(`/staff/registrations/${encodeURIComponent(state.record)}`);
  const message = h("div", { "aria-live": "polite" });
  async function liftHold() {
    const answer = await confirmDialog(t("record.lift_hold.confirm"), { withReason: true });
    if (!answer) return;
    try {
      await state.api.change("POST", `/staff/registrations/${encodeURIComponent(r.registration_id)}/lift-hold`, { reason: answer.reason });
      message.replaceChildren(alert("success", t("record.lift_hold.done")));
      announce(t("record.lift_hold.done"));
    } catch (error) {
      message.replaceChildren(alert("danger", error.message));
    }
  }
  const appointment = r.appointment
    ? t("record.appointment", { day: day(r.appointment.date), from: time(r.appointment.window_start), to: time(r.appointment.window_end) })
    : null;
  main.append(
    heading(`${t("record.heading")}: ${r.family_name}, ${r.given_names}`),
    h("div", { class: "kern-btn-wrapper" },
      button(t("common.back"), () => window.history.back(), "tertiary"),
      state.isAdmin() ? button(t("record.lift_hold"), () => liftHold(), "secondary", { "data-lift-hold": "" }) : null),
    message,
    descriptionList([
      [t("field.status"), t(`state.${r.status}`) === `state.${r.status}` ? r.status : t(`state.${r.status}`)],
      [t("field.family_name"), r.family_name],
      [t("field.given_names"), r.given_names],
      [t("field.date_of_birth"), day(r.date_of_birth)],
      [t("field.nationality"), r.nationality],
      [t("field.email"), r.email],
      [t("field.language"), languageName(r.language)],
      [t("field.title_type"), label("title", r.title_type)],
      [t("field.title_number"), r.title_number],
      [t("field.title_expires_on"), day(r.title_expires_on)],
      [t("field.created_at"), dateTime(r.created_at)],
      [t("field.appointment"), appointment],
    ]),
    h("h2", { class: "kern-heading-medium" }, t("record.documents")),
    h("div", { class: "side-by-side" }, (r.documents || []).map(documentViewer)),
    table(t("record.history"), [t("record.col.at"), t("record.col.actor"), t("record.col.action"), t("record.col.detail")],
      (r.history || []).map((item) => row([dateTime(item.at), label("history.actor", item.actor),
        label("history.action", item.action), historyDetail(item, r.documents || [])]))));
}
