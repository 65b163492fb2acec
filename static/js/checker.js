// Progressive enhancement of the checker form: post it in the background and swap in the result
// fragment that the server renders (and escapes); without JavaScript the form posts as usual.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("check-form");
  const text = form.querySelector("textarea");
  const button = form.querySelector("button[type=submit]");
  const result = document.getElementById("result");
  const counter = document.getElementById("char-count");
  const max = Number(counter.dataset.max);

  const count = () => {
    counter.textContent = `${text.value.length.toLocaleString()} / ${max.toLocaleString()}`;
    counter.classList.toggle("over", text.value.length > max);
  };
  text.addEventListener("input", count);
  count();

  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    button.textContent = "Checking…";
    result.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      result.innerHTML = await response.text();
    } catch (error) {
      result.textContent = "The checker could not be reached. Check your connection and try again.";
    } finally {
      button.disabled = false;
      button.textContent = "Check comment";
      result.removeAttribute("aria-busy");
    }
  });
});
