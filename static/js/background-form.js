// Forms posted in the background (flag, "Why?"): the one place that sends them and reads the JSON answer.
// Listens on the document, so it works for results that the checker's script swaps in.
"use strict";

function onBackgroundSubmit(formSelector, { sending, answered, failed }) {
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest(formSelector);
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    if (sending) sending(form);
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
      });
      answered(form, response.ok, await response.json());
    } catch (error) {
      failed(form);
      button.disabled = false;
    }
  });
}
