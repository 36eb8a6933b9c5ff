// Analyst pages (CSP: no inline scripts). Draws the chart whose JSON the server put in
// <script type="application/json" id="chart-data">, and polls an export job's status.
(function () {
  "use strict";

  function drawChart() {
    var holder = document.getElementById("chart");
    var data = document.getElementById("chart-data");
    if (!holder || !data || !window.Plotly) { return; }
    var figure = JSON.parse(data.textContent);
    figure.layout = figure.layout || {};
    // Fixed size: the container's width and the figure's own height (long option lists are
    // taller), so the chart never spills over what follows (CSSOM, allowed by the CSP).
    figure.layout.width = holder.clientWidth || 600;
    figure.layout.height = figure.layout.height || 500;
    figure.layout.autosize = false;
    holder.style.height = figure.layout.height + "px";
    window.Plotly.newPlot(holder, figure.data, figure.layout, {displaylogo: false});
  }

  function pollJob() {
    var job = document.getElementById("job");
    if (!job) { return; }
    var url = job.getAttribute("data-status-url");
    var state = document.getElementById("job-state");
    var bar = document.getElementById("job-progress");
    var link = document.getElementById("job-download");
    var texts = document.getElementById("job-texts").content.firstElementChild;
    function tick() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.total) { bar.max = s.total; bar.value = s.done; bar.textContent = s.done + " / " + s.total; }
          if (s.status === "done") {
            bar.max = 1; bar.value = 1;
            state.textContent = texts.getAttribute("data-done");
            link.hidden = false;
          } else if (s.status === "error") {
            state.textContent = texts.getAttribute("data-error") + " " + (s.message || "");
          } else {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    if (link.hidden) { tick(); }
  }

  document.addEventListener("DOMContentLoaded", function () { drawChart(); pollJob(); });
})();
