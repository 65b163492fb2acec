// The review list marks, in each row's comment, the words that pushed its verdict: asked for once the
// page is shown (the active model computes them; nothing is stored) and drawn with text nodes only
// (markedSegment, static/js/why.js), cut where the list cuts the comment.
"use strict";

const SHOWN_CHARACTERS = 200;  // the list's truncatechars:200

function cutSegments(segments, limit) {
  const out = [];
  let left = limit - 1;  // room for the ellipsis, as truncatechars leaves it
  const total = segments.reduce((sum, segment) => sum + segment.text.length, 0);
  if (total <= limit) return segments;
  for (const segment of segments) {
    if (left <= 0) break;
    out.push({ ...segment, text: segment.text.slice(0, left) });
    left -= segment.text.length;
  }
  out.push({ text: "…", push: null, score: null });
  return out;
}

document.addEventListener("DOMContentLoaded", async () => {
  const table = document.getElementById("predictions");
  if (!table) return;
  const rows = [...table.querySelectorAll("tbody tr[data-id]")];
  if (!rows.length) return;
  const legend = document.getElementById("why-legend");
  const status = legend.querySelector(".why-status");
  try {
    const ids = rows.map((row) => row.dataset.id).join(",");
    const response = await fetch(`${table.dataset.whyUrl}?ids=${ids}`, { credentials: "same-origin" });
    const answer = await response.json();
    legend.hidden = false;
    if (!response.ok) {
      status.textContent = answer.error;
      return;
    }
    for (const row of rows) {
      const why = answer.rows[row.dataset.id];
      if (!why) continue;
      const cell = row.querySelector(".comment-text");
      cell.replaceChildren(...cutSegments(why.segments, SHOWN_CHARACTERS).map(markedSegment));
    }
    const first = Object.values(answer.rows)[0];
    status.textContent = first ? `Marked by the active model, ${first.model}.` : "";
  } catch (error) {
    legend.hidden = false;
    status.textContent = "The words behind the verdicts could not be fetched.";
  }
});
