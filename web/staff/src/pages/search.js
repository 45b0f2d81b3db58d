// Search: the clerk on the phone ("I registered on Monday, where am I?") finds the person's one
// active registration by names and date of birth, whatever day they are invited, and opens it.
// Names and date go in the body of a POST, never in the URL (personal data).
import { t } from "../i18n.js";
import { alert, button, field, h, heading } from "../ui.js";

/**
 * What the person says, as the service reads a date of birth: 12.04.1991 → 1991-04-12,
 * 04.1991 → 1991-04, 1991 and ISO dates as they are. Anything else goes as typed, and the
 * service names the field it cannot read.
 */
export function birthDate(text) {
  const typed = text.trim();
  const full = typed.match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/);
  if (full) return `${full[3]}-${full[2].padStart(2, "0")}-${full[1].padStart(2, "0")}`;
  const month = typed.match(/^(\d{1,2})\.(\d{4})$/);
  if (month) return `${month[2]}-${month[1].padStart(2, "0")}`;
  return typed;
}

function describe(item) {
  const name = [item.given_names, item.family_name].filter(Boolean).join(" ");
  const words = item.status === "waiting" && item.queue_position
    ? t("search.status.waiting", { position: item.queue_position })
    : t(`search.status.${item.status}`);
  return { name, words };
}

export async function searchPage(main, state) {
  const family = field(t("search.family_name"), { autocomplete: "off", name: "family_name", required: true, spellcheck: "false" });
  const given = field(t("search.given_names"), { autocomplete: "off", name: "given_names", spellcheck: "false" });
  const born = field(t("search.date_of_birth"), { autocomplete: "off", inputmode: "numeric", name: "date_of_birth", required: true });
  const hintId = `${born.input.id}-hint`;
  born.input.before(h("div", { class: "kern-hint", id: hintId }, t("search.date_hint")));
  born.input.setAttribute("aria-describedby", hintId);
  const result = h("section", { class: "kern-stack", tabindex: "-1", "aria-live": "polite", "data-search-result": "" });
  const form = h("form", { class: "kern-stack", novalidate: true },
    h("p", { class: "kern-body" }, t("search.intro")),
    family.wrapper, given.wrapper, born.wrapper,
    h("div", { class: "kern-btn-wrapper" },
      h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("search.submit")))));
  main.append(heading(t("search.heading")), form, result);

  function markDate(invalid) {
    born.wrapper.classList.toggle("kern-form-input--error", invalid);
    born.input.classList.toggle("kern-form-input__input--error", invalid);
    if (invalid) born.input.setAttribute("aria-invalid", "true");
    else born.input.removeAttribute("aria-invalid");
  }

  function show(...children) {
    result.replaceChildren(h("h2", { class: "kern-heading-small" }, t("search.result")), ...children);
    result.focus();
  }

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const body = {
      family_name: family.input.value.trim(),
      given_names: given.input.value.trim(),
      date_of_birth: birthDate(born.input.value),
    };
    if (!body.family_name || !body.date_of_birth) {
      show(alert("danger", t("search.required")));
      return;
    }
    busy = true;
    markDate(false);
    try {
      // A read, not a decision: no Idempotency-Key.
      const answer = await state.api.request("POST", "/staff/registrations/search", body);
      if (!answer.items.length) {
        show(alert("info", t("search.none")));
        return;
      }
      const item = answer.items[0];
      const { name, words } = describe(item);
      show(h("div", { class: "kern-stack", "data-found": item.registration_id },
        h("p", { class: "kern-body kern-body--large kern-body--bold" }, name),
        h("p", { class: "kern-body", "data-status": item.status }, words),
        h("div", { class: "kern-btn-wrapper" },
          button(t("common.open_record"), () => state.openRecord(item.registration_id), "secondary", { "data-open-record": "" }))));
    } catch (error) {
      const errors = Array.isArray(error.errors) ? error.errors : [];
      const dateWrong = errors.some((e) => String(e.field || "") === "date_of_birth");
      markDate(dateWrong);
      show(alert("danger", dateWrong ? t("search.bad_date") : error.message));
    } finally {
      busy = false;
    }
  });
}
