// Draws the dashboard's charts from the JSON the page embeds; the tables carry the same numbers.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("insight-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec) { return; }
    var scales = spec.type === "doughnut" ? {} : {
      x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true }
    };
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: scales }
    });
  });
});
