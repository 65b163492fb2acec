// The job list refreshes itself every few seconds while a job is queued or running, keeping the
// runs ticked for comparison. The server renders the rows (X-Requested-With: fetch).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("job-table");
  if (!box) return;

  const refresh = async () => {
    const interval = Number(box.dataset.refresh);
    if (!interval) return;
    await new Promise((resolve) => setTimeout(resolve, interval));
    const ticked = new Set([...box.querySelectorAll("input[name=jobs]:checked")].map((input) => input.value));
    try {
      const response = await fetch(location.href, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      if (response.ok) {
        box.innerHTML = await response.text();
        paintRunSwatches(box);
        box.querySelectorAll("input[name=jobs]").forEach((input) => { input.checked = ticked.has(input.value); });
        box.dataset.refresh = box.querySelector("table[data-any-active='1']") ? interval : "";
      }
    } catch (error) {
      // offline for a moment: try again at the next tick
    }
    refresh();
  };
  refresh();
});
