// Figures: /staff/stats as charts (Chart.js) and as tables, and the service's audited CSV.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { day, t } from "../i18n.js";
import { alert, button, h, heading, row, table } from "../ui.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = ["#0b5ea8", "#1a7f37", "#b00020", "#a05a00"];

function chart(canvas, labels, series) {
  return new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length] })) },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

export async function figuresPage(main, state) {
  const stats = await state.api.get("/staff/stats");
  const bands = ["expired", "within_2_days", "within_7_days"];
  const dayKeys = ["appointments", "served", "rejected", "no_shows"];
  const days = stats.days || [];
  const queueCanvas = h("canvas", { role: "img", "aria-label": t("figures.queue") });
  const daysCanvas = h("canvas", { role: "img", "aria-label": t("figures.days") });
  const status = h("div", { "aria-live": "polite" });
  main.append(
    heading(t("figures.heading")),
    h("div", { class: "toolbar" }, button(t("figures.csv"), async () => {
      // From the service, which records the export in the audit trail (counts only).
      let blob;
      try {
        blob = await state.api.download("/staff/stats.csv");
      } catch (error) {
        status.replaceChildren(alert("danger", error.message));
        return;
      }
      status.replaceChildren();
      const link = h("a", { href: URL.createObjectURL(blob), download: `notfalltermin-figures-${new Date().toISOString().slice(0, 10)}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(link.href);
    }, "secondary", { "data-csv": "" })),
    status,
    h("p", { class: "kern-body kern-body--large", "data-backlog": "" }, t("figures.backlog", { n: (stats.counts_by_status || {}).in_review || 0 })),
    h("h2", { class: "kern-heading-medium" }, t("figures.queue")),
    h("div", { class: "chart-box" }, queueCanvas),
    table(t("figures.queue"), bands.map((b) => t(`figures.${b}`)), [row(bands.map((b) => stats.queue_by_expiry[b]))]),
    h("h2", { class: "kern-heading-medium" }, t("figures.days")),
    h("div", { class: "chart-box" }, daysCanvas),
    table(t("figures.days"), [t("common.date"), ...dayKeys.map((k) => t(`figures.${k}`))],
      days.map((d) => row([day(d.date), ...dayKeys.map((k) => d[k])]))),
    table(t("figures.status"), [t("field.status"), "#"],
      Object.entries(stats.counts_by_status || {}).map(([k, v]) => row([t(`state.${k}`) === `state.${k}` ? k : t(`state.${k}`), v]))));
  const charts = [
    chart(queueCanvas, bands.map((b) => t(`figures.${b}`)), [{ label: t("figures.queue"), data: bands.map((b) => stats.queue_by_expiry[b]) }]),
    chart(daysCanvas, days.map((d) => day(d.date)), dayKeys.map((k) => ({ label: t(`figures.${k}`), data: days.map((d) => d[k]) }))),
  ];
  state.cleanup.push(() => charts.forEach((c) => c.destroy()));
}
