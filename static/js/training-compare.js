// The compare page: the total loss of every chosen run on one chart.
"use strict";

const PALETTE = ["#2457c5", "#b3261e", "#1b7f3b", "#7a5b16", "#6b3fa0", "#00838f", "#c2185b", "#455a64"];

document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("compare-chart");
  if (!canvas) return;
  const curves = JSON.parse(document.getElementById("curves-data").textContent);
  const datasets = Object.entries(curves).map(([jobId, points], i) => ({
    label: `job ${jobId}`,
    data: points.map(([step, loss]) => ({ x: step, y: loss })),
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    borderWidth: 2,
    pointRadius: 0,
  }));
  new Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      animation: false, parsing: false, maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: { x: { type: "linear", title: { display: true, text: "step" } },
                y: { title: { display: true, text: "total loss" } } },
    },
  });
  canvas.dataset.series = String(datasets.length);
});
