// Where the applicant API answers. `make run` serves its own config.js pointing at the local
// API (infra/web_form.py); a deployment writes this file with the stage's API URL.
"use strict";
window.NFT_CONFIG = Object.freeze({ apiBaseUrl: "http://127.0.0.1:8000" });
