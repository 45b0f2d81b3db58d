// Builds the staff console into build/web-staff/: one bundled script, one stylesheet with
// KERN and its fonts, and the page. Run by `make staff-console` (npm run build).
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "build", "web-staff");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { app: join(here, "src", "main.js"), styles: join(here, "styles.css") },
  outdir: out,
  bundle: true,
  // PDF.js is loaded only when a PDF is shown: its own chunk, and its worker beside the page.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  minify: true,
  format: "esm",
  target: ["es2022"],
  platform: "browser",
  legalComments: "linked",
  loader: { ".woff2": "file", ".json": "json" },
  assetNames: "fonts/[name]-[hash]",
  logLevel: "warning",
  // amazon-cognito-identity-js reads `global` (a Node name) in its Buffer polyfill path.
  define: { global: "globalThis" },
});
cpSync(join(here, "index.html"), join(out, "index.html"));
const pdfjs = dirname(fileURLToPath(import.meta.resolve("pdfjs-dist/package.json")));
cpSync(join(pdfjs, "build", "pdf.worker.min.mjs"), join(out, "pdf.worker.min.mjs"));
