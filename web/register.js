// The registration form: inline validation, a check page with what will be sent (dates in
// words), the service's field errors at their fields, the refusal with the first possible
// date, and "check your e-mail" once registered (with a way back to correct the address).
"use strict";

(function () {
  const { t, el, show, focus, api, setError } = window.NFT;

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
  const DATE_FIELDS = ["date_of_birth", "title_expires_on"];
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const TITLE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9 -]*$/;
  // Names as on the residence title or passport: Latin letters (any diacritics), marks,
  // spaces, hyphens and dashes, apostrophes (chalicelib/api/schemas.py says the same).
  const NAME = /^[\p{Script=Latin}\p{M} \-\u2010-\u2014'\u2019\u2018\u02bc`\u00b4]+$/u;
  const OTHER_SCRIPT = /(?!\p{Script=Latin})\p{L}/u;
  const JOINERS = /[\u200c\u200d]/g;
  // A day or month the document shows as unknown (00, XX).
  const UNKNOWN_PART = /^(0{1,2}|[xX]{1,2})$/;
  // The addresses most people here have; a domain one typo away from one gets a "did you mean".
  const PROVIDERS = [
    "gmail.com", "googlemail.com", "web.de", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "t-online.de",
    "outlook.com", "outlook.de", "hotmail.com", "hotmail.de", "live.com", "live.de", "msn.com",
    "yahoo.com", "yahoo.de", "icloud.com", "me.com", "aol.com", "freenet.de", "posteo.de",
    "mail.de", "email.de", "arcor.de", "mailbox.org", "proton.me", "protonmail.com",
    "mail.ru", "yandex.ru", "ukr.net", "i.ua", "mail.com",
  ];
  // A registration whose link went to a wrong address gives way to a new one after this long
  // (chalicelib/domain/registration.py).
  const GIVES_WAY_AFTER_MS = 10 * 60 * 1000;

  const form = document.getElementById("registration-form");
  const summary = document.getElementById("error-summary");
  const errorList = document.getElementById("error-list");
  const refusal = document.getElementById("refusal");
  const status = document.getElementById("form-status");
  const button = document.getElementById("register-button");
  const check = document.getElementById("check");
  const sent = document.getElementById("sent");
  const intro = document.getElementById("intro");

  // Errors currently shown: [{field, key}] or [{field, text}] (key: an i18n key, re-rendered
  // when the language changes).
  let shown = [];
  let refusalDates = null;
  let sentTo = null;
  let sentAt = null; // when the last registration went out (for "change the address")
  let checked = null; // the values on the check page
  let suggestion = null; // the address a "did you mean" offers

  function control(field) {
    return document.getElementById(field);
  }

  function today() {
    // The browser's local date is good enough for "not in the future": the service decides.
    const now = new Date();
    return { year: now.getFullYear(), month: now.getMonth() + 1, day: now.getDate() };
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function oneName() {
    return control("only_one_name").checked;
  }

  // A date typed into its three fields: {iso} ("1990-05-17"; for a date of birth also "1990-05"
  // or "1990" when the document shows the day or month as 00 or XX), or {error} (an i18n key).
  function readDate(field) {
    const part = (name) => control(`${field}-${name}`).value.trim();
    const [day, month, year] = [part("day"), part("month"), part("year")];
    const partial = field === "date_of_birth";
    if (!day && !month && !year) return { error: `error.required.${field}` };
    if (!/^\d{4}$/.test(year)) return { error: "error.date.year", part: "year" };
    const dayUnknown = partial && UNKNOWN_PART.test(day);
    const monthUnknown = partial && UNKNOWN_PART.test(month);
    if (!monthUnknown && !(/^\d{1,2}$/.test(month) && +month >= 1 && +month <= 12)) {
      return { error: "error.date.month", part: "month" };
    }
    if (monthUnknown && !dayUnknown) return { error: "error.date.unknown_month", part: "day" };
    if (!dayUnknown) {
      const last = new Date(Date.UTC(+year, +month, 0)).getUTCDate();
      if (!(/^\d{1,2}$/.test(day) && +day >= 1 && +day <= last)) return { error: "error.date.day", part: "day" };
    }
    let iso = year;
    if (!monthUnknown) iso += `-${pad(+month)}`;
    if (!dayUnknown) iso += `-${pad(+day)}`;
    return { iso };
  }

  function inTheFuture(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const now = today();
    const typed = [y, m || 0, d || 0];
    const current = [now.year, m ? now.month : 0, d ? now.day : 0];
    for (let i = 0; i < 3; i++) {
      if (typed[i] !== current[i]) return typed[i] > current[i];
    }
    return false;
  }

  function cleanName(value) {
    return value.replace(JOINERS, "").replace(/\s+/g, " ").trim();
  }

  function values() {
    const data = new FormData(form);
    const birth = readDate("date_of_birth");
    const expiry = readDate("title_expires_on");
    return {
      given_names: oneName() ? "" : cleanName(String(data.get("given_names") || "")),
      family_name: cleanName(String(data.get("family_name") || "")),
      date_of_birth: birth.iso || "",
      nationality: String(data.get("nationality") || ""),
      email: String(data.get("email") || "").trim(),
      title_type: String(data.get("title_type") || ""),
      title_number: String(data.get("title_number") || "").trim(),
      title_expires_on: expiry.iso || "",
      privacy_consent: control("privacy_consent").checked,
      dateErrors: { date_of_birth: birth, title_expires_on: expiry },
    };
  }

  // The first letter of another script in a name: the error names it (docs/design.md §2).
  function otherScriptLetter(value) {
    const found = String(value || "").match(OTHER_SCRIPT);
    return found ? found[0] : null;
  }

  // A name's error, {key, params} with a text naming its own field, or null.
  function nameError(field, value) {
    if (!value) return { key: `error.required.${field}` };
    const letter = otherScriptLetter(value);
    if (letter) return { key: `error.name.script.${field}`, params: { letter } };
    if (!NAME.test(value)) return { key: `error.name.characters.${field}` };
    if (!/\p{L}/u.test(value)) return { key: `error.invalid.${field}` };
    return null;
  }

  function emailError(value) {
    if (!value) return "error.required.email";
    if (!EMAIL.test(value)) return "error.invalid.email";
    // Mail to a local part outside ASCII needs SMTPUTF8, which most servers lack.
    if (!/^[\x21-\x7e]+$/.test(value.split("@")[0])) return "error.email.smtputf8";
    return null;
  }

  function validate(v) {
    const errors = [];
    const add = (field, key, part) => {
      if (key) errors.push({ field, key, part });
    };
    for (const field of oneName() ? ["family_name"] : ["given_names", "family_name"]) {
      const error = nameError(field, v[field]);
      if (error) errors.push({ field, ...error });
    }
    const birth = v.dateErrors.date_of_birth;
    if (birth.error) add("date_of_birth", birth.error, birth.part);
    else if (inTheFuture(birth.iso) || +birth.iso.slice(0, 4) < today().year - 130) {
      add("date_of_birth", "error.invalid.date_of_birth");
    }
    if (!v.nationality) add("nationality", "error.required.nationality");
    add("email", emailError(v.email));
    if (!v.title_type) add("title_type", "error.required.title_type");
    if (v.title_number && !TITLE_NUMBER.test(v.title_number)) add("title_number", "error.invalid.title_number");
    const expiry = v.dateErrors.title_expires_on;
    add("title_expires_on", expiry.error || null, expiry.part);
    if (!v.privacy_consent) add("privacy_consent", "error.required.privacy_consent");
    return errors;
  }

  // -- "did you mean" for the address ---------------------------------------------------------

  // Optimal string alignment distance: a swap of two neighbours ("gmial") is one typo.
  function distance(a, b) {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length][b.length];
  }

  function suggestedAddress(address) {
    const at = address.lastIndexOf("@");
    if (at < 1) return null;
    const domain = address.slice(at + 1).toLowerCase();
    if (!domain || PROVIDERS.includes(domain)) return null;
    const close = PROVIDERS.filter((p) => distance(domain, p) === 1);
    return close.length === 1 ? `${address.slice(0, at)}@${close[0]}` : null;
  }

  function renderSuggestion() {
    const box = document.getElementById("email-suggestion");
    show(box, Boolean(suggestion));
    if (!suggestion) return;
    const text = document.getElementById("email-suggestion-text");
    fill(text, t("email.did_you_mean"), { email: el("strong", { dir: "ltr" }, suggestion) });
    NFT.setButtonText(
      document.getElementById("email-suggestion-button"),
      t("email.use_suggestion", { domain: suggestion.split("@").pop() })
    );
  }

  function offerSuggestion() {
    suggestion = suggestedAddress(control("email").value.trim());
    renderSuggestion();
  }

  // -- showing errors --------------------------------------------------------------------

  function describedBy(node, id, on) {
    const ids = (node.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
    if (on) ids.unshift(id);
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  }

  // KERN's error state of a control: its own class with "--error" (kern-form-input__input,
  // kern-form-input__select, kern-form-check__radio, kern-form-check__checkbox).
  function errorClassOf(node) {
    const own = ["kern-form-input__input", "kern-form-input__select", "kern-form-check__radio", "kern-form-check__checkbox"];
    const found = own.find((name) => node.classList.contains(name));
    return found ? `${found}--error` : null;
  }

  function markField(field, text) {
    const message = document.getElementById(`${field}-error`);
    const wrapper = form.querySelector(`[data-field="${field}"]`);
    const input = control(field);
    const invalid = Boolean(text);
    setError(message, text);
    // The block around the field: kern-form-input or kern-fieldset, each with its "--error".
    const block = wrapper.classList.contains("kern-fieldset") ? "kern-fieldset" : "kern-form-input";
    wrapper.classList.toggle(`${block}--error`, invalid);
    inputsOf(field).forEach((node) => {
      if (invalid) node.setAttribute("aria-invalid", "true");
      else node.removeAttribute("aria-invalid");
      const errorClass = errorClassOf(node);
      if (errorClass) node.classList.toggle(errorClass, invalid);
    });
    describedBy(input, `${field}-error`, invalid);
  }

  function inputsOf(field) {
    if (field === "title_type") return Array.from(form.querySelectorAll('input[name="title_type"]'));
    if (DATE_FIELDS.includes(field)) return ["day", "month", "year"].map((p) => control(`${field}-${p}`));
    return [control(field)];
  }

  // Where a summary entry leads: the first radio, the wrong part of a date, or the field.
  function focusTarget(error) {
    if (error.field === "title_type") return "title_type-residence_permit";
    if (DATE_FIELDS.includes(error.field)) return `${error.field}-${error.part || "day"}`;
    return error.field;
  }

  function errorText(error) {
    return error.key ? t(error.key, error.params) : error.text;
  }

  function renderErrors() {
    FIELDS.forEach((field) => markField(field, null));
    errorList.replaceChildren();
    for (const error of shown) {
      const text = errorText(error);
      if (error.field) {
        markField(error.field, text);
        const target = focusTarget(error);
        const link = el("a", { class: "kern-link", href: `#${target}` }, text);
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

  // -- the check page --------------------------------------------------------------------

  // A date of birth in words, in the page's language: "17 May 1990", "May 1990", "1990", with
  // what the document leaves unknown said as such.
  function birthDateInWords(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    if (d) return NFT.formatDate(iso);
    const options = m ? { year: "numeric", month: "long", timeZone: "UTC" } : { year: "numeric", timeZone: "UTC" };
    const words = new Intl.DateTimeFormat(NFT.language(), options).format(new Date(Date.UTC(y, (m || 1) - 1, 1)));
    return `${words} (${t(m ? "answers.day_unknown" : "answers.day_month_unknown")})`;
  }

  function renderCheck() {
    if (!checked) return;
    const v = checked;
    const nationality = control("nationality").selectedOptions[0];
    const rows = [
      ["field.given_names.label", v.given_names || t("answers.one_name")],
      ["field.family_name.label", v.family_name],
      ["field.date_of_birth.label", birthDateInWords(v.date_of_birth), v.date_of_birth],
      ["field.nationality.label", nationality ? nationality.textContent : v.nationality],
      ["field.email.label", v.email],
      ["field.title_type.legend", t(`field.title_type.${v.title_type}`)],
      ["field.title_number.label", v.title_number || t("answers.none")],
      ["field.title_expires_on.label", NFT.formatDate(v.title_expires_on), v.title_expires_on],
    ];
    const list = document.getElementById("check-list");
    list.replaceChildren();
    for (const [label, value, datetime] of rows) {
      const shown = datetime ? el("time", { datetime }, value) : value;
      const dir = label === "field.email.label" ? "ltr" : null;
      list.append(
        el(
          "div",
          { class: "kern-description-list-item" },
          el("dt", { class: "kern-description-list-item__key" }, t(label)),
          el("dd", { class: "kern-description-list-item__value", dir }, shown)
        )
      );
    }
  }

  function showStep(step) {
    show(form, step === "form");
    show(intro, step === "form");
    show(check, step === "check");
    show(sent, step === "sent");
  }

  // The check page is a step in the browser's history: Back (the phone's button or gesture)
  // returns to the form with everything typed, Forward to the check. The history entry says
  // only which step it is; the values stay in this page's memory, never in the URL, the
  // history's state or storage.
  const CHECK_STEP = "check";

  function atCheckStep() {
    return Boolean(window.history.state && window.history.state.step === CHECK_STEP);
  }

  // The check of what the form holds now, or the form with its errors; true when checked.
  function showCheck() {
    refusalDates = null;
    show(refusal, false);
    const v = values();
    const errors = validate(v);
    if (errors.length) {
      showStep("form");
      showErrors(errors);
      return false;
    }
    showErrors([]);
    checked = v;
    renderCheck();
    showStep("check");
    focus(check);
    return true;
  }

  function proceed(event) {
    event.preventDefault();
    // After a refused send the form is shown on the check's own entry: no second one.
    if (showCheck() && !atCheckStep()) window.history.pushState({ step: CHECK_STEP }, "");
  }

  function firstField() {
    return oneName() ? "family_name" : "given_names";
  }

  function backToForm(field) {
    showStep("form");
    if (field) control(field).focus();
  }

  // "Change" on the check page is the browser's Back: one way back, whichever is used.
  function changeDetails() {
    if (atCheckStep()) window.history.back();
    else backToForm(firstField());
  }

  function onHistoryStep(event) {
    const step = event.state && event.state.step;
    if (step === CHECK_STEP) {
      if (sent.hidden) showCheck();
    } else if (!check.hidden || !sent.hidden) {
      backToForm(firstField());
    }
  }

  async function send() {
    const v = checked;
    const body = { ...v, language: NFT.language() };
    delete body.dateErrors;
    if (!body.title_number) delete body.title_number;
    button.disabled = true;
    status.textContent = t("register.sending");
    const proof = await proofOfWork();
    if (!proof.payload) {
      button.disabled = false;
      status.textContent = "";
      backToForm();
      showErrors([{ field: null, key: NFT.problemKey(proof.answer) }]);
      return;
    }
    body.altcha = proof.payload;
    const answer = await api("POST", "/registrations", { body });
    button.disabled = false;
    status.textContent = "";

    if (answer.ok) {
      sentTo = v.email;
      sentAt = Date.now();
      renderSent();
      showStep("sent");
      focus(sent);
      return;
    }
    backToForm();
    const problem = answer.data || {};
    const code = NFT.problemCode(answer);
    if (code === "not_eligible" && problem.first_possible_date) {
      refusalDates = { expires: v.title_expires_on, first: problem.first_possible_date };
      renderRefusal();
      show(refusal, true);
      focus(refusal);
      return;
    }
    if (code === "validation_failed" && Array.isArray(problem.errors) && problem.errors.length) {
      // Each finding once, at its field; the rest in the page's words, never the API's English.
      const seen = new Set();
      const mapped = [];
      for (const item of problem.errors) {
        const field = fieldOf(item.field);
        const error = field
          ? { field, ...serverError(field, item.message) }
          : { field: null, key: item.field === "altcha" ? "problem.altcha" : "problem.validation_failed" };
        const once = field || error.key;
        if (seen.has(once)) continue;
        seen.add(once);
        mapped.push(error);
      }
      showErrors(mapped);
      return;
    }
    if (code === "duplicate_registration") {
      if (sentAt !== null) {
        // The person changed the address of a registration made here a moment ago.
        const time = new Intl.DateTimeFormat(NFT.language(), { hour: "2-digit", minute: "2-digit" }).format(
          new Date(sentAt + GIVES_WAY_AFTER_MS)
        );
        showErrors([{ field: "email", key: "error.duplicate_changed", params: { time } }]);
        return;
      }
      showErrors([{ field: null, key: "error.duplicate" }]);
      return;
    }
    showErrors([{ field: null, key: NFT.problemKey(answer) }]);
  }

  // The service's finding at a field, as the page says it in the person's language:
  // {key, params}. A name's letter of another script is the one the page finds in what was
  // sent (the service's rule is the page's).
  function serverError(field, message) {
    const text = String(message || "");
    const name = field === "given_names" || field === "family_name";
    if (field === "email" && text.includes("before the @")) return { key: "error.email.smtputf8" };
    if (name && text.includes("Latin letters")) {
      const letter = otherScriptLetter(checked && checked[field]) || "?";
      return { key: `error.name.script.${field}`, params: { letter } };
    }
    if (name && /digits|may hold only/.test(text)) return { key: `error.name.characters.${field}` };
    return { key: `error.invalid.${field}` };
  }

  function changeAddress() {
    backToForm("email");
    show(document.getElementById("email-change-note"), true);
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
    renderCheck();
    renderSuggestion();
  }

  function onOneName() {
    const given = control("given_names");
    given.disabled = oneName();
    if (oneName()) given.value = "";
    clearFieldError("given_names");
  }

  form.addEventListener("submit", proceed);
  button.addEventListener("click", send);
  document.getElementById("change-button").addEventListener("click", changeDetails);
  window.addEventListener("popstate", onHistoryStep);
  document.getElementById("change-email-button").addEventListener("click", changeAddress);
  control("only_one_name").addEventListener("change", onOneName);
  // While typing, not on leaving the field: a note appearing then would move what the
  // person is about to click.
  control("email").addEventListener("input", offerSuggestion);
  document.getElementById("email-suggestion-button").addEventListener("click", () => {
    control("email").value = suggestion;
    suggestion = null;
    renderSuggestion();
    control("email").focus();
  });
  for (const field of FIELDS) {
    inputsOf(field).forEach((node) => {
      node.addEventListener("change", () => clearFieldError(field));
      node.addEventListener("input", () => clearFieldError(field));
    });
  }

  NFT.onLanguageChange(rerender);
  NFT.start();
})();
