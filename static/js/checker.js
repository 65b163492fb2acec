// Progressive enhancement of the checker form: post it in the background and swap in the result
// fragment that the server renders (and escapes); without JavaScript the form posts as usual.
// The focus moves to the result, and screen readers hear the verdict alone (#verdict-status), not
// each keystroke's character count nor the whole result.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("check-form");
  const text = form.querySelector("textarea");
  const button = form.querySelector("button[type=submit]:not([name])");
  const result = document.getElementById("result");
  const status = document.getElementById("verdict-status");
  const counter = document.getElementById("char-count");
  const offer = document.getElementById("truncate-offer");
  const max = Number(counter.dataset.max);
  let busy = false;

  const count = () => {
    const over = text.value.length > max;
    counter.textContent = `${text.value.length.toLocaleString()} / ${max.toLocaleString()}`;
    counter.classList.toggle("over", over);
    offer.hidden = !over;
  };
  text.addEventListener("input", count);
  count();

  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  // What the screen reader says once the result is in: the verdict, or the error shown instead.
  const announce = () => {
    const verdict = result.querySelector(".verdict-label");
    const error = result.querySelector(".errors, .notice");
    status.textContent = verdict ? verdict.textContent.trim() : (error ? error.textContent.trim() : "");
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    if (form.dataset.noModel === "1") {  // first-model.js sends it once a model answers
      form.dataset.pending = "1";
      const note = document.createElement("p");
      note.className = "notice";
      note.id = "pending-check";
      note.textContent = "Your comment will be checked as soon as the model is ready: keep this page open.";
      result.replaceChildren(note);
      announce();
      return;
    }
    busy = true;
    const data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    // The button keeps the focus while it works (a disabled button would drop it to the page).
    button.setAttribute("aria-disabled", "true");
    const loading = form.dataset.modelLoaded !== "1";
    button.textContent = loading ? "Loading the model…" : "Checking…";
    status.textContent = "";
    if (loading) {
      const note = document.createElement("p");
      note.className = "notice";
      note.textContent = "Loading the model… the first check after a start or a model change takes a few seconds.";
      result.replaceChildren(note);
    }
    result.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      result.innerHTML = await response.text();
      if (response.ok) form.dataset.modelLoaded = "1";
    } catch (error) {
      result.textContent = "The checker could not be reached. Check your connection and try again.";
    } finally {
      busy = false;
      button.removeAttribute("aria-disabled");
      button.textContent = "Check comment";
      result.removeAttribute("aria-busy");
      result.focus();
      announce();
    }
  });
});
