// Audit (office head): who did what on a day.
import { dateTime, officeToday, t } from "../i18n.js";
import { alert, field, h, heading, row, table } from "../ui.js";

export async function auditPage(main, state) {
  const dateField = field(t("common.date"), { type: "date", value: officeToday(), name: "date" });
  const list = h("div", { class: "audit-trail" });
  main.append(heading(t("audit.heading")), h("div", { class: "toolbar" }, dateField.wrapper), list);
  async function load() {
    try {
      const answer = await state.api.get(`/staff/audit?date=${encodeURIComponent(dateField.input.value)}`);
      list.replaceChildren(table(t("audit.heading"),
        [t("audit.col.at"), t("audit.col.actor"), t("audit.col.action"), t("audit.col.registration"), t("audit.col.detail")],
        (answer.items || []).map((e) => row([dateTime(e.at), e.actor, e.action, e.registration_id || "", e.detail || ""]))));
    } catch (error) {
      list.replaceChildren(alert("danger", error.message));
    }
  }
  dateField.input.addEventListener("change", load);
  await load();
}
