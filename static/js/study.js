// The study page: one chart per method, with the total loss per step of each of its runs (one per
// seed, and per value of the varied option).
"use strict";

const STUDY_PALETTE = ["#2457c5", "#b3261e", "#1b7f3b", "#7a5b16", "#6b3fa0", "#00838f", "#c2185b", "#455a64"];

document.addEventListener("DOMContentLoaded", () => {
  const curves = JSON.parse(document.getElementById("study-curves-data").textContent);
  for (const canvas of document.querySelectorAll("#study-curves canvas")) {
    const runs = Object.entries(curves[canvas.dataset.method] || {});
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: runs.map(([label, points], i) => ({
          label,
          data: points.map(([step, value]) => ({ x: step, y: value })),
          borderColor: STUDY_PALETTE[i % STUDY_PALETTE.length],
          backgroundColor: STUDY_PALETTE[i % STUDY_PALETTE.length],
          borderWidth: 2,
          pointRadius: 0,
        })),
      },
      options: {
        animation: false, parsing: false, maintainAspectRatio: false,
        scales: { x: { type: "linear", title: { display: true, text: "step" } },
                  y: { title: { display: true, text: "total loss" } } },
      },
    });
    canvas.dataset.series = String(runs.length);
  }
});
