// Keyboard use without the mouse. In the queue: j/k move between rows, Enter opens (the row's link has focus).
// On a draft: the first marked source line is scrolled into view. Access keys: a = approve, r = reject, f = search, q = queue.
(function () {
  "use strict";
  function typing(event) {
    var tag = (event.target && event.target.tagName) || "";
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key !== "j" && event.key !== "k") { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("table.drafts a.row-link"));
    if (!links.length) { return; }
    var at = links.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    links[next].focus();
    event.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var mark = document.querySelector("mark.source");
    if (mark) { mark.scrollIntoView({ block: "center" }); }
  });
})();
