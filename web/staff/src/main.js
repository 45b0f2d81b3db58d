// The console's shell: sign-in steps, the header and navigation, the idle lock, and the pages
// by the location's hash (#today …). No personal data ever goes into the URL: a record to open
// is handed over in memory (state.record).
import { Api } from "./api.js";
import { Auth } from "./auth.js";
import { lang, setLang, t } from "./i18n.js";
import { alert, announce, button, field, h, heading } from "./ui.js";
import { auditPage } from "./pages/audit.js";
import { capacityPage } from "./pages/capacity.js";
import { entrancePage } from "./pages/entrance.js";
import { figuresPage } from "./pages/figures.js";
import { recordPage } from "./pages/record.js";
import { reviewPage } from "./pages/review.js";
import { searchPage } from "./pages/search.js";
import { todayPage } from "./pages/today.js";

const IDLE_LOCK_MS = 15 * 60 * 1000;
const config = window.NFT_STAFF_CONFIG;

const PAGES = {
  today: { render: todayPage },
  entrance: { render: entrancePage },
  search: { render: searchPage },
  review: { render: reviewPage },
  registration: { render: recordPage, hidden: true },
  capacity: { render: capacityPage },
  figures: { render: figuresPage },
  audit: { render: auditPage, admin: true },
};

const auth = new Auth(config.cognito);
const state = {
  auth,
  api: new Api(config.apiBaseUrl, auth, (why) => endSession(why)),
  record: null,
  openRecord(registrationId) {
    state.record = registrationId;
    navigate("registration");
  },
  isAdmin() {
    const identity = auth.identity();
    return Boolean(identity && identity.groups.includes("admin"));
  },
  cleanup: [],
};

const main = document.getElementById("main");
const header = document.getElementById("header");

function navigate(page) {
  if (window.location.hash === `#${page}`) render();
  else window.location.hash = page;
}

function currentPage() {
  const name = window.location.hash.replace(/^#/, "");
  return PAGES[name] ? name : "today";
}

function clearPage() {
  for (const stop of state.cleanup.splice(0)) stop();
  main.replaceChildren();
}

function renderHeader() {
  const identity = auth.identity();
  const langButton = button(t("lang.switch"), () => { setLang(lang() === "de" ? "en" : "de"); renderAll(); },
    "tertiary", { lang: lang() === "de" ? "en" : "de", "aria-label": t("lang.switch.label"), "data-lang-switch": "" });
  const parts = [h("p", { class: "console-brand" }, t("app.name"))];
  if (identity) {
    const active = currentPage();
    const links = Object.entries(PAGES)
      .filter(([, page]) => !page.hidden && (!page.admin || state.isAdmin()))
      .map(([name]) => h("li", {}, h("a", {
        class: "kern-link", href: `#${name}`, "aria-current": name === active ? "page" : undefined,
      }, t(`nav.${name}`))));
    parts.push(h("nav", { "aria-label": t("nav.label") }, h("ul", {}, links)));
    parts.push(h("div", { class: "console-user" },
      h("span", { class: "kern-body kern-body--small" }, t("user.signed_in", { name: identity.username })),
      langButton,
      button(t("user.sign_out"), () => endSession("signed_out"), "secondary", { "data-sign-out": "" })));
  } else {
    parts.push(h("div", { class: "console-user" }, langButton));
  }
  header.replaceChildren(...parts);
  document.getElementById("skip-link").textContent = t("skip");
  document.title = t("app.name");
}

function renderAll() {
  renderHeader();
  if (auth.signedIn) render();
  else signInForm();
}

async function render() {
  clearPage();
  renderHeader();
  const name = currentPage();
  const page = PAGES[name];
  if (page.admin && !state.isAdmin()) {
    main.append(alert("danger", t("error.forbidden")));
    return;
  }
  document.title = `${t(`nav.${name === "registration" ? "today" : name}`)} – ${t("app.name")}`;
  try {
    await page.render(main, state);
  } catch (error) {
    main.append(alert("danger", error.message || t("error.generic")));
  }
  const title = document.getElementById("page-heading");
  if (title) title.focus();
}

// -- signing in --------------------------------------------------------------------------------

let notice = null;

function signInForm(prefill = "") {
  clearPage();
  renderHeader();
  const user = field(t("signin.username"), { autocomplete: "username", name: "username", value: prefill });
  const password = field(t("signin.password"), { type: "password", autocomplete: "current-password", name: "password" });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "sign-in kern-stack", novalidate: true },
    heading(t("signin.heading")),
    notice ? alert("info", t(notice)) : null,
    h("p", { class: "kern-body" }, t("signin.intro")),
    user.wrapper, password.wrapper, message,
    h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("signin.submit"))));
  notice = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    try {
      const next = await auth.signIn(user.input.value.trim(), password.input.value);
      password.input.value = "";
      step(next);
    } catch (error) {
      message.replaceChildren(alert("danger", cognitoMessage(error, "signin.failed")));
      password.input.focus();
    }
  });
  main.append(form);
  (prefill ? password.input : user.input).focus();
}

