// One colour per run, the same on every page (job list, job page, compare): a hue hashed from the job
// id, so a run keeps its colour whatever list it appears in. Loss terms are told apart by dash pattern
// (termDash), never by colour, so a colour always means a run.
"use strict";

function runColour(jobId) {
  const hue = Math.round((Number(jobId) * 137.508) % 360);  // golden angle: neighbouring ids far apart
  return `hsl(${hue}, 65%, 38%)`;
}

// Solid for the total or a compared series; each loss term its own dash pattern, in a stable order.
const TERM_DASHES = [[6, 3], [2, 2], [10, 3, 2, 3], [1, 4], [12, 4]];
function termDash(name, terms) {
  if (name === "loss") return [];
  const index = Object.keys(terms).indexOf(name);
  return TERM_DASHES[(index < 0 ? Object.keys(terms).length + name.length : index) % TERM_DASHES.length];
}

// Paint every [data-run-colour] swatch under `root` with its run's colour.
function paintRunSwatches(root) {
  root.querySelectorAll("[data-run-colour]").forEach((swatch) => {
    swatch.style.backgroundColor = runColour(swatch.dataset.runColour);
  });
}

document.addEventListener("DOMContentLoaded", () => paintRunSwatches(document));
