// The compare page: one curve of every chosen run on one chart, the total loss or any loss term the
// runs logged (the keys of their curves: a new loss term needs no change here).
"use strict";

const PALETTE = ["#2457c5", "#b3261e", "#1b7f3b", "#7a5b16", "#6b3fa0", "#00838f", "#c2185b", "#455a64"];

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

// "loss" first, then the terms ml describes in its order, then any other by name.
function curveNames(curves, terms) {
  const names = new Set(Object.values(curves).flatMap((series) => Object.keys(series)));
  names.delete("loss");
  const known = Object.keys(terms);
  const rank = (name) => (known.includes(name) ? known.indexOf(name) : known.length);
  return ["loss", ...[...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))];
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
    const label = name === "loss" ? "total loss" : terms[name] ? `${name} (${terms[name]})` : name;
    picker.append(new Option(label, name));
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
