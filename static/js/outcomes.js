// Draws each <canvas data-outcome-scatter="ID"> from the JSON of the json_script element ID:
// {"x", "y" (axis titles), "points": [{x, y}], "line", "low", "high": [{x, y}]} — the
// students, the fitted line and its 95 % confidence band (outcomes.selectors.scatter).
(function () {
  "use strict";
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.outcomeScatter);
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var band = "rgba(31, 111, 235, 0.15)";
    new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: "95 % band (low)", data: data.low, type: "line", pointRadius: 0,
            borderWidth: 0, borderColor: band, fill: false },
          { label: "95 % band", data: data.high, type: "line", pointRadius: 0,
            borderWidth: 0, borderColor: band, backgroundColor: band, fill: "-1" },
          { label: "Fitted line", data: data.line, type: "line", pointRadius: 0,
            borderColor: "#1f6feb", borderWidth: 2, fill: false },
          { label: "Students", data: data.points, backgroundColor: "#d1242f", pointRadius: 3 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {
          x: { type: "linear", title: { display: true, text: data.x } },
          y: { title: { display: true, text: data.y } }
        },
        plugins: { legend: { labels: { filter: function (item) { return item.text !== "95 % band (low)"; } } } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-outcome-scatter]").forEach(draw);
  });
})();
