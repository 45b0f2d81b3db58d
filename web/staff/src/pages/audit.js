// Audit (office head): who did what on a day, in words (labels for the service's action codes,
// details read out), each registration a link to its record.
import { dateTime, day, has, officeToday, t } from "../i18n.js";
import { alert, field, h, heading, row, table } from "../ui.js";

/** A label for a code under a prefix, the code itself when there is none. */
function label(prefix, code) {
  return has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code;
}

function count(ids) {
  return ids ? ids.split(",").filter(Boolean).length : 0;
}

/** The stored detail (chalicelib/api/staff.py, desk.py audit writes) as a sentence. */
export function auditDetail(action, detail) {
  if (!detail) return "";
  switch (action) {
    case "day_list_read":
    case "allocations_read":
    case "audit_read":
    case "figures_export":
      return t("audit.detail.day", { day: day(detail) });
    case "lookup":
      return detail === "code"
        ? t("audit.detail.lookup_code")
        : t("audit.detail.lookup_person", { n: count(detail.replace(/^person:/, "")) });
    case "arrival":
      return label("audit.via", detail);
    case "search":
      return label("audit.search", detail);
    case "check_in":
      return label("audit.outcome", detail);
    case "review": {
      const [outcome, ...rest] = detail.split(" ");
      const expiry = rest.find((part) => part.startsWith("expiry="));
      const text = t("audit.detail.outcome", { outcome: label("audit.outcome", outcome) });
      return expiry ? `${text} – ${t("audit.detail.expiry", { day: day(expiry.slice(7)) })}` : text;
    }
    case "undo": {
      const at = detail.indexOf(": ");
      if (at < 0) return detail;
      const state = detail.slice(0, at);
      return t("audit.detail.undo", { state: label("state", state), reason: detail.slice(at + 2) });
    }
    case "hold_lifted":
    case "registration_voided":
      return t("audit.detail.reason", { reason: detail });
    case "queue_read":
    case "review_list_read":
      return t("audit.detail.listed", { n: count(detail) });
    case "capacity_set": {
      const match = /^(\d{4}-\d{2}-\d{2})=(\d+)(?: per window (.*))?$/.exec(detail);
      if (!match) return detail;
      const text = t("audit.detail.capacity", { day: day(match[1]), n: match[2] });
      if (!match[3]) return text;
      const windows = match[3] === "none" ? "–" : match[3].split(",")
        .map((w) => w.replace(/^(\d{2})(\d{2}):(\d+)$/, "$1:$2 $3")).join(", ");
      return `${text} (${t("audit.detail.windows", { windows })})`;
    }
    case "allocation_run":
      return t("audit.detail.run", { id: detail });
    default:
      return detail;
  }
}

export async function auditPage(main, state) {
  const dateField = field(t("common.date"), { type: "date", value: officeToday(), name: "date" });
  const list = h("div", { class: "audit-trail" });
  main.append(heading(t("audit.heading")), h("div", { class: "toolbar" }, dateField.wrapper), list);
  // A record opens in memory (state.openRecord): no registration id goes into the URL.
  const recordLink = (id) => h("a", {
    class: "kern-link", href: "#registration", "data-registration": id,
    onclick: (event) => { event.preventDefault(); state.openRecord(id); },
  }, t("audit.open_record", { id: id.slice(0, 8) }));
  async function load() {
    try {
      const answer = await state.api.get(`/staff/audit?date=${encodeURIComponent(dateField.input.value)}`);
      list.replaceChildren(table(t("audit.heading"),
        [t("audit.col.at"), t("audit.col.actor"), t("audit.col.action"), t("audit.col.registration"), t("audit.col.detail")],
        (answer.items || []).map((e) => row([
          dateTime(e.at),
          e.actor,
          label("audit.action", e.action),
          e.registration_id ? recordLink(e.registration_id) : "",
          auditDetail(e.action, e.detail),
        ]))));
    } catch (error) {
      list.replaceChildren(alert("danger", error.message));
    }
  }
  dateField.input.addEventListener("change", load);
  await load();
}
