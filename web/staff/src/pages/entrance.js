// Entrance: the invitation's code typed, or its QR code read by the camera (the browser's
// BarcodeDetector where it has one, jsQR otherwise) → a green "today, window …, arrived now"
// or a red reason in plain words.
import jsQR from "jsqr";
import { day, has, t, time } from "../i18n.js";
import { alert, badge, button, field, h, heading, row, table } from "../ui.js";

const SCAN_INTERVAL_MS = 250;

function verdictBox(ok, text) {
  return h("div", { class: `verdict ${ok ? "verdict--ok" : "verdict--bad"}`, role: ok ? "status" : "alert", "data-verdict": ok ? "ok" : "bad" },
    h("p", { class: "kern-body kern-body--large kern-body--bold" }, text));
}

function fullName(answer) {
  return [answer.family_name, answer.given_names].filter(Boolean).join(", ");
}

export async function entrancePage(main, state) {
  const code = field(t("entrance.code"), { autocomplete: "off", autocapitalize: "characters", spellcheck: "false", name: "code" });
  code.wrapper.classList.add("entrance-code");
  const result = h("div", { "aria-live": "assertive" });
  const video = h("video", { playsinline: true, muted: true, "aria-label": t("entrance.video") });
  const scanner = h("div", { class: "scanner", hidden: true }, video);
  const scanButton = button(t("entrance.scan"), () => (stream ? stopCamera() : startCamera()), "secondary", { "data-scan": "" });
  const form = h("form", { class: "kern-stack", novalidate: true },
    h("p", { class: "kern-body" }, t("entrance.intro")),
    code.wrapper,
    h("div", { class: "kern-btn-wrapper" },
      h("button", { type: "submit", class: "kern-btn kern-btn--primary" }, h("span", { class: "kern-label" }, t("entrance.check"))),
      scanButton));
  const family = field(t("entrance.family_name"), { autocomplete: "off", name: "family_name" });
  const born = field(t("entrance.date_of_birth"), { autocomplete: "off", inputmode: "numeric", name: "date_of_birth" });
  const found = h("div", { "aria-live": "polite" });
  const byPerson = h("form", { class: "kern-stack", novalidate: true },
    h("h2", { class: "kern-heading-small" }, t("entrance.by_person")),
    h("div", { class: "toolbar" }, family.wrapper, born.wrapper,
      h("button", { type: "submit", class: "kern-btn kern-btn--secondary" }, h("span", { class: "kern-label" }, t("entrance.find")))),
    found);
  main.append(heading(t("entrance.heading")), form, result, scanner, byPerson);

  /** 12.04.1991 → 1991-04-12; what is typed as ISO (or a year) goes as it is. */
  function isoDate(text) {
    const german = text.trim().match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/);
    return german ? `${german[3]}-${german[2].padStart(2, "0")}-${german[1].padStart(2, "0")}` : text.trim();
  }

  byPerson.addEventListener("submit", async (event) => {
    event.preventDefault();
    // In the body, never in a URL: names and dates of birth are personal data.
    try {
      const answer = await state.api.change("POST", "/staff/lookup", {
        family_name: family.input.value.trim(), date_of_birth: isoDate(born.input.value),
      });
      if (!answer.items.length) {
        found.replaceChildren(h("p", { class: "kern-body" }, t("entrance.none_found")));
        return;
      }
      found.replaceChildren(table(t("entrance.found"),
        [t("today.col.ref"), t("today.col.name"), t("today.col.dob"), t("today.col.state"), t("today.col.actions")],
        answer.items.map((person) => row([
          person.reference ? `${person.reference.slice(0, 4)}-${person.reference.slice(4)}` : "",
          fullName(person), day(person.date_of_birth),
          badge("info", t(`state.${person.state}`)),
          person.reference && person.state === "invited"
            ? button(t("entrance.arrive"), () => check({ code: person.reference }), "primary")
            : "",
        ]))));
    } catch (error) {
      found.replaceChildren(alert("danger", error.message));
    }
  });

  let stream = null;
  let timer = null;
  let busy = false;

  async function check(body) {
    if (busy) return;
    busy = true;
    try {
      const answer = await state.api.change("POST", "/staff/arrivals", body);
      const vars = {
        name: fullName(answer), dob: day(answer.date_of_birth),
        start: time(answer.window_start), end: time(answer.window_end), at: time(answer.arrived_at),
      };
      const box = verdictBox(true, t(answer.verdict === "already_arrived" ? "entrance.already" : "entrance.ok", vars));
      // Early (the page's clock before the window's start): arrived, but asked to come back.
      if (answer.window_start && Date.now() < new Date(answer.window_start).getTime()) {
        box.append(h("p", { class: "kern-body kern-body--large kern-body--bold", "data-early": "" }, t("entrance.early", { start: time(answer.window_start) })));
      } else if (answer.late) box.append(h("p", { class: "kern-body kern-body--bold" }, t("entrance.late")));
      result.replaceChildren(box);
    } catch (error) {
      const specific = error.code && has(`entrance.${error.code}`) ? t(`entrance.${error.code}`) : error.message;
      result.replaceChildren(verdictBox(false, error.code === "not_today" && error.detail ? `${specific} (${error.detail})` : specific));
    } finally {
      busy = false;
      code.input.value = "";
      code.input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = code.input.value.trim().toUpperCase();
    if (typed) check({ code: typed });
  });

  async function startCamera() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch {
      result.replaceChildren(verdictBox(false, t("entrance.camera_failed")));
      return;
    }
    video.srcObject = stream;
    scanner.hidden = false;
    scanButton.querySelector(".kern-label").textContent = t("entrance.stop");
    await video.play();
    const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let last = "";
    timer = window.setInterval(async () => {
      if (busy || !video.videoWidth) return;
      let text = null;
      if (detector) {
        const found = await detector.detect(video).catch(() => []);
        text = found.length ? found[0].rawValue : null;
      } else {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        text = found ? found.data : null;
      }
      // The same pass held in front of the camera is checked once.
      if (text && text !== last) {
        last = text;
        await check({ pass: text });
      }
    }, SCAN_INTERVAL_MS);
  }

  function stopCamera() {
    window.clearInterval(timer);
    timer = null;
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
    scanner.hidden = true;
    scanButton.querySelector(".kern-label").textContent = t("entrance.scan");
  }

  state.cleanup.push(stopCamera);
}
