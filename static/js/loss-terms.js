// The loss terms of the charts (the keys of a point's `components`), shared by the job and compare
// pages. `terms` is ml.losses.TERMS, {name: what it measures}, rendered into the page as "loss-terms".
"use strict";

// Stable order: the terms ml describes, in its order, then any other by name.
function orderTerms(names, terms) {
  const known = Object.keys(terms);
  const rank = (name) => (known.includes(name) ? known.indexOf(name) : known.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function termLabel(name, terms) {
  if (name === "loss") return "total loss";
  return terms[name] ? `${name} (${terms[name]})` : name;
}
