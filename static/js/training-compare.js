// The compare page: one curve of every chosen run on one chart. The server names the series
// (compare.series_labels): the classification loss of every run first, validation F1 per evaluation,
// then each method's own total loss, then any other term the runs logged. A run keeps its colour
// (runColour, run-colours.js) on every series and every page.
"use strict";

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

// One dataset per run that has `name`.
function datasets(curves, name) {
  return Object.entries(curves)
    .filter(([, series]) => name in series)
    .map(([jobId, series]) => ({
      label: `job ${jobId}`,
      data: series[name].map(([step, value]) => ({ x: step, y: value })),
      borderColor: runColour(jobId),
      backgroundColor: runColour(jobId),
      borderWidth: 2,
      pointRadius: name === "val_f1" ? 3 : 0,
    }));
}

document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("compare-chart");
  if (!canvas) return;
  const curves = readJson("curves-data");
  const picker = document.getElementById("compare-term"), logScale = document.getElementById("compare-log");
  const chart = new Chart(canvas, {
    type: "line",
    data: { datasets: datasets(curves, picker.value) },
    options: {
      animation: false, parsing: false, maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.parsed.y.toPrecision(4)}` } } },
      scales: { x: { type: "linear", title: { display: true, text: "step" } },
                y: { type: "linear", title: { display: true, text: picker.selectedOptions[0].text } } },
    },
  });
  const redraw = () => {
    chart.data.datasets = datasets(curves, picker.value);
    chart.options.scales.y.type = logScale.checked ? "logarithmic" : "linear";
    chart.options.scales.y.title.text = picker.selectedOptions[0].text;
    chart.update("none");
    canvas.dataset.series = String(chart.data.datasets.length);
    canvas.dataset.shown = picker.value;
  };
  redraw();
  picker.addEventListener("change", redraw);
  logScale.addEventListener("change", redraw);
});
