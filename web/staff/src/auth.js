// Sign-in against the Cognito user pool (SRP, first password, TOTP set-up and TOTP) with
// amazon-cognito-identity-js. Tokens live in this module's memory only: a reload signs out.
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { renderSVG } from "uqr";

/** The library's storage interface, kept in memory (never localStorage or cookies). */
class MemoryStorage {
  constructor() { this.items = new Map(); }
  setItem(key, value) { this.items.set(key, String(value)); return this.items.get(key); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  removeItem(key) { return this.items.delete(key); }
  clear() { this.items.clear(); return {}; }
}

const ISSUER_LABEL = "Notfalltermin";
const REFRESH_MARGIN_SECONDS = 120;

export class Auth {
  constructor(config) {
    this.storage = new MemoryStorage();
    this.pool = new CognitoUserPool({
      UserPoolId: config.userPoolId,
      ClientId: config.clientId,
      endpoint: config.endpoint || undefined,
      Storage: this.storage,
    });
    this.user = null;
    this.session = null;
    // Counts sessions: an answer to a request of an earlier session ends nothing.
    this.generation = 0;
  }

  /** Starts a sign-in: resolves to the next step, {step: "new_password" | "totp_setup" | "totp" | "done"}. */
  signIn(username, password) {
    this.generation += 1;
    this.session = null;
    this.loginName = username;
    this.user = new CognitoUser({ Username: username, Pool: this.pool, Storage: this.storage });
    this.user.setAuthenticationFlowType("USER_SRP_AUTH");
    const details = new AuthenticationDetails({ Username: username, Password: password });
    return new Promise((resolve, reject) => {
      this.user.authenticateUser(details, this._callbacks(resolve, reject));
    });
  }

  completeNewPassword(newPassword) {
    return new Promise((resolve, reject) => {
      this.user.completeNewPasswordChallenge(newPassword, {}, this._callbacks(resolve, reject));
    });
  }

  sendTotp(code) {
    return new Promise((resolve, reject) => {
      this.user.sendMFACode(code, this._callbacks(resolve, reject), "SOFTWARE_TOKEN_MFA");
    });
  }

  /** Ends the set-up: the first code from the app proves it holds the secret. */
  verifyTotpSetup(code) {
    return new Promise((resolve, reject) => {
      this.user.verifySoftwareToken(code, "Notfalltermin", {
        onSuccess: (session) => { this.session = session; resolve({ step: "done" }); },
        onFailure: reject,
      });
    });
  }

  _callbacks(resolve, reject) {
    return {
      onSuccess: (session) => { this.session = session; resolve({ step: "done" }); },
      onFailure: reject,
      newPasswordRequired: () => resolve({ step: "new_password" }),
      totpRequired: () => resolve({ step: "totp" }),
      mfaRequired: () => resolve({ step: "totp" }),
      selectMFAType: () => this.user.sendMFASelectionAnswer(
        "SOFTWARE_TOKEN_MFA", this._callbacks(resolve, reject),
      ),
      mfaSetup: () => {
        this.user.associateSoftwareToken({
          associateSecretCode: (secret) => resolve({
            step: "totp_setup",
            secret,
            qr: totpQrDataUrl(this.user.getUsername(), secret),
          }),
          onFailure: reject,
        });
      },
    };
  }

  get signedIn() {
    return this.session !== null;
  }

  /** The signed-in person: user name and groups, from the access token's claims. */
  identity() {
    if (!this.session) return null;
    const claims = this.session.getAccessToken().decodePayload();
    return {
      // The name the person signed in with: the token's `username` is the user's id (sub) in a
      // pool that signs in by e-mail.
      username: this.loginName || claims.username,
      groups: claims["cognito:groups"] || [],
    };
  }

  /** A valid access token: refreshed with the refresh token shortly before it expires. */
  async accessToken() {
    if (!this.session) throw new SessionEnded();
    const expires = this.session.getAccessToken().getExpiration();
    if (expires - Date.now() / 1000 > REFRESH_MARGIN_SECONDS) {
      return this.session.getAccessToken().getJwtToken();
    }
    await new Promise((resolve, reject) => {
      this.user.refreshSession(this.session.getRefreshToken(), (error, session) => {
        // The shell ends the session (and forgets the tokens) when it hears of this.
        if (error) { reject(new SessionEnded()); return; }
        this.session = session;
        resolve();
      });
    });
    return this.session.getAccessToken().getJwtToken();
  }

  /** Signs out everywhere: Cognito invalidates this user's refresh tokens (GlobalSignOut). */
  async signOut() {
    const user = this.user;
    if (user && this.session) {
      await new Promise((resolve) => {
        user.globalSignOut({ onSuccess: resolve, onFailure: resolve });
      });
    }
    this.forget();
  }

  forget() {
    this.generation += 1;
    if (this.user) this.user.clearCachedUser();
    this.storage.clear();
    this.session = null;
    this.user = null;
  }
}

export class SessionEnded extends Error {}

/** The otpauth URI (Key Uri Format) of the secret, drawn as a QR code in an SVG data URL. */
export function totpQrDataUrl(username, secret) {
  const label = encodeURIComponent(`${ISSUER_LABEL}:${username}`);
  const uri = `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(ISSUER_LABEL)}`;
  const svg = renderSVG(uri, { ecc: "M", border: 2, pixelSize: 8 });
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}
