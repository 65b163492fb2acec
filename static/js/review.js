// The review list: "tick all", and review buttons that update their rows in place (the form still
// works without JavaScript: it posts and comes back to the same filtered page). The "By model" figures
// are fetched again after each review, and every 30 seconds while the page is shown (others' reviews).
"use strict";

const SUMMARY_EVERY_MS = 30000;

async function refreshSummary() {
  const box = document.getElementById("summary-box");
  if (!box) return;
  try {
    const response = await fetch(box.dataset.url, { credentials: "same-origin" });
    if (response.ok) box.innerHTML = await response.text();  // rendered and escaped by the server
  } catch (error) {
    // the figures stay as they were; the next refresh tries again
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setInterval(() => { if (document.visibilityState === "visible") refreshSummary(); }, SUMMARY_EVERY_MS);
  const form = document.getElementById("review-form");
  if (!form) return;
  const notice = document.getElementById("review-notice");
  const tickAll = document.getElementById("tick-all");
  const boxes = () => [...form.querySelectorAll("input[name=ids]")];

  tickAll.addEventListener("change", () => boxes().forEach((box) => { box.checked = tickAll.checked; }));

  const say = (text, isError) => {
    notice.replaceChildren();
    const item = document.createElement("li");
    item.textContent = text;
    if (isError) item.className = "error";
    notice.append(item);
  };

  const show = (row) => {
    const tr = document.getElementById(`prediction-${row.id}`);
    if (!tr) return;
    const cell = tr.querySelector("td.reviewed");
    const badge = document.createElement("span");
    badge.className = `badge ${row.reviewed_label}${row.relabelled ? " relabelled" : ""}`;
    badge.textContent = row.reviewed_label_display;
    const who = document.createElement("span");
    who.className = "muted";
    who.textContent = row.reviewed_by;
    cell.replaceChildren(badge, " ", who);
    cell.title = `by ${row.reviewed_by}, ${row.reviewed_at.slice(0, 16).replace("T", " ")}`;  // ISO, as the page writes it
    tr.querySelector("input[name=ids]").checked = false;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    if (!data.get("row") && !data.getAll("ids").length) {
      say("Tick the rows to review first.", true);
      return;
    }
    try {
      const response = await fetch(form.getAttribute("action"), {  // form.action is the "action" button
        method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
      });
      const answer = await response.json();
      if (!response.ok) {
        say(answer.error || "The review was not saved.", true);
        return;
      }
      answer.rows.forEach(show);
      tickAll.checked = false;
      say(answer.message, false);
      refreshSummary();
    } catch (error) {
      say("The server could not be reached; nothing was saved.", true);
    }
  });
});
