// The compare page: one curve of every chosen run on one chart, the total loss or any loss term the
// runs logged (the keys of their curves: a new loss term needs no change here).
"use strict";

const PALETTE = ["#2457c5", "#b3261e", "#1b7f3b", "#7a5b16", "#6b3fa0", "#00838f", "#c2185b", "#455a64"];

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

// "loss" first, then every term of any run (orderTerms and termLabel are in loss-terms.js).
function curveNames(curves, terms) {
  const names = new Set(Object.values(curves).flatMap((series) => Object.keys(series)));
  names.delete("loss");
  return ["loss", ...orderTerms(names, terms)];
}

// One dataset per run that logged `name`; a run keeps its colour whichever curve is shown.
function datasets(curves, name) {
  return Object.entries(curves).map(([jobId, series], i) => ({
    label: `job ${jobId}`,
    data: (series[name] || []).map(([step, value]) => ({ x: step, y: value })),
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    borderWidth: 2,
    pointRadius: 0,
  })).filter((dataset, i) => name in Object.values(curves)[i]);
}

document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("compare-chart");
  if (!canvas) return;
  const curves = readJson("curves-data"), terms = readJson("loss-terms");
  const picker = document.getElementById("compare-term");
  for (const name of curveNames(curves, terms)) {
    picker.append(new Option(termLabel(name, terms), name));
  }
  const chart = new Chart(canvas, {
    type: "line",
    data: { datasets: datasets(curves, "loss") },
    options: {
      animation: false, parsing: false, maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: { x: { type: "linear", title: { display: true, text: "step" } },
                y: { title: { display: true, text: "total loss" } } },
    },
  });
  canvas.dataset.series = String(chart.data.datasets.length);
  picker.addEventListener("change", () => {
    chart.data.datasets = datasets(curves, picker.value);
    chart.options.scales.y.title.text = picker.selectedOptions[0].text;
    chart.update("none");
    canvas.dataset.series = String(chart.data.datasets.length);
  });
});
