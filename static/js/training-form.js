// The launch form: show only the option groups that apply to the chosen method, and show the
// method's default learning rate where the field is left empty. Without JavaScript all show.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("launch-form");
  const method = form.elements.method;
  const lr = form.elements.lr;
  const defaults = JSON.parse(document.getElementById("default-lrs").textContent);

  const update = () => {
    form.querySelectorAll("fieldset[data-methods]").forEach((fieldset) => {
      fieldset.hidden = !fieldset.dataset.methods.split(" ").includes(method.value);
      fieldset.disabled = fieldset.hidden; // a hidden group's fields are not sent (a layer map is the custom method's)
    });
    lr.placeholder = defaults[method.value] != null ? `default ${defaults[method.value]}` : ""; // the baseline has none
  };
  method.addEventListener("change", update);
  update();
});
