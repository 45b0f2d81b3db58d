// The status page opened from the mail link: confirm, upload, see each document's check and
// correct typed data to what a document says, submit, see the state, withdraw.
"use strict";

(function () {
  const { t, el, show, focus, api } = window.NFT;

  const ACCESS_KEY = "notfalltermin.access"; // where an earlier version kept the access
  const KINDS = ["passport", "residence_title", "other"];
  const REQUIRED_KINDS = ["passport", "residence_title"];
  const READ_KINDS = ["passport", "residence_title"]; // their machine-readable zone is read
  const ACTIVE = ["email_unverified", "awaiting_documents", "checking", "in_review", "waiting", "invited"];
  // An appointment's states as the page names them ("released": the person said "I can't come").
  // "window_over" and "day_over": still invited (no arrival recorded) after the arrival window
  // ended, on the day or after it; the end-of-day job makes such an invitation a no-show
  // (docs/design.md, "Final at the end of the day").
  const APPOINTMENT_STATES = ["invited", "window_over", "day_over", "arrived", "served", "rejected", "no_show", "released"];
  const OFFICE_TIME_ZONE = "Europe/Berlin";
  // The documents stay in view (without the upload controls) while they are being checked.
  const SHOW_DOCUMENTS = ["awaiting_documents", "checking", "in_review"];
  const CORRECTABLE_IN = ["awaiting_documents", "in_review"];
  const DATE_FIELDS = ["title_expires_on", "date_of_birth"];
  const NAME_FIELDS = ["family_name", "given_names"];
  // Reading a document takes seconds: ask every few seconds, for a few minutes at most.
  const POLL_EVERY_MS = 3000;
  const POLL_AT_MOST_MS = 3 * 60 * 1000;
  const REGISTER_AGAIN = ["rejected", "no_show", "withdrawn"];
  const MAX_BYTES = 10 * 1024 * 1024;
  const CONTENT_TYPES = {
    "application/pdf": "application/pdf",
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/png": "image/png",
  };
  const EXTENSIONS = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" };

  const $ = (id) => document.getElementById(id);

  let access = null; // {id, token}, in memory only
  // Opened from the invitation mail's "I can't come today" link: that section first, no action.
  let openRelease = false;
  let releaseUnavailable = false; // that link was opened when a release is no longer possible
  let view = null; // the registration view, as the API answers it
  let shownStatus = null;
  let windowTimer = null; // renders the page again when the arrival window ends
  // What the live region (#announcer) says, and what it is about: the state shown, and perhaps
  // a document's id and status; it is cleared once that is no longer so (render).
  let announced = null;
  let announceTimer = null;
  let busy = false;
  // Per kind: the last upload started on this page, {filename, documentId, percent, error}; the
  // percent is null once the sending has ended (its bar is shown only while it runs).
  const uploads = {};
  // Polling while a document is being read: the timer, since when, and whether it gave up.
  let pollTimer = null;
  let pollingSince = null;
  let pollingGaveUp = false;
  // Per kind: what its check area shows (rebuilt only when this changes, so typing survives).
  const shownChecks = {};
  // Per "documentId/field": a name being typed into a correction field, and the error shown.
  const drafts = {};
  const correctionErrors = {};

  // -- access: the id and token travel in the link's fragment, never to a server --------------

  // The token lives in this page's memory only: not in the address bar, the history, or any
  // browser storage (a reload asks for the mail link again). Also `lang` and `view` come from
  // the fragment: `view=release` is the "I can't come today" link of the invitation mail.
  function readAccess() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const id = params.get("id");
    const token = params.get("token");
    if (!id || !token) return false;
    access = { id, token };
    openRelease = params.get("view") === "release";
    // Out of the address bar and the history entry: not bookmarked, not seen over a shoulder.
    // The language stays, in the query, where the pages read it.
    const url = new URL(window.location.href);
    if (params.get("lang")) url.searchParams.set("lang", params.get("lang"));
    window.history.replaceState(null, "", url.pathname + url.search);
    return true;
  }

  // An earlier version of this page kept the access in sessionStorage: it goes.
  function dropStoredAccess() {
    try {
      window.sessionStorage.removeItem(ACCESS_KEY);
    } catch (e) {
      /* no storage: nothing stored */
    }
  }

  function forget() {
    access = null;
  }

  function path(suffix) {
    return `/registrations/${encodeURIComponent(access.id)}${suffix || ""}`;
  }

  // -- messages ----------------------------------------------------------------------------

  // `about`: {documentId, documentStatus} when the text speaks of a document.
  function announce(text, about) {
    const node = $("announcer");
    silence();
    announced = { shown: shownStatus, ...(about || {}) };
    announceTimer = window.setTimeout(() => {
      announceTimer = null;
      node.textContent = text;
    }, 50);
  }

  function silence() {
    if (announceTimer !== null) window.clearTimeout(announceTimer);
    announceTimer = null;
    announced = null;
    $("announcer").textContent = "";
  }

  // The live region never contradicts the page: what it said goes once the state shown, or the
  // status of the document it spoke of, is no longer what it was.
  function keepAnnouncementTrue(shown) {
    if (!announced) return;
    let stale = announced.shown !== null && announced.shown !== shown;
    if (announced.documentId) {
      const d = (view.documents || []).find((x) => x.document_id === announced.documentId);
      if (d && d.status !== announced.documentStatus) stale = true;
    }
    if (stale) silence();
  }

  let noAccessKey = null;

  function showNoAccess(key) {
    noAccessKey = key;
    show($("loading"), false);
    show($("registration"), false);
    $("no-access-heading").textContent = t(`${key}.heading`);
    $("no-access-text").textContent = t(`${key}.text`);
    show($("no-access"), true);
  }

  function showPageError(text) {
    show($("loading"), false);
    $("page-error-text").textContent = text;
    show($("page-error"), Boolean(text));
  }

  // -- loading and showing the registration --------------------------------------------------

  async function showFirstView() {
    if (await load()) focusAfterFirstView();
  }

  // Takes an API answer carrying a registration view; false when there is none to show.
  function accept(answer) {
    if (answer.ok && answer.data && answer.data.status) {
      view = answer.data;
      showPageError("");
      render();
      return true;
    }
    if (answer.status === 404 || answer.status === 401) {
      forget();
      view = null;
      showNoAccess("status.not_found");
      return false;
    }
    showPageError(NFT.generalError(answer));
    return false;
  }

  async function load() {
    if (!access) {
      showNoAccess("status.no_access");
      return false;
    }
    return accept(await api("GET", path(), { token: access.token }));
  }

  function render() {
    if (!view) {
      if (noAccessKey) showNoAccess(noAccessKey);
      return;
    }
    const v = view;
    const status = v.status;
    show($("loading"), false);
    show($("no-access"), false);
    show($("registration"), true);

    $("person").textContent = t("status.for", { name: `${v.given_names} ${v.family_name}` });
    $("title-expiry").textContent = t("status.expires", { date: NFT.formatDocumentDate(v.title_expires_on) });

    const state = $("state");
    const shown = shownState(v);
    keepAnnouncementTrue(shown);
    if (shownStatus !== null && shownStatus !== shown) releaseUnavailable = false; // said before
    state.dataset.status = shown;
    const kind = alertKind(shown);
    state.className = `kern-alert kern-alert--${kind}`;
    $("state-icon").className = `kern-icon kern-icon--${kind}`;
    $("state-heading").textContent = t(`state.${shown}.heading`);
    $("state-text").textContent = t(`state.${shown}.text`);
    const waiting = status === "waiting" && Number.isInteger(v.queue_position);
    $("queue-position").textContent = waiting ? t("state.waiting.position", { position: v.queue_position }) : "";
    show($("queue-position"), waiting);
    let more = "";
    // Released today: not invited again today, so no word yet about the next mail.
    if (status === "waiting" && shown !== "released") more = t("state.waiting.mail");
    if (status === "in_review" && hasCorrectable()) more = t("state.in_review.correct");
    if (releaseUnavailable && shown !== "released") more = t("release.invalid_state");
    $("state-more").textContent = more;
    show($("state-more"), Boolean(more));
    show($("register-again"), REGISTER_AGAIN.includes(status));

    show($("confirm-section"), status === "email_unverified");
    show($("documents-section"), SHOW_DOCUMENTS.includes(status));
    show($("withdraw-section"), ACTIVE.includes(status));
    renderReference(v);
    renderAppointment(v, shown);
    renderRelease(v);
    renderDocuments();

    // A new state is announced by moving focus to it (not on the first view of the page).
    if (shownStatus !== null && shownStatus !== shown) focus(state);
    shownStatus = shown;
    keepPolling();
    renderWhenTheWindowEnds(v, shown);
  }

  // While the window is to come, the page changes by itself when it ends.
  function renderWhenTheWindowEnds(v, shown) {
    if (windowTimer !== null) window.clearTimeout(windowTimer);
    windowTimer = null;
    if (shown !== "invited" || !v.appointment) return;
    const left = windowEnd(v.appointment) - Date.now();
    if (!(left > 0)) return;
    windowTimer = window.setTimeout(() => {
      windowTimer = null;
      render();
    }, Math.min(left, 24 * 60 * 60 * 1000));
  }

  // The end of the arrival window in milliseconds since the epoch (NaN when unreadable); the
  // API gives it as an ISO 8601 time with the office's offset.
  function windowEnd(appointment) {
    return new Date(String(appointment.window_end)).getTime();
  }

  // The state the page speaks about: "released" is a waiting registration whose person said
  // "I can't come" today (they keep their place, and are not invited again today);
  // "window_over" and "day_over" an invitation whose arrival window, or day, has passed at the
  // browser's clock (the office's day in Europe/Berlin).
  function shownState(v) {
    if (v.status === "released") return "released";
    if (v.status === "waiting" && v.released_on && v.released_on === officeToday()) return "released";
    if (v.status === "invited" && v.appointment) {
      if (v.appointment.date < officeToday()) return "day_over";
      if (Date.now() >= windowEnd(v.appointment)) return "window_over";
    }
    return v.status;
  }

  // Today's date at the office, whatever the phone's time zone.
  function officeToday() {
    const parts = new Intl.DateTimeFormat("en", {
      timeZone: OFFICE_TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(new Date());
    const part = (type) => parts.find((p) => p.type === type).value;
    return `${part("year")}-${part("month")}-${part("day")}`;
  }

  // The KERN alert the state is shown in: success, warning or info.
  function alertKind(status) {
    if (["invited", "arrived", "served", "waiting", "released"].includes(status)) return "success";
    if (["rejected", "no_show", "window_over", "day_over"].includes(status)) return "warning";
    return "info";
  }

  // -- the reference code: 8 characters, said aloud or shown as the mail's QR code at the entrance

  function referenceOf(v) {
    const code = v.reference || (v.appointment && v.appointment.reference) || "";
    return String(code).replace(/[^0-9A-Za-z]/g, "").toUpperCase();
  }

  // "7K3MQ9XD" → "7K3M-Q9XD": two groups of four, easier to read out and to type.
  function formatReference(code) {
    return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
  }

  // For a screen reader: character by character ("7 K 3 M, Q 9 X D"), not as one word.
  function spokenReference(code) {
    const groups = code.length === 8 ? [code.slice(0, 4), code.slice(4)] : [code];
    return groups.map((g) => g.split("").join(" ")).join(", ");
  }

  function renderReference(v) {
    const code = referenceOf(v);
    show($("reference-section"), Boolean(code));
    // The long registration number only where there is no reference code yet.
    $("registration-number").textContent = code ? "" : t("status.number", { id: v.registration_id });
    show($("registration-number-line"), !code);
    if (!code) return;
    $("reference-code").textContent = formatReference(code);
    $("reference-spoken").textContent = spokenReference(code);
    const shown = shownState(v);
    const atTheEntrance = shown === "invited" || shown === "arrived";
    $("reference-text").textContent = t(atTheEntrance ? "reference.entrance" : "reference.keep");
  }

  // -- the appointment: date, arrival window, address with a map link, and its state ------------

  function renderAppointment(v, shown) {
    const appointment = v.appointment;
    const visible = Boolean(appointment) && APPOINTMENT_STATES.includes(shown);
    show($("appointment-section"), visible);
    if (!visible) return;
    const date = $("appointment-date");
    date.setAttribute("datetime", appointment.date);
    date.textContent = NFT.formatDocumentDate(appointment.date, true);
    $("appointment-window").textContent = t("appointment.window_value", {
      start: NFT.formatTime(appointment.window_start),
      end: NFT.formatTime(appointment.window_end),
    });
    $("appointment-address").textContent = appointment.address;
    const map = safeLink(appointment.map_link);
    show($("appointment-map-line"), Boolean(map));
    if (map) $("appointment-map").setAttribute("href", map);
    $("appointment-state").textContent = t(`appointment.state.${shown}`);
    const coming = shown === "invited";
    show($("bring"), coming);
    const code = referenceOf(v);
    $("bring-number").textContent = code
      ? t("bring.reference", { code: `\u2066${formatReference(code)}\u2069` }) // left to right, also in Arabic
      : t("bring.number", { id: v.registration_id });
    show($("appointment-cannot-come"), coming && v.can_release === true);
  }

  // Only a web address opens from the page (never a javascript: or data: link).
  function safeLink(value) {
    try {
      const url = new URL(String(value || ""));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  // -- "I can't come today": a section with a button, a confirmation, then the POST ------------

  function renderRelease(v) {
    const possible = shownState(v) === "invited" && v.can_release === true;
    const section = $("release-section");
    const wasShown = !section.hidden;
    show(section, possible);
    if (!possible) {
      show($("release-error"), false);
      if (wasShown && $("release-dialog").open) $("release-dialog").close();
    }
    show($("release-from-mail"), possible && openRelease);
  }

  // After the first view: the mail's "I can't come today" link shows that section, explained,
  // and focused; it never acts by itself (mail scanners open links).
  function focusAfterFirstView() {
    if (!openRelease || !view) return;
    if (!$("release-section").hidden) {
      focus($("release-section"));
      return;
    }
    openRelease = false;
    releaseUnavailable = shownState(view) !== "released";
    render();
    focus($("state"));
  }

  function renderDocuments() {
    const documents = view.documents || [];
    const editable = view.status === "awaiting_documents";
    show($("card-other"), editable);
    show($("submit-controls"), editable);
    for (const kind of READ_KINDS) show($(`controls-${kind}`), editable);
    for (const kind of KINDS) {
      const kindName = t(`kind.${kind}`);
      document.querySelector(`label[for="file-${kind}"]`).textContent = t("upload.label", { kind: kindName });
      const stateNode = $(`state-${kind}`);
      let received;
      if (REQUIRED_KINDS.includes(kind)) {
        received = !(view.missing_documents || []).includes(kind);
      } else {
        received = documents.some((d) => d.kind === kind && d.status === "verified");
      }
      stateNode.textContent = received ? `✓ ${t("documents.received")}` : REQUIRED_KINDS.includes(kind) ? t("documents.missing") : "";
      stateNode.className = `kern-body doc-state ${received ? "doc-received" : "doc-missing"}`;
      renderUpload(kind);
    }
    for (const kind of READ_KINDS) renderCheck(kind);
    show($("still-checking"), pollingGaveUp);
    const list = $("file-list");
    list.replaceChildren();
    for (const d of documents) {
      if (d.status === "erased") continue;
      list.append(
        el(
          "li",
          { class: `file file-${d.status}` },
          el("span", { class: "file-kind" }, `${t(`kind.${d.kind}`)}: `),
          el("span", { class: "file-name", dir: "auto" }, d.filename),
          " – ",
          el("span", { class: "file-status" }, t(`doc_status.${d.status}`)),
          d.status === "verified" && CHECK_WORDS.includes(d.check)
            ? el("span", { class: `file-check file-check-${d.check}` }, ` – ${t(`check.word.${d.check}`)}`)
            : null
        )
      );
    }
    show($("files"), list.children.length > 0);
  }

  function renderUpload(kind) {
    const u = uploads[kind];
    const input = $(`file-${kind}`);
    const error = $(`file-${kind}-error`);
    const box = $(`progress-${kind}-box`);
    const message = u && u.error ? t(u.error, { filename: u.filename }) : "";
    NFT.setError(error, message);
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", `file-${kind}-error file-${kind}-hint`);
    } else {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", `file-${kind}-hint`);
    }
    show(box, Boolean(u && u.percent !== null));
    if (u && u.percent !== null) {
      $(`progress-${kind}`).value = u.percent;
      $(`progress-${kind}-label`).textContent = t("upload.progress", { filename: u.filename });
    }
  }


  // -- the machine check of each document, and corrections to what a document says -----------

  const CHECK_WORDS = ["pending", "matches", "mismatch", "unreadable"];

  // The document of a kind the page speaks about: the last one uploaded that is not refused.
  function currentDocument(kind) {
    const candidates = (view.documents || []).filter(
      (d) => d.kind === kind && (d.status === "verified" || d.status === "pending")
    );
    return candidates.length ? candidates[candidates.length - 1] : null;
  }

  function checkOf(d) {
    return d.status === "pending" ? "pending" : d.check;
  }

  function hasCorrectable() {
    return READ_KINDS.some((kind) => {
      const d = currentDocument(kind);
      return d && d.check === "mismatch" && (d.mismatches || []).some(offersCorrection);
    });
  }

  function offersCorrection(m) {
    if (!m.correctable) return false;
    // A birth date with an unknown day or month ("85<<<<") cannot be taken over as a date.
    if (DATE_FIELDS.includes(m.field)) return /^\d{4}-\d{2}-\d{2}$/.test(m.document);
    return Boolean(String(m.document).trim()); // no name read: nothing to take over
  }

  // Whether submitting now sends the registration to staff: as the service judges it
  // (chalicelib/domain/verification.py), a mismatch on any read document, or no readable
  // residence title that matches.
  function needsStaffCheck() {
    const read = (view.documents || []).filter((d) => READ_KINDS.includes(d.kind) && d.status === "verified");
    const titles = read.filter((d) => d.kind === "residence_title");
    if (read.some((d) => d.check === "mismatch")) return true;
    if (!titles.length || titles.some((d) => d.check === "pending")) return false;
    return !titles.some((d) => d.check === "matches");
  }

  function renderCheck(kind) {
    const node = $(`check-${kind}`);
    const d = currentDocument(kind);
    const check = d ? checkOf(d) : null;
    const errors = d ? Object.keys(correctionErrors).filter((k) => k.startsWith(`${d.document_id}/`)) : [];
    const signature = JSON.stringify([
      NFT.language(),
      view.status,
      d && d.document_id,
      check,
      d && d.mismatches,
      errors.map((k) => [k, correctionErrors[k]]),
    ]);
    if (shownChecks[kind] === signature) return;
    shownChecks[kind] = signature;
    node.replaceChildren();
    if (!d || !CHECK_WORDS.includes(check)) return;
    if (check === "pending") {
      node.append(el("p", { class: "kern-body check-pending" }, t("check.pending")));
    } else if (check === "matches") {
      node.append(el("p", { class: "kern-body check-matches" }, `✓ ${t("check.matches")}`));
    } else if (check === "unreadable") {
      node.append(warning(el("p", { class: "kern-body" }, t("check.unreadable"))));
    } else {
      node.append(mismatchBlock(kind, d));
    }
  }

  function mismatchBlock(kind, d) {
    const mismatches = d.mismatches || [];
    const canCorrect = CORRECTABLE_IN.includes(view.status);
    const box = el("div", { class: "kern-alert__body check-mismatch" });
    const list = el("ul", { class: "kern-list mismatches" });
    for (const m of mismatches) {
      const id = `mismatch-${kind}-${m.field}`;
      const item = el("li", { class: "mismatch kern-stack-sm", "data-field": m.field });
      item.append(el("p", { class: "kern-body", id }, mismatchSentence(m)));
      if (offersCorrection(m) && canCorrect) {
        item.append(correctionControls(kind, d, m, id));
      } else if (m.field === "document_type") {
        item.append(el("p", { class: "kern-body" }, t("check.advice.document_type")));
      } else if (!m.correctable) {
        item.append(el("p", { class: "kern-body" }, t("check.advice.not_correctable")));
      }
      list.append(item);
    }
    box.append(list);
    if (canCorrect && mismatches.some(offersCorrection)) box.append(el("p", { class: "kern-body" }, t("check.explain")));
    return warning(el("p", { class: "kern-title" }, t("check.mismatch.intro")), box);
  }

  // A KERN warning alert: its header (an icon and `title`), and perhaps a body.
  function warning(title, body) {
    const header = el("div", { class: "kern-alert__header" }, el("span", { class: "kern-icon kern-icon--warning", "aria-hidden": "true" }), title);
    return el("div", { class: "kern-alert kern-alert--warning" }, header, body || null);
  }

  function mismatchSentence(m) {
    if (m.field === "document_type") {
      return t(String(m.document).toUpperCase().startsWith("P") ? "check.mismatch.document_type.passport" : "check.mismatch.document_type.other");
    }
    let typed = m.typed;
    let shown = m.document;
    if (DATE_FIELDS.includes(m.field)) {
      typed = NFT.formatDocumentDate(m.typed);
      shown = NFT.formatDocumentDate(m.document);
    } else if (m.field === "nationality") {
      typed = nationalityName(m.typed);
      shown = nationalityName(m.document);
    }
    // Names and numbers keep their own direction inside a right-to-left sentence.
    return t(`check.mismatch.${m.field}`, { document: `\u2068${shown}\u2069`, typed: `\u2068${typed}\u2069` });
  }

  function nationalityName(code) {
    if ((window.NFT_SPECIAL_NATIONALITIES || []).includes(code)) return t(`nationality.${code}`);
    const found = (window.NFT_COUNTRIES || []).find(([alpha3]) => alpha3 === code);
    if (!found) return code;
    try {
      return new Intl.DisplayNames([NFT.language()], { type: "region" }).of(found[1]) || found[2];
    } catch (e) {
      return found[2];
    }
  }

  function correctionControls(kind, d, m, sentenceId) {
    const key = `${d.document_id}/${m.field}`;
    const errorId = `correct-${kind}-${m.field}-error`;
    const message = correctionErrors[key] || "";
    const error = el("p", { class: "kern-error", id: errorId });
    NFT.setError(error, message);
    const controls = el("div", { class: "correction kern-stack-sm" });
    if (DATE_FIELDS.includes(m.field)) {
      const button = NFT.button(t("correct.use_date"), "secondary", {
        "aria-describedby": message ? `${sentenceId} ${errorId}` : sentenceId,
      });
      button.addEventListener("click", () => run(button, () => correct(kind, d, m.field, m.document)));
      controls.append(error, button);
      return controls;
    }
    const inputId = `correct-${kind}-${m.field}`;
    const hintId = `${inputId}-hint`;
    const input = el("input", {
      type: "text",
      id: inputId,
      class: `kern-form-input__input input-short${message ? " kern-form-input__input--error" : ""}`,
      autocomplete: "off",
      spellcheck: "false",
      dir: "auto",
      "aria-describedby": message ? `${errorId} ${hintId}` : hintId,
      "aria-invalid": message ? "true" : null,
    });
    input.value = key in drafts ? drafts[key] : m.document;
    input.addEventListener("input", () => {
      drafts[key] = input.value;
    });
    const button = NFT.button(t(`correct.button.${m.field}`), "secondary");
    button.addEventListener("click", () => run(button, () => correct(kind, d, m.field, input.value.trim())));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") button.click();
    });
    const field = el(
      "div",
      { class: `kern-form-input${message ? " kern-form-input--error" : ""}` },
      el("label", { class: "kern-label", for: inputId }, t(`correct.label.${m.field}`)),
      el("div", { class: "kern-hint", id: hintId }, t("correct.name_hint")),
      input,
      error
    );
    controls.append(field, el("div", {}, button));
    return controls;
  }

  async function correct(kind, d, field, value) {
    const key = `${d.document_id}/${field}`;
    delete correctionErrors[key];
    const answer = await api("POST", path("/corrections"), { token: access.token, body: { [field]: value } });
    if (answer.ok) {
      delete drafts[key];
      if (accept(answer)) {
        announce(t("correct.done"));
        focus($(`check-${kind}`));
      }
      return;
    }
    const problem = answer.data || {};
    let message;
    if (problem.code === "correction_not_on_document") {
      message = t("correct.not_on_document");
    } else if (problem.code === "not_eligible") {
      const first = problem.first_possible_date || "";
      message = first ? t("correct.not_eligible", { date: NFT.formatDocumentDate(first) }) : t("correct.not_eligible_now");
    } else if (problem.code === "duplicate_registration") {
      message = t("correct.duplicate");
    } else if (problem.code === "validation_failed") {
      message = t(`error.invalid.${field}`);
    } else {
      message = NFT.generalError(answer);
    }
    correctionErrors[key] = message;
    if (problem.code === "invalid_state") await load();
    renderDocuments();
    const target = $(`correct-${kind}-${field}`) || $(`correct-${kind}-${field}-error`);
    if (target) focus(target);
  }

  // -- polling while documents are being read ----------------------------------------------------

  function beingRead() {
    if (!view) return false;
    if (view.status === "checking") return true;
    if (view.status !== "awaiting_documents") return false;
    return READ_KINDS.some((kind) => {
      const d = currentDocument(kind);
      return d && checkOf(d) === "pending";
    });
  }

  // Called after every render: one timer at a time, never a loop that waits.
  function keepPolling() {
    if (!beingRead()) {
      stopPolling();
      pollingSince = null;
      if (pollingGaveUp) {
        pollingGaveUp = false;
        show($("still-checking"), false);
      }
      return;
    }
    if (pollTimer !== null || pollingGaveUp) return;
    if (pollingSince === null) pollingSince = Date.now();
    if (Date.now() - pollingSince >= POLL_AT_MOST_MS) {
      pollingGaveUp = true;
      show($("still-checking"), true);
      announce(t("check.still_pending"));
      return;
    }
    pollTimer = window.setTimeout(poll, POLL_EVERY_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  function restartPolling() {
    stopPolling();
    pollingSince = null;
    pollingGaveUp = false;
    show($("still-checking"), false);
  }

  async function poll() {
    pollTimer = null;
    // A hidden tab is not asked about; coming back reloads (visibilitychange).
    if (document.visibilityState === "hidden") return;
    // An action under way renders its own answer, which keeps polling.
    if (busy) {
      keepPolling();
      return;
    }
    if (!(await load()) && view) keepPolling(); // a network hiccup: try again later
  }

  // -- actions -------------------------------------------------------------------------------

  // A file chosen while another action runs waits its turn instead of being dropped.
  async function runWhenFree(button, action) {
    while (busy) await new Promise((resolve) => window.setTimeout(resolve, 200));
    return run(button, action);
  }

  async function run(button, action) {
    if (busy) return;
    busy = true;
    button.disabled = true;
    try {
      await action();
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  async function confirmEmail() {
    const answer = await api("POST", path("/confirm-email"), { token: access.token });
    if (accept(answer)) announce(t("confirm.done"));
  }

  async function submitRegistration() {
    const error = $("submit-error");
    show(error, false);
    if (view && needsStaffCheck()) {
      const dialog = $("submit-dialog");
      dialog.returnValue = "";
      dialog.showModal();
      return;
    }
    await sendSubmit();
  }

  async function sendSubmit() {
    const error = $("submit-error");
    const answer = await api("POST", path("/submit"), { token: access.token });
    if (answer.ok) {
      accept(answer);
      return;
    }
    const problem = answer.data || {};
    if (problem.code === "documents_incomplete") {
      const missing = (problem.missing_documents || []).map((kind) => t(`kind.${kind}`));
      NFT.setError(error, t("submit.missing", { kinds: NFT.formatList(missing) }));
    } else if (problem.code === "invalid_state" && view && view.status === "email_unverified") {
      NFT.setError(error, t("submit.unconfirmed"));
    } else {
      NFT.setError(error, NFT.generalError(answer));
      if (problem.code === "invalid_state") await load();
    }
    focus(error);
  }

  async function withdraw() {
    const answer = await api("DELETE", path(), { token: access.token });
    $("withdraw-dialog").close();
    if (!answer.ok && answer.status !== 404) {
      showPageError(NFT.generalError(answer));
      return;
    }
    await load();
  }

  // The person confirmed in the dialog: only now is anything sent.
  async function release() {
    const answer = await api("POST", path("/release"), { token: access.token });
    $("release-dialog").close("sent");
    openRelease = false;
    if (answer.ok || answer.status === 404 || answer.status === 401) {
      accept(answer); // the new state takes the focus, which reads it out
      return;
    }
    const problem = answer.data || {};
    const message = problem.code === "invalid_state" ? t("release.invalid_state") : NFT.generalError(answer);
    if (problem.code === "invalid_state" && !(await load())) return;
    // Where the person is: at the button while it is still there, else at the top of the page.
    if ($("release-section").hidden) {
      showPageError(message);
      focus($("page-error"));
      return;
    }
    const error = $("release-error");
    NFT.setError(error, message);
    focus(error);
  }

  // -- uploads: straight to S3 with the presigned POST -----------------------------------------

  function contentTypeOf(file) {
    if (CONTENT_TYPES[file.type]) return CONTENT_TYPES[file.type];
    if (file.type) return null;
    const extension = file.name.split(".").pop().toLowerCase();
    return EXTENSIONS[extension] || null;
  }

  // What was said about the upload ("uploading…", "checking…") goes: its input or the live
  // region says the refusal (wire).
  function uploadProblem(kind, filename, key) {
    silence();
    uploads[kind] = { filename, documentId: null, percent: null, error: key };
    renderUpload(kind);
  }

  async function upload(kind, chosen) {
    // A HEIC photo or a Word file is refused with what to send instead; a photo over the
    // limit is shrunk to a JPEG first (app.js).
    const prepared = await NFT.prepareUpload(chosen);
    if (prepared.error) return uploadProblem(kind, chosen.name, prepared.error);
    const file = prepared.file;
    const type = contentTypeOf(file);
    if (!type) return uploadProblem(kind, file.name, "upload.wrong_type");
    if (file.size === 0) return uploadProblem(kind, file.name, "upload.empty");
    if (file.size > MAX_BYTES) return uploadProblem(kind, file.name, "upload.too_large");

    const u = { filename: file.name, documentId: null, percent: 0, error: null };
    uploads[kind] = u;
    restartPolling();
    renderUpload(kind);
    announce(t("upload.uploading", { filename: file.name }));

    const granted = await api("POST", path("/documents"), {
      token: access.token,
      body: { kind, filename: file.name, content_type: type, size_bytes: file.size },
    });
    if (!granted.ok) {
      const code = (granted.data || {}).code;
      const keys = { too_many_documents: "upload.too_many", payload_too_large: "upload.too_large", validation_failed: "upload.wrong_type" };
      if (keys[code]) return uploadProblem(kind, file.name, keys[code]);
      u.percent = null;
      renderUpload(kind);
      showPageError(NFT.generalError(granted));
      if (code === "invalid_state") await load();
      return undefined;
    }
    u.documentId = granted.data.document_id;
    const sent = await postForm(granted.data.upload, file, (percent) => {
      u.percent = percent;
      renderUpload(kind);
    });
    // The sending has ended: its line and bar go, the file list below says what became of it.
    if (!sent) return uploadProblem(kind, file.name, "upload.failed");
    u.percent = null;
    renderUpload(kind);
    announce(t("upload.checking", { filename: file.name }), { documentId: u.documentId, documentStatus: "pending" });

    const document_ = await settled(u.documentId);
    if (document_ && document_.status === "verified") {
      announce(t("upload.done", { kind: t(`kind.${kind}`), filename: file.name }), {
        documentId: u.documentId,
        documentStatus: "verified",
      });
    } else if (document_ && document_.status === "rejected") {
      uploadProblem(kind, file.name, "upload.refused");
    }
    return undefined;
  }

  function postForm(grant, file, onProgress) {
    return new Promise((resolve) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(grant.fields)) body.append(name, value);
      body.append("file", file); // last: S3 ignores every field after the file
      const xhr = new XMLHttpRequest();
      xhr.open("POST", grant.url);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
      });
      xhr.addEventListener("load", () => resolve(xhr.status >= 200 && xhr.status < 300));
      xhr.addEventListener("error", () => resolve(false));
      xhr.addEventListener("abort", () => resolve(false));
      xhr.addEventListener("timeout", () => resolve(false));
      xhr.timeout = 5 * 60 * 1000;
      xhr.send(body);
    });
  }

  // The service looks at an upload when the registration is next read; S3 may take a moment.
  async function settled(documentId) {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      if (!accept(await api("GET", path(), { token: access.token }))) return null;
      const found = (view.documents || []).find((d) => d.document_id === documentId);
      if (!found || found.status !== "pending") return found || null;
      await new Promise((resolve) => window.setTimeout(resolve, 400 * (attempt + 1)));
    }
    return null;
  }

  // -- wiring --------------------------------------------------------------------------------

  function wire() {
    const confirmButton = $("confirm-button");
    confirmButton.addEventListener("click", () => run(confirmButton, confirmEmail));
    const submitButton = $("submit-button");
    submitButton.addEventListener("click", () => run(submitButton, submitRegistration));
    const submitDialog = $("submit-dialog");
    $("submit-cancel").addEventListener("click", () => submitDialog.close());
    const submitAnyway = $("submit-confirm");
    submitAnyway.addEventListener("click", () => {
      submitDialog.close("sent");
      run(submitButton, sendSubmit);
    });
    submitDialog.addEventListener("close", () => {
      if (submitDialog.returnValue !== "sent" && submitButton.offsetParent !== null) submitButton.focus();
    });

    for (const kind of KINDS) {
      const input = $(`file-${kind}`);
      input.addEventListener("change", () => {
        const file = input.files && input.files[0];
        if (!file) return;
        runWhenFree(input, () => upload(kind, file)).finally(() => {
          input.value = "";
          // The input was disabled while busy, which took the focus away: give it back, so the
          // next file is one key away. A refusal is said once: by the input taking the focus
          // back (the refusal is its description), else by the live region.
          const lost = !document.activeElement || document.activeElement === document.body;
          if (lost) input.focus();
          const u = uploads[kind];
          if (!lost && u && u.error) announce(t(u.error, { filename: u.filename }));
        });
      });
    }

    const releaseDialog = $("release-dialog");
    const releaseButton = $("release-button");
    releaseButton.addEventListener("click", () => {
      show($("release-error"), false);
      releaseDialog.returnValue = "";
      releaseDialog.showModal();
    });
    $("release-cancel").addEventListener("click", () => releaseDialog.close());
    releaseDialog.addEventListener("close", () => {
      if (releaseDialog.returnValue !== "sent" && releaseButton.offsetParent !== null) releaseButton.focus();
    });
    const confirmRelease = $("release-confirm");
    confirmRelease.addEventListener("click", () => run(confirmRelease, release));

    const dialog = $("withdraw-dialog");
    const withdrawButton = $("withdraw-button");
    withdrawButton.addEventListener("click", () => dialog.showModal());
    $("withdraw-cancel").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      if (withdrawButton.offsetParent !== null) withdrawButton.focus();
    });
    const confirmWithdraw = $("withdraw-confirm");
    confirmWithdraw.addEventListener("click", () => run(confirmWithdraw, withdraw));

    // Another mail link opened in this tab (only the fragment changed): that registration.
    window.addEventListener("hashchange", () => {
      if (!readAccess()) return;
      view = null;
      shownStatus = null;
      releaseUnavailable = false;
      restartPolling();
      showFirstView();
    });

    // Coming back to the page (say, from the mail app) shows the current state.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && view && !busy) {
        restartPolling();
        load();
      }
    });
  }

  dropStoredAccess();
  readAccess();
  wire();
  NFT.onLanguageChange(() => render());
  NFT.start().then(showFirstView);
})();
