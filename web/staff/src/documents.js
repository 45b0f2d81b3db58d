// A document shown in the page, zoomed and rotated: an image as it is, a PDF drawn by PDF.js
// (loaded on first use) from the short-lived download URL.
import { has, t } from "./i18n.js";
import { button, h } from "./ui.js";

const ZOOM_STEP = 1.25;
const IMAGE_WIDTH = 480;

export function documentViewer(document_) {
  const figure = h("figure", { class: "kern-stack" },
    h("figcaption", { class: "kern-body kern-body--bold" }, `${has(`kind.${document_.kind}`) ? t(`kind.${document_.kind}`) : document_.kind}: ${document_.filename}`));
  if (!document_.download_url) {
    // No file to open: a refused upload is deleted, a pending one not yet checked.
    const refused = document_.status === "rejected";
    const reason = document_.rejection_reason;
    figure.append(h("p", { class: "kern-body", "data-no-file": document_.status }, refused
      ? t("doc.rejected", { reason: has(`doc.rejection.${reason}`) ? t(`doc.rejection.${reason}`) : (reason || "–") })
      : t("doc.no_file")));
    return figure;
  }
  const link = h("a", { class: "kern-link", href: document_.download_url, rel: "noreferrer" }, t("doc.open"));
  if (document_.content_type === "application/pdf") return pdfViewer(document_, figure, link);
  if (!document_.content_type.startsWith("image/")) {
    figure.append(h("p", { class: "kern-body" }, t("doc.no_preview"), " ", link));
    return figure;
  }
  let zoom = 1;
  let turn = 0;
  const image = h("img", { src: document_.download_url, alt: t("doc.image", { name: document_.filename }) });
  // The stage takes the turned picture's size, so a turned page scrolls like any other.
  const stage = h("div", { class: "doc-stage" }, image);
  const viewer = h("div", { class: "doc-viewer", tabindex: "0", role: "region", "aria-label": t("doc.image", { name: document_.filename }) }, stage);
  const apply = () => {
    const width = IMAGE_WIDTH * zoom;
    const ratio = image.naturalWidth ? image.naturalHeight / image.naturalWidth : 0.75;
    const height = width * ratio;
    const sideways = turn % 180 !== 0;
    image.style.width = `${width}px`;
    image.style.height = `${height}px`;
    image.style.transform = `translate(-50%, -50%) rotate(${turn}deg)`;
    stage.style.width = `${sideways ? height : width}px`;
    stage.style.height = `${sideways ? width : height}px`;
  };
  image.addEventListener("load", apply);
  figure.append(
    h("div", { class: "kern-btn-wrapper" },
      button(t("doc.zoom_in"), () => { zoom *= ZOOM_STEP; apply(); }, "secondary"),
      button(t("doc.zoom_out"), () => { zoom /= ZOOM_STEP; apply(); }, "secondary"),
      button(t("doc.rotate"), () => { turn = (turn + 90) % 360; apply(); }, "secondary"),
      link),
    viewer);
  apply();
  return figure;
}

/** [key, value, differs] rows; a row that `differs` (from the document) says so in words too. */
export function descriptionList(pairs) {
  return h("dl", { class: "kern-description-list" }, pairs.map(([key, value, differs]) =>
    h("div", { class: differs ? "kern-description-list-item differs" : "kern-description-list-item", "data-differs": differs ? "" : null },
      h("dt", { class: "kern-description-list-item__key" }, key),
      h("dd", { class: "kern-description-list-item__value" }, value === null || value === undefined || value === "" ? "–" : value,
        differs ? h("strong", { class: "differs-note" }, ` (${t("review.differs")})`) : null))));
}

const PDF_PAGES = 4;
const PDF_SCALE = 1.2;
let pdfjs = null;

async function loadPdfjs() {
  if (!pdfjs) {
    pdfjs = await import("pdfjs-dist");
    pdfjs.GlobalWorkerOptions.workerSrc = new URL("pdf.worker.min.mjs", document.baseURI).href;
  }
  return pdfjs;
}

function pdfViewer(document_, figure, link) {
  let zoom = 1;
  let turn = 0;
  let pdf = null;
  const label = t("doc.image", { name: document_.filename });
  const pages = h("div", { class: "doc-viewer", tabindex: "0", role: "region", "aria-label": label });
  const status = h("p", { class: "kern-body", "aria-live": "polite" }, t("common.loading"));
  async function draw() {
    const canvases = [];
    for (let number = 1; number <= Math.min(pdf.numPages, PDF_PAGES); number += 1) {
      const page = await pdf.getPage(number);
      const viewport = page.getViewport({ scale: PDF_SCALE * zoom, rotation: (page.rotate + turn) % 360 });
      const canvas = h("canvas", { role: "img", "aria-label": `${label}, ${number}/${pdf.numPages}` });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
      canvases.push(canvas);
    }
    pages.replaceChildren(...canvases);
  }
  async function open() {
    try {
      const response = await fetch(document_.download_url, { credentials: "omit", referrerPolicy: "no-referrer" });
      if (!response.ok) throw new Error(String(response.status));
      const data = new Uint8Array(await response.arrayBuffer());
      const library = await loadPdfjs();
      pdf = await library.getDocument({ data, isEvalSupported: false }).promise;
      await draw();
      status.replaceChildren();
    } catch {
      status.replaceChildren(t("doc.no_preview"), " ", link);
    }
  }
  const redraw = () => { if (pdf) draw(); };
  figure.append(
    h("div", { class: "kern-btn-wrapper" },
      button(t("doc.zoom_in"), () => { zoom *= ZOOM_STEP; redraw(); }, "secondary"),
      button(t("doc.zoom_out"), () => { zoom /= ZOOM_STEP; redraw(); }, "secondary"),
      button(t("doc.rotate"), () => { turn = (turn + 90) % 360; redraw(); }, "secondary"),
      link),
    status, pages);
  open();
  return figure;
}
