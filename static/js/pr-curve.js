// The validation precision/recall curve that the server rendered into the page (templates/_pr_curve.html,
// on the model page and the job page), with the point at the page's threshold marked (the curve's
// threshold nearest to it): the serving threshold on the model page, the tuned one on the job page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("pr-curve");
  if (!canvas || typeof Chart === "undefined") return;
  const curve = JSON.parse(document.getElementById("curve-data").textContent);
  const marker = document.getElementById("threshold-value").dataset;
  const threshold = Number(marker.threshold);
  const points = curve.threshold.map((t, i) => ({ x: curve.recall[i], y: curve.precision[i], t }));
  const nearest = points.reduce((best, p) => (Math.abs(p.t - threshold) < Math.abs(best.t - threshold) ? p : best));
  new Chart(canvas, {
    type: "scatter",
    data: {
      datasets: [
        { label: "validation", data: points, showLine: true, pointRadius: 0, borderColor: "#2457c5" },
        { label: `${marker.label} ${threshold.toFixed(3)}`, data: [nearest], pointRadius: 7,
          pointStyle: "crossRot", borderColor: "#b3261e", borderWidth: 3 },
      ],
    },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: { x: { min: 0, max: 1, title: { display: true, text: "recall" } },
                y: { min: 0, max: 1, title: { display: true, text: "precision" } } },
      plugins: { tooltip: { callbacks: { label: (item) =>
        `threshold ${item.raw.t.toFixed(2)}: precision ${item.raw.y.toFixed(3)}, recall ${item.raw.x.toFixed(3)}` } } },
    },
  });
  canvas.dataset.points = String(points.length);
  canvas.dataset.marked = nearest.t.toFixed(2);
});
