// Review: registrations whose documents a person must check; the documents beside the typed
// and the machine-read data; verify, or reject with a reason; the expiry corrected.
import { day, dateTime, has, t } from "../i18n.js";
import { alert, announce, button, field, h, heading, uid } from "../ui.js";
import { descriptionList, documentViewer } from "../documents.js";

function kindLabel(kind) {
  return has(`kind.${kind}`) ? t(`kind.${kind}`) : kind;
}

/** What was read from one document, headed by that document's kind and file name: the title's
 * number and expiry only ever beside the title's, the passport's beside the passport's. */
function readFrom(document_) {
  const zone = document_.zone;
  const own = document_.kind === "residence_title";
  const differs = new Set((document_.mismatches || []).map((m) => m.field));
  return h("div", { class: "kern-stack", "data-read-from": document_.kind },
    h("p", { class: "kern-body kern-body--bold" }, t("review.read_from", { kind: kindLabel(document_.kind), name: document_.filename })),
    descriptionList([
      [t("field.family_name"), zone.family_name, differs.has("family_name")],
      [t("field.given_names"), zone.given_names, differs.has("given_names")],
      [t("field.date_of_birth"), day(zone.date_of_birth), differs.has("date_of_birth")],
      [t("field.nationality"), zone.nationality, differs.has("nationality")],
      [own ? t("field.title_number") : `${t("field.title_number")} (${kindLabel(document_.kind)})`, zone.document_number, differs.has("title_number")],
      [own ? t("field.title_expires_on") : `${t("field.title_expires_on")} (${kindLabel(document_.kind)})`, day(zone.expires_on), differs.has("title_expires_on")],
    ]));
}

export async function reviewPage(main, state) {
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "kern-stack" });
  main.append(heading(t("review.heading")), h("p", { class: "kern-body" }, t("review.intro")), status, list);

  async function load() {
    const answer = await state.api.get("/staff/reviews?limit=20");
    const items = answer.items || [];
    if (!items.length) {
      list.replaceChildren(h("p", { class: "kern-body" }, t("review.empty")));
      return;
    }
    list.replaceChildren(...items.map(card));
  }

  function card(item) {
    const name = `${item.family_name}, ${item.given_names}`;
    const readDocuments = item.documents.filter((d) => d.zone);
    // The fields on which a document disagrees with what was typed (the API's mismatches).
    const differing = [...new Set(item.documents.flatMap((d) => (d.mismatches || []).map((m) => m.field)))];
    const differs = (name) => differing.includes(name);
    const typed = descriptionList([
      [t("field.family_name"), item.family_name, differs("family_name")],
      [t("field.given_names"), item.given_names, differs("given_names")],
      [t("field.date_of_birth"), day(item.date_of_birth), differs("date_of_birth")],
      [t("field.nationality"), item.nationality, differs("nationality")],
      [t("field.title_number"), item.title_number, differs("title_number")],
      [t("field.title_expires_on"), day(item.title_expires_on), differs("title_expires_on")],
    ]);
    const read = readDocuments.length
      ? h("div", { class: "kern-stack" }, readDocuments.map(readFrom))
      : h("p", { class: "kern-body" }, t("review.read_none"));
    const reason = field(t("common.reason"), { autocomplete: "off" });
    const reasonError = h("p", { class: "kern-error", id: uid("reason-error"), hidden: true });
    reason.input.after(reasonError);
    const reasonMissing = (missing) => {
      reasonError.hidden = !missing;
      reasonError.textContent = missing ? t("review.reason_missing") : "";
      if (missing) {
        reason.input.setAttribute("aria-invalid", "true");
        reason.input.setAttribute("aria-describedby", reasonError.id);
        reason.input.focus();
      } else {
        reason.input.removeAttribute("aria-invalid");
        reason.input.removeAttribute("aria-describedby");
      }
    };
    const corrected = field(t("review.corrected"), { type: "date" });
    const message = h("div", { "aria-live": "polite" });
    async function decide(outcome) {
      const text = reason.input.value.trim();
      if (text.length < 3) { reasonMissing(true); return; }
      reasonMissing(false);
      const body = { outcome, reason: text };
      if (corrected.input.value) body.corrected = { title_expires_on: corrected.input.value };
      try {
        await state.api.change("POST", `/staff/registrations/${item.registration_id}/review`, body);
        announce(t("review.done"));
        status.replaceChildren(alert("success", `${t("review.done")} ${name}`));
        await load();
        const next = list.querySelector("h2");
        if (next) next.focus();
      } catch (error) {
        message.replaceChildren(alert("danger", error.message));
      }
    }
    return h("article", { class: "kern-card" },
      h("div", { class: "kern-card__container" },
        h("header", { class: "kern-card__header" },
          h("h2", { class: "kern-heading-medium", tabindex: "-1" }, name),
          h("p", { class: "kern-body kern-body--muted" }, t("review.since", { at: dateTime(item.review_since) })),
          h("p", { class: "kern-body" }, `${t("review.reasons")}: ${item.review_reasons.map((r) => (has(`reason.${r}`) ? t(`reason.${r}`) : r)).join(", ") || "–"}`),
          differing.length
            ? h("p", { class: "kern-body kern-body--bold", "data-differing": differing.join(" ") },
              t("review.differing", { fields: differing.map((f) => (has(`field.${f}`) ? t(`field.${f}`) : f)).join(", ") }))
            : null),
        h("div", { class: "kern-card__body kern-stack" },
          h("div", { class: "side-by-side" },
            h("section", {}, h("h3", { class: "kern-heading-small" }, t("review.typed")), typed),
            h("section", {}, h("h3", { class: "kern-heading-small" }, t("review.read")), read)),
          h("div", { class: "side-by-side" }, item.documents.map(documentViewer)),
          h("fieldset", { class: "kern-fieldset" },
            h("legend", { class: "kern-label" }, t("review.decision")),
            h("div", { class: "kern-fieldset__body kern-stack" }, reason.wrapper, corrected.wrapper, message,
              h("div", { class: "kern-btn-wrapper" },
                button(t("review.verify"), () => decide("verified"), "primary", { "data-action": "verify" }),
                button(t("review.reject"), () => decide("data_incorrect"), "secondary", { "data-action": "reject" }),
                button(t("common.open_record"), () => state.openRecord(item.registration_id), "tertiary")))))));
  }

  await load();
}
