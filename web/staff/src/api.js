// The one client of the staff API: bearer token, problem+json as a human sentence, and desk
// decisions retried with the same Idempotency-Key when the connection drops.
import { SessionEnded } from "./auth.js";
import { has, lang, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(message, status, code, detail = "", errors = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail || "";
    // The problem's field errors ([{field, message}]), for a page to mark its fields.
    this.errors = errors;
  }
}

const RETRIES = 3;

export class Api {
  constructor(baseUrl, auth, onSessionEnded) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.auth = auth;
    this.onSessionEnded = onSessionEnded;
  }

  get(path) {
    return this.request("GET", path);
  }

  /** A file the service answers (e.g. the figures' CSV), as a Blob: the token goes in the
   * header, never in a URL, so the page downloads it itself. */
  download(path) {
    return this.request("GET", path, undefined, {}, { blob: true });
  }

  /** A state change: the same Idempotency-Key on every try, so a retry never decides twice. */
  async change(method, path, body) {
    const key = crypto.randomUUID();
    let lastError;
    for (let attempt = 0; attempt < RETRIES; attempt += 1) {
      try {
        return await this.request(method, path, body, { "Idempotency-Key": key });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 0) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  async request(method, path, body, headers = {}, { blob = false } = {}) {
    // A page's request still under way when its session ended must not end the next one.
    const generation = this.auth.generation;
    const ended = () => {
      if (this.auth.signedIn && this.auth.generation === generation) this.onSessionEnded("expired");
    };
    let token;
    try {
      token = await this.auth.accessToken();
    } catch (error) {
      if (error instanceof SessionEnded) ended();
      throw new ApiError(t("signin.expired"), 401, "unauthorized");
    }
    let response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          "Accept-Language": lang(),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch {
      throw new ApiError(t("error.network"), 0, "network");
    }
    if (response.ok && blob) return response.blob();
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.ok) return data;
    if (response.status === 401) ended();
    const code = data && data.code ? data.code : "";
    // The service's own words are English; the person reads the sentence in their language.
    let message = code && has(`problem.${code}`) ? t(`problem.${code}`) : "";
    if (!message) message = data && typeof data.detail === "string" && data.detail ? data.detail : "";
    if (!message) message = response.status === 403 ? t("error.forbidden") : t("error.generic");
    throw new ApiError(message, response.status, code, data && data.detail,
      data && Array.isArray(data.errors) ? data.errors : []);
  }
}
