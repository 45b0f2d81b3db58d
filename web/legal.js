// The legal pages (legal notice, privacy, accessibility, easy language, sign language): static
// texts from i18n/, the office's facts and retention periods filled in by app.js from GET /office.
"use strict";

NFT.start();
