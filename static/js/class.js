// The class table: a header click swaps the table (htmx); focus goes back to the same
// header in the new table instead of the top of the page, so keyboard users keep their place.
(function () {
  "use strict";
  var sorted = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#class-table a.sort");
    if (link) { sorted = link.dataset.sort; }
  });
  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("#class-table a.sort");
    if (link && (event.key === "Enter" || event.key === " ")) { sorted = link.dataset.sort; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!sorted || event.detail.target.id !== "class-table") { return; }
    var again = document.querySelector('#class-table a.sort[data-sort="' + sorted + '"]');
    if (again) { again.focus(); }
  });
})();
