// Draws every <canvas data-chart="bar|line" data-source="ID"> from the JSON of the
// json_script element ID: {"labels": [...], "series": [{"label": ..., "values": [...]}]}.
// Each chart has a table with the same figures next to it (the accessible equivalent).
(function () {
  "use strict";
  var colours = ["#1f6feb", "#d1242f", "#8250df", "#1a7f37"];
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: canvas.dataset.chart,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: colours[i % colours.length],
                   borderColor: colours[i % colours.length] };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true }, x: { stacked: canvas.dataset.stacked === "true" } },
        plugins: { legend: { display: data.series.length > 1 } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
