// Keyboard review on a prediction's page (and so in the review queue): pressing a key clicks the
// element that declares it with data-key: t toxic, n non-toxic, c confirm, u undo, j next, k previous.
// Keys typed into a field, or with a modifier, are left alone; one key acts until the next page loads.
"use strict";

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest("textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio])")) return;
  const target = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!target || document.body.dataset.leaving) return;
  event.preventDefault();
  document.body.dataset.leaving = "true";
  target.click();
});
// Coming back through the browser's history shows this page from its cache: keys work again.
window.addEventListener("pageshow", () => { delete document.body.dataset.leaving; });
