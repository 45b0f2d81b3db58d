// Builds KERN for the applicant pages into build/web-form/kern/: KERN's stylesheet (the pinned
// @kern-ux/native) and the Fira Sans weights it uses, as static files. The pages themselves
// are web/ as they are; infra/web_form.py serves this folder under /kern/ and `make
// publish-web` uploads it beside them. Run by `make web-form` (npm run build:form).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "web-form", "kern");
// KERN sets text in 400, 500 (sublines) and 600 (labels, headings); <strong> asks for 700.
const WEIGHTS = { 400: "Regular", 500: "Medium", 600: "SemiBold", 700: "Bold" };

const fontFaces = Object.entries(WEIGHTS).map(
  ([weight, name]) =>
    `@font-face { font-family: "Fira Sans"; font-weight: ${weight}; font-style: normal; ` +
    `font-display: swap; src: url("@kern-ux/native/dist/fonts/fira-sans/FiraSans-${name}.woff2") format("woff2"); }`
);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  stdin: {
    contents: ['@import "@kern-ux/native/dist/kern.min.css";', ...fontFaces].join("\n"),
    resolveDir: root,
    sourcefile: "kern-for-the-form.css",
    loader: "css",
  },
  outfile: join(out, "kern.css"),
  bundle: true,
  minify: true,
  loader: { ".woff2": "file" },
  assetNames: "fonts/[name]-[hash]",
  logLevel: "warning",
});
// KERN is EUPL-1.2, Fira Sans SIL OFL 1.1: the licence travels with the files.
const kern = dirname(fileURLToPath(import.meta.resolve("@kern-ux/native/package.json")));
copyFileSync(join(kern, "LICENSE.md"), join(out, "LICENSE.md"));
