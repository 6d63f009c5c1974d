// The matrix works without this script; it adds filters and opens what a link points to.
(function () {
  "use strict";
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    for (var node = el; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (el) el.scrollIntoView();
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  var filters = document.querySelectorAll('input[name="filter"]');
  function applyFilter() {
    var value = document.querySelector('input[name="filter"]:checked').value;
    document.querySelectorAll(".case").forEach(function (c) {
      c.hidden = value !== "all" && !c.classList.contains(value);
    });
    document.querySelectorAll("details.section").forEach(function (s) {
      var visible = s.querySelectorAll(".case:not([hidden])").length;
      s.hidden = visible === 0;
    });
  }
  filters.forEach(function (f) { f.addEventListener("change", applyFilter); });

  function setAll(open) {
    document.querySelectorAll("details.section").forEach(function (d) { d.open = open; });
  }
  var expand = document.getElementById("expand");
  var collapse = document.getElementById("collapse");
  if (expand) expand.addEventListener("click", function () { setAll(true); });
  if (collapse) collapse.addEventListener("click", function () { setAll(false); });

  document.querySelectorAll(".caps-diff-only").forEach(function (box) {
    box.addEventListener("change", function () {
      var table = box.closest("p").nextElementSibling.querySelector("table.caps");
      table.querySelectorAll("tr.same").forEach(function (r) { r.hidden = box.checked; });
    });
  });
})();
