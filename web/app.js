// Shared by every page: languages (one JSON file each in i18n/), the API client, small DOM helpers.
"use strict";

(function () {
  // To add a language: add i18n/<code>.json (same keys as en.json) and a line here.
  const LANGUAGES = [
    { code: "de", name: "Deutsch", dir: "ltr" },
    { code: "en", name: "English", dir: "ltr" },
    { code: "tr", name: "Türkçe", dir: "ltr" },
    { code: "ar", name: "العربية", dir: "rtl" },
    { code: "uk", name: "Українська", dir: "ltr" },
  ];
  const DEFAULT_LANGUAGE = "de";
  const FALLBACK_LANGUAGE = "en"; // for a key a language file does not have (yet)
  const LANGUAGE_KEY = "notfalltermin.language";

  let language = DEFAULT_LANGUAGE;
  let messages = {};
  let fallback = {};
  const listeners = [];

  function known(code) {
    return LANGUAGES.some((l) => l.code === code);
  }

  function storedLanguage() {
    try {
      return window.localStorage.getItem(LANGUAGE_KEY);
    } catch (e) {
      return null; // storage can be disabled; the page still works
    }
  }

  function initialLanguage() {
    const fromQuery = new URLSearchParams(window.location.search).get("lang");
    const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("lang");
    const candidates = [fromQuery, fromHash, storedLanguage()];
    for (const preferred of navigator.languages || [navigator.language || ""]) {
      candidates.push(String(preferred).toLowerCase().split("-")[0]);
    }
    return candidates.find((c) => c && known(c)) || DEFAULT_LANGUAGE;
  }

  async function fetchMessages(code) {
    const response = await fetch(`i18n/${code}.json`, { cache: "no-cache" });
    if (!response.ok) throw new Error(`i18n/${code}.json: ${response.status}`);
    return response.json();
  }

  function t(key, params) {
    let text = key in messages ? messages[key] : key in fallback ? fallback[key] : key;
    if (params) {
      text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
    }
    return text;
  }

  function translatePage(root) {
    root.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(el.dataset.i18n, officeParams(el));
    });
    root.querySelectorAll("[data-i18n-aria-label]").forEach((el) => {
      el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
    });
    if (document.body.dataset.title) document.title = t(document.body.dataset.title, { office: officeName() });
    // Links between the pages keep the language, also where the browser stores nothing.
    root.querySelectorAll("a[data-keep-language]").forEach((a) => {
      const url = new URL(a.getAttribute("href"), window.location.href);
      url.searchParams.set("lang", language);
      a.setAttribute("href", url.pathname.split("/").pop() + url.search);
    });
    fillOffice(root);
  }

  // -- the office: its facts and retention periods from GET /office (one file per office,
  // the same settings the purge uses), filled into [data-office…] and [data-retention] ------

  let office = null;

  // The office's name in this language (the office file's `names`); "Notfalltermin" until the
  // facts are here, so a title never shows a gap.
  function officeName() {
    if (!office) return t("app.name");
    return office.office.names[language] || office.office.short_name;
  }

  function officeParams(el) {
    const params = { office: officeName() };
    if (el.dataset.retention) params.days = office ? office.retention_days[el.dataset.retention] : "…";
    if ("region" in el.dataset) params.region = office ? office.region : "…";
    return params;
  }

  function officeFact(path) {
    let value = office ? office.office : null;
    for (const part of path.split(".")) value = value && typeof value === "object" ? value[part] : null;
    return value === null || value === undefined ? "" : String(value);
  }

  function weekdayName(day) {
    // 1 January 2024 was a Monday.
    const offset = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].indexOf(day);
    return new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + offset)));
  }

  function phoneHours() {
    if (!office) return "";
    return office.office.phone_hours
      .map((h) => t("help.hours_value", { days: formatList(h.days.map(weekdayName)), from: h.from, to: h.to }))
      .join("; ");
  }

  function fillOffice(root) {
    if (!office) return;
    // The facts are written in German (names of authorities, addresses): read out as German,
    // and numbers and addresses left to right also on the Arabic page.
    root.querySelectorAll("[data-office]").forEach((el) => {
      el.textContent = officeFact(el.dataset.office);
      el.setAttribute("lang", "de");
      el.setAttribute("dir", "ltr");
    });
    root.querySelectorAll("[data-office-link]:not([data-i18n]), [data-office-mail], [data-office-tel]").forEach((el) => {
      el.setAttribute("dir", "ltr");
    });
    root.querySelectorAll("[data-office-link]").forEach((el) => {
      const url = officeFact(el.dataset.officeLink);
      el.setAttribute("href", url);
      if (!el.dataset.i18n) el.textContent = url;
    });
    root.querySelectorAll("[data-office-mail]").forEach((el) => {
      const address = officeFact(el.dataset.officeMail);
      el.setAttribute("href", `mailto:${address}`);
      el.textContent = address;
    });
    root.querySelectorAll("[data-office-tel]").forEach((el) => {
      const number = officeFact(el.dataset.officeTel);
      el.setAttribute("href", `tel:${number.replace(/[^+\d]/g, "")}`);
      el.textContent = number;
    });
    root.querySelectorAll("[data-office-date]").forEach((el) => {
      const iso = officeFact(el.dataset.officeDate);
      el.setAttribute("datetime", iso);
      el.textContent = formatDate(iso);
    });
    root.querySelectorAll("[data-retention-days]").forEach((el) => {
      el.textContent = String(office.retention_days[el.dataset.retentionDays]);
    });
    root.querySelectorAll("[data-office-name]").forEach((el) => {
      el.textContent = officeName();
    });
    root.querySelectorAll("[data-office-hours]").forEach((el) => {
      el.textContent = phoneHours();
    });
    root.querySelectorAll("[data-office-if]").forEach((el) => {
      const wanted = el.dataset.officeIf;
      const present = officeFact(wanted.replace(/^!/, "")) !== "";
      show(el, wanted.startsWith("!") ? !present : present);
    });
  }

  async function loadOffice() {
    const answer = await api("GET", "/office");
    if (!answer.ok) {
      document.querySelectorAll("[data-office-error]").forEach((el) => show(el, true));
      return;
    }
    office = answer.data;
    if (document.documentElement.dataset.ready) translatePage(document);
    document.documentElement.dataset.officeLoaded = "true";
  }

  function renderSwitcher() {
    const nav = document.getElementById("languages");
    if (!nav) return;
    nav.replaceChildren();
    const list = el("ul", { class: "kern-btn-wrapper" });
    for (const l of LANGUAGES) {
      const chosen = l.code === language;
      const variant = chosen ? "kern-btn--primary" : "kern-btn--secondary";
      const attributes = { lang: l.code, dir: l.dir, "aria-pressed": String(chosen), class: `kern-btn kern-btn--x-small ${variant}` };
      const switcher = button(l.name, null, attributes);
      switcher.addEventListener("click", () => {
        setLanguage(l.code, true);
      });
      list.append(el("li", {}, switcher));
    }
    nav.append(list);
  }

  async function setLanguage(code, chosen) {
    const [own, base] = await Promise.all([
      fetchMessages(code),
      code === FALLBACK_LANGUAGE ? Promise.resolve({}) : fetchMessages(FALLBACK_LANGUAGE).catch(() => ({})),
    ]);
    language = code;
    messages = own;
    fallback = base;
    const meta = LANGUAGES.find((l) => l.code === code);
    document.documentElement.lang = code;
    document.documentElement.dir = meta.dir;
    if (chosen) {
      try {
        window.localStorage.setItem(LANGUAGE_KEY, code);
      } catch (e) {
        /* not remembered, still switched */
      }
      const url = new URL(window.location.href);
      url.searchParams.set("lang", code);
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
    translatePage(document);
    renderSwitcher();
    listeners.forEach((listener) => listener(code));
    document.documentElement.dataset.ready = "true";
  }

  function onLanguageChange(listener) {
    listeners.push(listener);
  }

  // -- formatting ------------------------------------------------------------------------

  function formatDate(isoDate, withWeekday) {
    const [y, m, d] = String(isoDate).split("-").map(Number);
    if (!y || !m || !d) return String(isoDate);
    const options = { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" };
    if (withWeekday) options.weekday = "long";
    return new Intl.DateTimeFormat(language, options).format(new Date(Date.UTC(y, m - 1, d)));
  }

  // A date to compare with one printed on a document: "20.11.2026" in German, as German
  // documents print it; elsewhere a short month name, so day and month cannot be confused.
  // The status page writes all its dates so (one format per language), an appointment's day
  // `withWeekday` ("Montag, 30.11.2026").
  function formatDocumentDate(isoDate, withWeekday) {
    const [y, m, d] = String(isoDate).split("-").map(Number);
    if (!y || !m || !d) return String(isoDate);
    const options =
      language === "de"
        ? { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" }
        : { year: "numeric", month: "short", day: "2-digit", timeZone: "UTC" };
    if (withWeekday) options.weekday = "long";
    const locale = language === "en" ? "en-GB" : language;
    return new Intl.DateTimeFormat(locale, options).format(new Date(Date.UTC(y, m - 1, d)));
  }

  // A window bound is either a wall-clock time ("08:00") or an ISO 8601 timestamp with offset.
  function formatTime(value) {
    const text = String(value);
    if (/^\d{1,2}:\d{2}(:\d{2})?$/.test(text)) return text.slice(0, 5);
    const instant = new Date(text);
    if (Number.isNaN(instant.getTime())) return text;
    return new Intl.DateTimeFormat(language, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: "Europe/Berlin",
    }).format(instant);
  }

  function formatList(items) {
    try {
      return new Intl.ListFormat(language, { type: "conjunction" }).format(items);
    } catch (e) {
      return items.join(", ");
    }
  }

  // -- the API ---------------------------------------------------------------------------

  function apiBase() {
    const config = window.NFT_CONFIG || {};
    return String(config.apiBaseUrl || "").replace(/\/+$/, "");
  }

  // Every answer as {ok, status, data}; a network failure is status 0. Errors are problem+json.
  async function api(method, path, options) {
    const opts = options || {};
    const headers = { Accept: "application/json, application/problem+json" };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let response;
    try {
      response = await fetch(apiBase() + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch (e) {
      return { ok: false, status: 0, data: { code: "network_error" } };
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!response.ok && (!data || typeof data !== "object")) data = { code: "unknown" };
    return { ok: response.ok, status: response.status, data };
  }

  // What each problem the applicant's routes answer says to the person, in the page's
  // language: the API's `title` and `detail` are English (chalicelib/domain/errors.py, and
  // internal_error from chalicelib/api/problems.py). tests/i18n checks that every type has one.
  const PROBLEM_TYPE = "urn:notfalltermin:problem:";
  const PROBLEM_TEXTS = {
    validation_failed: "problem.validation_failed",
    correction_not_on_document: "problem.correction_not_on_document",
    not_eligible: "problem.not_eligible",
    duplicate_registration: "error.duplicate",
    not_found: "problem.not_found",
    unauthorized: "problem.unauthorized",
    forbidden: "problem.forbidden",
    invalid_state: "error.invalid_state",
    documents_incomplete: "problem.documents_incomplete",
    too_many_documents: "upload.too_many",
    too_many_registrations: "problem.too_many_registrations",
    payload_too_large: "problem.payload_too_large",
    service_unavailable: "common.unavailable",
    internal_error: "common.unexpected_error",
  };

  // The problem's code, from its `type` (urn:notfalltermin:problem:<code>), else its `code`.
  function problemCode(answer) {
    const problem = (answer && answer.data) || {};
    const type = String(problem.type || "");
    if (type.startsWith(PROBLEM_TYPE)) return type.slice(PROBLEM_TYPE.length);
    return problem.code ? String(problem.code) : null;
  }

  // The i18n key of an answer no page handles specially: by the problem's type; a type this
  // page does not know by its status (busy, or our fault); never the API's English words.
  function problemKey(answer) {
    if (answer.status === 0) return "common.network_error";
    const code = problemCode(answer);
    if (code && Object.hasOwn(PROBLEM_TEXTS, code)) return PROBLEM_TEXTS[code];
    if (answer.status === 503 || answer.status === 429) return "common.unavailable";
    return "common.unexpected_error";
  }

  function generalError(answer) {
    return t(problemKey(answer));
  }

  // -- files: what the service can check, photos small enough -----------------------------

  const MAX_UPLOAD_BYTES = 10 * 1024 * 1024; // chalicelib/domain/documents.py
  // Formats phones and offices make that the service cannot check, and the message for each.
  const UNREADABLE_FORMATS = [
    { key: "upload.heic", types: ["image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"], extensions: ["heic", "heif", "hif"] },
    {
      key: "upload.word",
      types: [
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
      ],
      extensions: ["doc", "docx", "odt"],
    },
  ];

  function unreadableFormat(file) {
    const extension = String(file.name || "").split(".").pop().toLowerCase();
    return UNREADABLE_FORMATS.find((f) => f.types.includes(file.type) || f.extensions.includes(extension)) || null;
  }

  function asJpegName(name) {
    const base = String(name || "photo").replace(/\.[^.]*$/, "");
    return `${base || "photo"}.jpg`;
  }

  // A photo re-drawn on a canvas as a JPEG of at most `limit` bytes, a little smaller each try
  // (as large as fits: the document's machine-readable zone must stay readable), or null.
  async function shrinkPhoto(file, limit) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (e) {
      return null;
    }
    let scale = 1;
    for (let attempt = 0; attempt < 10; attempt++) {
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      const context = canvas.getContext("2d");
      context.fillStyle = "#ffffff"; // a PNG's transparency becomes white, not black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
      if (blob && blob.size <= limit) {
        if (bitmap.close) bitmap.close();
        return new File([blob], asJpegName(file.name), { type: "image/jpeg" });
      }
      scale *= blob ? Math.min(0.8, Math.sqrt(limit / blob.size)) : 0.8;
    }
    if (bitmap.close) bitmap.close();
    return null;
  }

  // What to upload for a chosen file: {file} — a photo over the limit shrunk to a JPEG below
  // it — or {error}, the i18n key (with {filename}) saying why not and what to send instead.
  async function prepareUpload(file) {
    const unreadable = unreadableFormat(file);
    if (unreadable) return { error: unreadable.key };
    const photo = /^image\/(jpeg|png)$/.test(file.type) || (!file.type && /\.(jpe?g|png)$/i.test(file.name));
    if (photo && file.size > MAX_UPLOAD_BYTES) {
      const smaller = await shrinkPhoto(file, MAX_UPLOAD_BYTES);
      if (smaller) return { file: smaller, shrunk: true };
    }
    return { file };
  }

  // -- DOM -------------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // A KERN button: <button class="kern-btn kern-btn--{variant}"><span class="kern-label">text
  // </span></button>; variant "primary" or "secondary" (null: the classes come in attributes).
  function button(text, variant, attributes) {
    const classes = variant ? { class: `kern-btn kern-btn--${variant}` } : {};
    return el("button", { type: "button", ...classes, ...(attributes || {}) }, el("span", { class: "kern-label" }, text));
  }

  function setButtonText(node, text) {
    const label = node.querySelector(".kern-label");
    (label || node).textContent = text;
  }

  // A KERN error message (p.kern-error: an icon and the text), or hidden when there is no text.
  function setError(node, text) {
    const message = text || "";
    node.replaceChildren();
    if (message) {
      node.append(el("span", { class: "kern-icon kern-icon--danger", "aria-hidden": "true" }), el("span", { class: "kern-body" }, message));
    }
    show(node, Boolean(message));
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function focus(node) {
    if (!node) return;
    if (!node.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
      node.setAttribute("tabindex", "-1");
    }
    node.focus();
    node.scrollIntoView({ block: "start" });
  }

  async function start() {
    loadOffice(); // the office's facts fill in when they come; nothing waits for them
    try {
      await setLanguage(initialLanguage(), false);
    } catch (e) {
      await setLanguage(DEFAULT_LANGUAGE, false);
    }
  }

  window.NFT = {
    LANGUAGES,
    t,
    language: () => language,
    onLanguageChange,
    start,
    formatDate,
    formatDocumentDate,
    formatTime,
    formatList,
    api,
    problemCode,
    problemKey,
    generalError,
    prepareUpload,
    el,
    button,
    setButtonText,
    setError,
    show,
    focus,
  };
})();
