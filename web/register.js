// The registration form: inline validation, the service's field errors at their fields,
// the refusal with the first possible date, and "check your e-mail" once registered.
"use strict";

(function () {
  const { t, el, show, focus, api } = window.NFT;

  const FIELDS = [
    "given_names",
    "family_name",
    "date_of_birth",
    "nationality",
    "email",
    "title_type",
    "title_number",
    "title_expires_on",
    "privacy_consent",
  ];
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const TITLE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9 -]*$/;
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

  const form = document.getElementById("registration-form");
  const summary = document.getElementById("error-summary");
  const errorList = document.getElementById("error-list");
  const refusal = document.getElementById("refusal");
  const status = document.getElementById("form-status");
  const button = document.getElementById("register-button");

  // Errors currently shown: [{field, key}] or [{field, text}] (key: an i18n key, re-rendered
  // when the language changes).
  let shown = [];
  let refusalDates = null;
  let sentTo = null;

  function control(field) {
    return document.getElementById(field);
  }

  function today() {
    // The browser's local date is good enough for "not in the future": the service decides.
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  function values() {
    const data = new FormData(form);
    return {
      given_names: String(data.get("given_names") || "").trim(),
      family_name: String(data.get("family_name") || "").trim(),
      date_of_birth: String(data.get("date_of_birth") || ""),
      nationality: String(data.get("nationality") || ""),
      email: String(data.get("email") || "").trim(),
      title_type: String(data.get("title_type") || ""),
      title_number: String(data.get("title_number") || "").trim(),
      title_expires_on: String(data.get("title_expires_on") || ""),
      privacy_consent: control("privacy_consent").checked,
    };
  }

  function validate(v) {
    const errors = [];
    const need = (field, ok, kind) => {
      if (!ok) errors.push({ field, key: `error.${kind}.${field}` });
    };
    for (const field of ["given_names", "family_name"]) {
      if (!v[field]) need(field, false, "required");
      else need(field, /\p{L}/u.test(v[field]), "invalid");
    }
    if (!v.date_of_birth) need("date_of_birth", false, "required");
    else need("date_of_birth", ISO_DATE.test(v.date_of_birth) && v.date_of_birth <= today(), "invalid");
    need("nationality", Boolean(v.nationality), "required");
    if (!v.email) need("email", false, "required");
    else need("email", EMAIL.test(v.email), "invalid");
    need("title_type", Boolean(v.title_type), "required");
    if (v.title_number) need("title_number", TITLE_NUMBER.test(v.title_number), "invalid");
    if (!v.title_expires_on) need("title_expires_on", false, "required");
    else need("title_expires_on", ISO_DATE.test(v.title_expires_on), "invalid");
    need("privacy_consent", v.privacy_consent, "required");
    return errors;
  }

  // -- showing errors --------------------------------------------------------------------

  function describedBy(node, id, on) {
    const ids = (node.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
    if (on) ids.unshift(id);
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  }

  function markField(field, text) {
    const message = document.getElementById(`${field}-error`);
    const wrapper = form.querySelector(`[data-field="${field}"]`);
    const input = control(field);
    message.textContent = text || "";
    show(message, Boolean(text));
    wrapper.classList.toggle("field-invalid", Boolean(text));
    const inputs = field === "title_type" ? form.querySelectorAll('input[name="title_type"]') : [input];
    inputs.forEach((node) => {
      if (text) node.setAttribute("aria-invalid", "true");
      else node.removeAttribute("aria-invalid");
    });
    describedBy(input, `${field}-error`, Boolean(text));
  }

  function errorText(error) {
    return error.key ? t(error.key) : error.text;
  }

  function renderErrors() {
    FIELDS.forEach((field) => markField(field, null));
    errorList.replaceChildren();
    for (const error of shown) {
      const text = errorText(error);
      if (error.field) {
        markField(error.field, text);
        const target = error.field === "title_type" ? "title_type-residence_permit" : error.field;
        const link = el("a", { href: `#${target}` }, text);
        link.addEventListener("click", (event) => {
          event.preventDefault();
          control(target).focus();
        });
        errorList.append(el("li", {}, link));
      } else {
        errorList.append(el("li", {}, text));
      }
    }
    show(summary, shown.length > 0);
  }

  function showErrors(errors) {
    shown = errors;
    renderErrors();
    if (errors.length) focus(summary);
  }

  function clearFieldError(field) {
    if (!shown.some((e) => e.field === field)) return;
    shown = shown.filter((e) => e.field !== field);
    renderErrors();
  }

  // -- the service's answers -------------------------------------------------------------

  function fieldOf(serverField) {
    const name = String(serverField || "").split(".")[0];
    return FIELDS.includes(name) ? name : null;
  }

  function renderRefusal() {
    if (!refusalDates) return;
    const expires = el("time", { datetime: refusalDates.expires }, NFT.formatDate(refusalDates.expires));
    const first = el("time", { datetime: refusalDates.first }, NFT.formatDate(refusalDates.first, true));
    fill(document.getElementById("refusal-text"), t("refusal.text"), { expires });
    fill(document.getElementById("refusal-from"), t("refusal.from"), { date: first });
  }

  // Puts a translated sentence into `node`, with elements in place of its {placeholders}.
  function fill(node, text, parts) {
    node.replaceChildren();
    const pieces = text.split(/(\{\w+\})/);
    for (const piece of pieces) {
      const name = piece.startsWith("{") ? piece.slice(1, -1) : null;
      node.append(name && parts[name] ? parts[name] : piece);
    }
  }

  function renderSent() {
    if (sentTo === null) return;
    fill(document.getElementById("sent-text"), t("sent.text"), { email: el("strong", { dir: "ltr" }, sentTo) });
  }

  // -- the proof of work ------------------------------------------------------------------
  // The service asks every registration to solve a fresh challenge (ALTCHA v1): find the
  // number n, at most maxnumber, whose SHA-256 of salt + n is the challenge. It costs a phone
  // a second or two, and a robot sending thousands of registrations as many times that.

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function proofOfWork() {
    const answer = await api("GET", "/registrations/challenge");
    if (!answer.ok || !answer.data) return { answer };
    const c = answer.data;
    const encoder = new TextEncoder();
    const batch = 500;
    for (let start = 0; start <= c.maxnumber; start += batch) {
      const numbers = [];
      for (let n = start; n < start + batch && n <= c.maxnumber; n++) numbers.push(n);
      const digests = await Promise.all(
        numbers.map((n) => crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n)))
      );
      const found = digests.findIndex((digest) => hex(digest) === c.challenge);
      if (found >= 0) {
        const solution = {
          algorithm: c.algorithm,
          challenge: c.challenge,
          number: numbers[found],
          salt: c.salt,
          signature: c.signature,
        };
        return { payload: btoa(JSON.stringify(solution)) };
      }
    }
    return { answer: { ok: false, status: 0, data: null } };
  }

  async function submit(event) {
    event.preventDefault();
    refusalDates = null;
    show(refusal, false);
    const v = values();
    const errors = validate(v);
    if (errors.length) {
      showErrors(errors);
      return;
    }
    showErrors([]);
    const body = { ...v, language: NFT.language() };
    if (!body.title_number) delete body.title_number;
    button.disabled = true;
    status.textContent = t("register.sending");
    const proof = await proofOfWork();
    if (!proof.payload) {
      button.disabled = false;
      status.textContent = "";
      showErrors([{ field: null, text: NFT.generalError(proof.answer) }]);
      return;
    }
    body.altcha = proof.payload;
    const answer = await api("POST", "/registrations", { body });
    button.disabled = false;
    status.textContent = "";

    if (answer.ok) {
      sentTo = v.email;
      renderSent();
      show(form, false);
      show(document.getElementById("intro"), false);
      show(document.getElementById("sent"), true);
      focus(document.getElementById("sent"));
      return;
    }
    const problem = answer.data || {};
    if (problem.code === "not_eligible" && problem.first_possible_date) {
      refusalDates = { expires: v.title_expires_on, first: problem.first_possible_date };
      renderRefusal();
      show(refusal, true);
      focus(refusal);
      return;
    }
    if (problem.code === "validation_failed" && Array.isArray(problem.errors) && problem.errors.length) {
      const seen = new Set();
      const mapped = [];
      for (const item of problem.errors) {
        const field = fieldOf(item.field);
        if (field && seen.has(field)) continue;
        if (field) seen.add(field);
        mapped.push(field ? { field, key: `error.invalid.${field}` } : { field: null, text: problem.detail || t("common.unexpected_error") });
      }
      showErrors(mapped);
      return;
    }
    if (problem.code === "duplicate_registration") {
      showErrors([{ field: null, key: "error.duplicate" }]);
      return;
    }
    showErrors([{ field: null, text: NFT.generalError(answer) }]);
  }

  // -- nationality list, in the page's language ------------------------------------------

  function renderNationalities() {
    const select = control("nationality");
    const chosen = select.value;
    let names = null;
    try {
      names = new Intl.DisplayNames([NFT.language()], { type: "region" });
    } catch (e) {
      names = null;
    }
    const options = window.NFT_COUNTRIES.map(([alpha3, alpha2, english]) => {
      let name = english;
      try {
        name = (names && names.of(alpha2)) || english;
      } catch (e) {
        name = english;
      }
      return { value: alpha3, name };
    });
    const collator = new Intl.Collator(NFT.language());
    options.sort((a, b) => collator.compare(a.name, b.name));
    const special = window.NFT_SPECIAL_NATIONALITIES.map((code) => ({ value: code, name: t(`nationality.${code}`) }));
    select.replaceChildren(el("option", { value: "" }, t("field.nationality.choose")));
    for (const option of [...options, ...special]) {
      select.append(el("option", { value: option.value }, option.name));
    }
    select.value = chosen;
  }

  // -- wiring ----------------------------------------------------------------------------

  function rerender() {
    renderNationalities();
    renderErrors();
    renderRefusal();
    renderSent();
  }

  form.addEventListener("submit", submit);
  for (const field of FIELDS) {
    const nodes = field === "title_type" ? form.querySelectorAll('input[name="title_type"]') : [control(field)];
    nodes.forEach((node) => {
      node.addEventListener("change", () => clearFieldError(field));
      node.addEventListener("input", () => clearFieldError(field));
    });
  }
  control("date_of_birth").max = today();

  NFT.onLanguageChange(rerender);
  NFT.start();
})();
