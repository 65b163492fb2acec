// "Is this wrong?" under a verdict: post the flag in the background (background-form.js) and say what
// happened beside the link.
"use strict";

onBackgroundSubmit(".flag-form", {
  answered(form, ok, answer) {
    form.querySelector(".flag-status").textContent = ok ? answer.message : answer.error;
    form.querySelector("button").disabled = ok;  // flagged once is enough; after a refusal the user may try again
  },
  failed(form) {
    form.querySelector(".flag-status").textContent = "The flag could not be sent. Check your connection and try again.";
  },
});
