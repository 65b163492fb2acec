// The monitoring page's charts (templates/monitoring/page.html), from the report the server rendered
// into #monitoring-data: per day and per hour (checks as bars; the shares called toxic and uncertain
// as lines; flags per thousand on an axis of its own), the promotions drawn as dashed vertical lines
// on the time axis, and the score histogram served against the test comments'.
"use strict";

const PROMOTION_COLOUR = "#7a5b16";

// A Chart.js plugin: a dashed line at each promotion's slot on the category axis, labelled.
function promotionLines(promotions, slotOf) {
  return {
    id: "promotions",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const labels = chart.data.labels;
      ctx.save();
      ctx.strokeStyle = PROMOTION_COLOUR;
      ctx.fillStyle = PROMOTION_COLOUR;
      ctx.setLineDash([5, 4]);
      ctx.font = "12px system-ui, sans-serif";
      for (const promotion of promotions) {
        const index = labels.indexOf(slotOf(promotion.at));
        if (index < 0) continue;
        const x = scales.x.getPixelForValue(index);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.fillText(`${promotion.what}: ${promotion.name}`, x + 4, chartArea.top + 12);
      }
      ctx.restore();
      chart.canvas.dataset.promotionsDrawn = String(promotions.filter((p) => labels.includes(slotOf(p.at))).length);
    },
  };
}

function timeChart(canvas, rows, slotOf, promotions) {
  const percent = (value) => (value === null ? null : Math.round(value * 1000) / 10);
  return new Chart(canvas, {
    data: {
      labels: rows.map((row) => slotOf(row.at)),
      datasets: [
        { type: "bar", label: "checks", data: rows.map((row) => row.checks), backgroundColor: "#c9d7f2", yAxisID: "checks",
          order: 2 },  // drawn under the lines (a lower order is drawn on top)
        { type: "line", order: 1, label: "called toxic (%)", data: rows.map((row) => percent(row.toxic_share)),
          borderColor: "#b3261e", backgroundColor: "#b3261e", yAxisID: "share", spanGaps: true },
        { type: "line", order: 1, label: "uncertain (%)", data: rows.map((row) => percent(row.uncertain_share)),
          borderColor: "#7a5b16", backgroundColor: "#7a5b16", borderDash: [6, 3], yAxisID: "share", spanGaps: true },
        { type: "line", order: 1, label: "flags per 1,000", data: rows.map((row) => row.flags_per_1000),
          borderColor: "#1b7f3b", backgroundColor: "#1b7f3b", borderDash: [2, 2], yAxisID: "flags", spanGaps: true },
      ],
    },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: {
        checks: { position: "left", beginAtZero: true, title: { display: true, text: "checks" } },
        share: { position: "right", min: 0, max: 100, title: { display: true, text: "% of checks" }, grid: { drawOnChartArea: false } },
        flags: { position: "right", beginAtZero: true, title: { display: true, text: "flags / 1,000" }, grid: { drawOnChartArea: false } },
      },
    },
    plugins: [promotionLines(promotions, slotOf)],
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("monitoring-data");
  if (!data || typeof Chart === "undefined") return;
  const report = JSON.parse(data.textContent);
  const day = (at) => at.slice(0, 10);
  const hour = (at) => `${at.slice(5, 10)} ${at.slice(11, 13)}h`;
  timeChart(document.getElementById("daily-chart"), report.daily, day, report.promotions);
  timeChart(document.getElementById("hourly-chart"), report.hourly, hour, report.promotions);
  const drift = report.score_drift;
  const edges = drift.served.map((_, i) => `${(i / drift.bins).toFixed(1)}-${((i + 1) / drift.bins).toFixed(1)}`);
  const datasets = [{ label: `served (${drift.checks})`, data: drift.served, backgroundColor: "#2457c5" }];
  if (drift.reference) datasets.push({ label: `test comments (${drift.reference_n})`, data: drift.reference, backgroundColor: "#9aa4ae" });
  new Chart(document.getElementById("drift-chart"), {
    type: "bar",
    data: { labels: edges, datasets },
    options: { animation: false, maintainAspectRatio: false,
      scales: { x: { title: { display: true, text: "toxic probability" } },
                y: { beginAtZero: true, title: { display: true, text: "share of comments" } } } },
  });
  document.getElementById("monitoring-form").dataset.drawn = "yes";
});
