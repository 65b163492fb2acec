// "Is this wrong?" under a verdict: post the flag in the background and say what happened beside the
// link. Listens on the document, so it works for results that the checker's script swaps in.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target.closest(".flag-form");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const status = form.querySelector(".flag-status");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
    });
    const answer = await response.json();
    status.textContent = response.ok ? answer.message : answer.error;
    button.disabled = response.ok;  // flagged once is enough; after a refusal the user may try again
  } catch (error) {
    status.textContent = "The flag could not be sent. Check your connection and try again.";
    button.disabled = false;
  }
});
