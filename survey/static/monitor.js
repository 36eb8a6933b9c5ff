/* Fieldwork monitor charts. Reads the JSON data block written by the server (no inline script:
   the Content-Security-Policy forbids it) and draws with the vendored Plotly. Without Plotly or
   JavaScript the tables below each chart carry the same numbers. */
(function () {
  "use strict";

  function draw(id, traces, layout) {
    var el = document.getElementById(id);
    if (!el || !window.Plotly) { return; }
    var base = {
      margin: {l: 50, r: 20, t: 20, b: 80},
      height: 300,
      legend: {orientation: "h"},
      font: {family: "system-ui, sans-serif", size: 12}
    };
    for (var key in layout) { base[key] = layout[key]; }
    window.Plotly.newPlot(el, traces, base, {displaylogo: false, responsive: true});
    el.setAttribute("data-drawn", "true");
  }

  function start() {
    var block = document.getElementById("monitor-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);

    if (data.days.x.length) {
      draw("chart-days", [
        {type: "bar", name: data.days.names.complete, x: data.days.x, y: data.days.complete,
         marker: {color: "#12355b"}},
        {type: "bar", name: data.days.names.partial, x: data.days.x, y: data.days.partial,
         marker: {color: "#9db4cf"}}
      ], {barmode: "stack",
          xaxis: {type: "date", tickformat: "%d/%m/%Y", dtick: 86400000}});
    }

    data.dimensions.forEach(function (dim, i) {
      var traces = [{type: "bar", name: dim.names.completes, x: dim.x, y: dim.completes,
                     marker: {color: "#12355b"}}];
      if (dim.targets.some(function (t) { return t !== null; })) {
        traces.push({type: "scatter", mode: "markers", name: dim.names.targets, x: dim.x,
                     y: dim.targets, marker: {symbol: "line-ew-open", size: 28,
                                              color: "#b00020", line: {width: 3}}});
      }
      draw("chart-dim-" + i, traces, {});
    });

    if (data.funnel.x.length) {
      draw("chart-funnel", [{type: "bar", name: data.funnel.name, x: data.funnel.x,
                             y: data.funnel.reached, marker: {color: "#2a7a4b"}}], {});
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
