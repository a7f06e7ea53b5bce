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
    var scales = { y: { beginAtZero: true, position: "left" },
                   x: { stacked: canvas.dataset.stacked === "true" } };
    var right = data.series.filter(function (s) { return s.axis === "y2"; });
    if (right.length) {
      // A series on its own scale (e.g. rejections beside thousands of accepted events).
      scales.y2 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
                    ticks: { precision: 0, color: colours[data.series.indexOf(right[0]) % colours.length] },
                    title: { display: true, text: right.map(function (s) { return s.label; }).join(", ") } };
      scales.y.title = { display: true, text: data.series.filter(function (s) { return s.axis !== "y2"; })
                                                .map(function (s) { return s.label; }).join(", ") };
    }
    new window.Chart(canvas, {
      type: canvas.dataset.chart,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: colours[i % colours.length],
                   borderColor: colours[i % colours.length], yAxisID: s.axis || "y" };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: scales,
        plugins: { legend: { display: data.series.length > 1 } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
