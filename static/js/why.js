// "Why?" under a verdict: fetch the words that pushed it (webapp/checker/why.py) and mark them in the
// comment. The comment is drawn with textContent only: no text of the user's reaches innerHTML.
// Listens on the document, so it works for results that the checker's script swaps in.
"use strict";

const SIGNS = { toxic: "+", "non-toxic": "−" };

function markedSegment(segment) {
  if (!segment.push) return document.createTextNode(segment.text);
  const mark = document.createElement("mark");
  mark.className = `push push-${segment.push}`;
  mark.title = `${segment.push} push ${segment.score}`;
  mark.append(document.createTextNode(segment.text));
  const sign = document.createElement("span");
  sign.className = "push-sign";
  sign.setAttribute("aria-hidden", "true");
  sign.textContent = SIGNS[segment.push];
  const said = document.createElement("span");
  said.className = "visually-hidden";
  said.textContent = ` (pushed towards ${segment.push})`;
  mark.append(sign, said);
  return mark;
}

function showWhy(section, answer) {
  section.querySelector(".why-text").replaceChildren(...answer.segments.map(markedSegment));
  const note = section.querySelector(".why-note");
  note.hidden = answer.same_model;
  note.textContent = answer.same_model ? "" : `Explained by the active model, ${answer.model}, not the one that gave this verdict.`;
  section.hidden = false;
}

onBackgroundSubmit(".why-form", {
  sending(form) {
    form.querySelector(".why-status").textContent = "Finding the words…";
  },
  answered(form, ok, answer) {
    const status = form.querySelector(".why-status");
    if (ok) {
      showWhy(form.parentElement.querySelector(".why"), answer);
      status.textContent = answer.segments.some((s) => s.push) ? "" : "No word pushed this verdict much.";
      form.hidden = true;
    } else {
      status.textContent = answer.error;
      form.querySelector("button").disabled = false;
    }
  },
  failed(form) {
    form.querySelector(".why-status").textContent = "The explanation could not be fetched. Check your connection and try again.";
  },
});
