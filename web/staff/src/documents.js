// A document shown in the page: an image with zoom and rotation; a PDF by download.
import { t } from "./i18n.js";
import { button, h } from "./ui.js";

const ZOOM_STEP = 1.25;

export function documentViewer(document_) {
  const figure = h("figure", { class: "kern-stack" },
    h("figcaption", { class: "kern-body kern-body--bold" }, `${document_.kind}: ${document_.filename}`));
  if (!document_.download_url) {
    figure.append(h("p", { class: "kern-body" }, t("doc.no_preview")));
    return figure;
  }
  const link = h("a", { class: "kern-link", href: document_.download_url, rel: "noreferrer" }, t("doc.open"));
  if (!document_.content_type.startsWith("image/")) {
    figure.append(h("p", { class: "kern-body" }, t("doc.no_preview"), " ", link));
    return figure;
  }
  let zoom = 1;
  let turn = 0;
  const image = h("img", { src: document_.download_url, alt: t("doc.image", { name: document_.filename }), width: "480" });
  const viewer = h("div", { class: "doc-viewer", tabindex: "0", role: "region", "aria-label": t("doc.image", { name: document_.filename }) }, image);
  const apply = () => {
    image.style.width = `${480 * zoom}px`;
    image.style.transform = `rotate(${turn}deg)`;
  };
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

export function descriptionList(pairs) {
  return h("dl", { class: "kern-description-list" }, pairs.map(([key, value]) =>
    h("div", { class: "kern-description-list-item" },
      h("dt", { class: "kern-description-list-item__key" }, key),
      h("dd", { class: "kern-description-list-item__value" }, value === null || value === undefined || value === "" ? "–" : value))));
}
