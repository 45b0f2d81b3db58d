// The status page opened from the mail link: confirm, upload, submit, see the state, withdraw.
"use strict";

(function () {
  const { t, el, show, focus, api } = window.NFT;

  const ACCESS_KEY = "notfalltermin.access";
  const KINDS = ["passport", "residence_title", "other"];
  const REQUIRED_KINDS = ["passport", "residence_title"];
  const ACTIVE = ["email_unverified", "awaiting_documents", "waiting", "invited"];
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

  let access = null; // {id, token}
  let view = null; // the registration view, as the API answers it
  let shownStatus = null;
  let busy = false;
  // Per kind: the last upload started on this page, {filename, documentId, phase, percent, error}.
  const uploads = {};

  // -- access: the id and token travel in the link's fragment, never to a server --------------

  function readAccess() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const id = params.get("id");
    const token = params.get("token");
    if (id && token) {
      access = { id, token };
      try {
        window.sessionStorage.setItem(ACCESS_KEY, JSON.stringify(access));
      } catch (e) {
        /* no storage: a reload will ask for the link again */
      }
      // Out of the address bar and the history entry: not bookmarked, not seen over a shoulder.
      const url = new URL(window.location.href);
      if (params.get("lang")) url.searchParams.set("lang", params.get("lang"));
      window.history.replaceState(null, "", url.pathname + url.search);
      return;
    }
    try {
      const stored = JSON.parse(window.sessionStorage.getItem(ACCESS_KEY) || "null");
      if (stored && stored.id && stored.token) access = stored;
    } catch (e) {
      access = null;
    }
  }

  function forget() {
    access = null;
    try {
      window.sessionStorage.removeItem(ACCESS_KEY);
    } catch (e) {
      /* nothing stored */
    }
  }

  function path(suffix) {
    return `/registrations/${encodeURIComponent(access.id)}${suffix || ""}`;
  }

  // -- messages ----------------------------------------------------------------------------

  function announce(text) {
    const node = $("announcer");
    node.textContent = "";
    window.setTimeout(() => {
      node.textContent = text;
    }, 50);
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
    $("page-error").textContent = text;
    show($("page-error"), Boolean(text));
  }

  // -- loading and showing the registration --------------------------------------------------

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
      return;
    }
    accept(await api("GET", path(), { token: access.token }));
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
    $("registration-number").textContent = t("status.number", { id: v.registration_id });
    $("title-expiry").textContent = t("status.expires", { date: NFT.formatDate(v.title_expires_on) });

    const state = $("state");
    state.dataset.status = status;
    state.className = `notice ${noticeClass(status)}`;
    $("state-heading").textContent = t(`state.${status}.heading`);
    $("state-text").textContent = t(`state.${status}.text`);
    const waiting = status === "waiting" && Number.isInteger(v.queue_position);
    $("queue-position").textContent = waiting ? t("state.waiting.position", { position: v.queue_position }) : "";
    show($("queue-position"), waiting);
    $("state-more").textContent = status === "waiting" ? t("state.waiting.mail") : "";
    show($("state-more"), status === "waiting");
    show($("register-again"), REGISTER_AGAIN.includes(status));

    show($("confirm-section"), status === "email_unverified");
    show($("documents-section"), status === "awaiting_documents");
    show($("withdraw-section"), ACTIVE.includes(status));
    renderAppointment(status === "invited" ? v.appointment : null);
    renderDocuments();

    // A new state is announced by moving focus to it (not on the first view of the page).
    if (shownStatus !== null && shownStatus !== status) focus(state);
    shownStatus = status;
  }

  function noticeClass(status) {
    if (status === "invited" || status === "served" || status === "waiting") return "notice-success";
    if (status === "rejected" || status === "no_show") return "notice-warning";
    return "notice-info";
  }

  function renderAppointment(appointment) {
    show($("appointment-section"), Boolean(appointment));
    if (!appointment) return;
    const date = $("appointment-date");
    date.setAttribute("datetime", appointment.date);
    date.textContent = NFT.formatDate(appointment.date, true);
    $("appointment-window").textContent = t("appointment.window_value", {
      start: NFT.formatTime(appointment.window_start),
      end: NFT.formatTime(appointment.window_end),
    });
    $("appointment-address").textContent = appointment.address;
    $("bring-number").textContent = t("bring.number", { id: view.registration_id });
  }

  function renderDocuments() {
    const documents = view.documents || [];
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
      stateNode.className = `doc-state ${received ? "doc-received" : "doc-missing"}`;
      renderUpload(kind);
    }
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
          el("span", { class: "file-status" }, t(`doc_status.${d.status}`))
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
    error.textContent = message;
    show(error, Boolean(message));
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

  // -- actions -------------------------------------------------------------------------------

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
    const answer = await api("POST", path("/submit"), { token: access.token });
    if (answer.ok) {
      accept(answer);
      return;
    }
    const problem = answer.data || {};
    if (problem.code === "documents_incomplete") {
      const missing = (problem.missing_documents || []).map((kind) => t(`kind.${kind}`));
      error.textContent = t("submit.missing", { kinds: NFT.formatList(missing) });
    } else if (problem.code === "invalid_state" && view && view.status === "email_unverified") {
      error.textContent = t("submit.unconfirmed");
    } else {
      error.textContent = NFT.generalError(answer);
      if (problem.code === "invalid_state") await load();
    }
    show(error, true);
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

  // -- uploads: straight to S3 with the presigned POST -----------------------------------------

  function contentTypeOf(file) {
    if (CONTENT_TYPES[file.type]) return CONTENT_TYPES[file.type];
    if (file.type) return null;
    const extension = file.name.split(".").pop().toLowerCase();
    return EXTENSIONS[extension] || null;
  }

  function uploadProblem(kind, filename, key) {
    uploads[kind] = { filename, documentId: null, percent: null, error: key };
    renderUpload(kind);
  }

  async function upload(kind, file) {
    const type = contentTypeOf(file);
    if (!type) return uploadProblem(kind, file.name, "upload.wrong_type");
    if (file.size === 0) return uploadProblem(kind, file.name, "upload.empty");
    if (file.size > MAX_BYTES) return uploadProblem(kind, file.name, "upload.too_large");

    const u = { filename: file.name, documentId: null, percent: 0, error: null };
    uploads[kind] = u;
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
    if (!sent) return uploadProblem(kind, file.name, "upload.failed");
    u.percent = 100;
    renderUpload(kind);
    announce(t("upload.checking", { filename: file.name }));

    const document_ = await settled(u.documentId);
    if (document_ && document_.status === "verified") {
      announce(t("upload.done", { kind: t(`kind.${kind}`), filename: file.name }));
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

    for (const kind of KINDS) {
      const input = $(`file-${kind}`);
      input.addEventListener("change", () => {
        const file = input.files && input.files[0];
        if (!file) return;
        run(input, () => upload(kind, file)).finally(() => {
          input.value = "";
          // The input was disabled while busy, which took the focus away: give it back, so a
          // refusal (tied to the input) is read out and the next file is one key away.
          if (!document.activeElement || document.activeElement === document.body) input.focus();
        });
      });
    }

    const dialog = $("withdraw-dialog");
    const withdrawButton = $("withdraw-button");
    withdrawButton.addEventListener("click", () => dialog.showModal());
    $("withdraw-cancel").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      if (withdrawButton.offsetParent !== null) withdrawButton.focus();
    });
    const confirmWithdraw = $("withdraw-confirm");
    confirmWithdraw.addEventListener("click", () => run(confirmWithdraw, withdraw));

    // Coming back to the page (say, from the mail app) shows the current state.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && view && !busy) load();
    });
  }

  readAccess();
  wire();
  NFT.onLanguageChange(() => render());
  NFT.start().then(load);
})();