function step(next) {
  if (next.step === "done") { startSession(); return; }
  clearPage();
  if (next.step === "new_password") newPasswordForm();
  else if (next.step === "totp_setup") totpForm(next);
  else totpForm(null);
}

function newPasswordForm() {
  const first = field(t("newpw.password"), { type: "password", autocomplete: "new-password" });
  const second = field(t("newpw.repeat"), { type: "password", autocomplete: "new-password" });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "sign-in kern-stack", novalidate: true },
    heading(t("newpw.heading")), h("p", { class: "kern-body" }, t("newpw.intro")),
    first.wrapper, second.wrapper, message,
    h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("newpw.submit"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (first.input.value !== second.input.value) {
      message.replaceChildren(alert("danger", t("newpw.mismatch")));
      return;
    }
    try {
      step(await auth.completeNewPassword(first.input.value));
    } catch (error) {
      message.replaceChildren(alert("danger", cognitoMessage(error, "error.password_policy")));
    }
  });
  main.append(form);
  // Straight into the field: a keyboard user types on after Enter.
  first.input.focus();
}

function totpForm(setup) {
  const code = field(t("totp.code"), {
    inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: "6", name: "totp",
  });
  const message = h("div", { "aria-live": "polite" });
  const parts = [heading(t(setup ? "totpsetup.heading" : "totp.heading"))];
  if (setup) {
    parts.push(h("p", { class: "kern-body" }, t("totpsetup.intro")));
    parts.push(h("figure", { class: "qr" }, h("img", { src: setup.qr, alt: t("totpsetup.qr"), "data-totp-qr": "" })));
    parts.push(h("p", { class: "kern-body" }, `${t("totpsetup.secret")}: `,
      h("span", { class: "secret", "data-totp-secret": "" }, setup.secret)));
  } else {
    parts.push(h("p", { class: "kern-body" }, t("totp.intro")));
  }
  const form = h("form", { class: "sign-in kern-stack", novalidate: true }, ...parts, code.wrapper, message,
    h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("totp.submit"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const value = code.input.value.replace(/\s/g, "");
    try {
      step(setup ? await auth.verifyTotpSetup(value) : await auth.sendTotp(value));
    } catch (error) {
      code.input.value = "";
      code.input.focus();
      message.replaceChildren(alert("danger", cognitoMessage(error, "totp.failed")));
      if (!setup && /session/i.test(String(error && error.message))) {
        notice = "signin.expired";
        signInForm();
      }
    }
  });
  main.append(form);
  // Straight into the code field: the code is typed right after the password's Enter.
  code.input.focus();
}

function cognitoMessage(error, fallbackKey) {
  const name = error && (error.code || error.name);
  if (name === "NetworkError" || (error instanceof TypeError)) return t("error.network");
  if (name === "InvalidPasswordException") return t("error.password_policy");
  if (name === "CodeMismatchException" || name === "EnableSoftwareTokenMFAException") return t("totp.failed");
  return t(fallbackKey);
}

// -- the session ---------------------------------------------------------------------------

let idleTimer = null;
const ACTIVITY = ["keydown", "pointerdown", "wheel", "touchstart"];

function resetIdle() {
  window.clearTimeout(idleTimer);
  idleTimer = window.setTimeout(() => endSession("locked"), IDLE_LOCK_MS);
}

function startSession() {
  for (const name of ACTIVITY) document.addEventListener(name, resetIdle, { passive: true });
  resetIdle();
  announce(t("user.signed_in", { name: auth.identity().username }));
  render();
}

let ending = false;
async function endSession(why) {
  if (ending || (why === "expired" && !auth.signedIn)) return;
  ending = true;
  window.clearTimeout(idleTimer);
  for (const name of ACTIVITY) document.removeEventListener(name, resetIdle);
  const username = auth.identity() ? auth.identity().username : "";
  state.record = null;
  document.getElementById("announcer").textContent = "";
  try { await auth.signOut(); } finally { ending = false; }
  notice = { locked: "signin.locked", expired: "signin.expired", signed_out: "signin.signed_out" }[why] || null;
  signInForm(why === "locked" ? username : "");
}

window.addEventListener("hashchange", () => { if (auth.signedIn) render(); });
setLang(lang());
renderAll();
