/* Kite console: the countdowns of deadlines, the ledger chart, and the live dashboard (server-sent
   events bring the dashboard its refreshed panel, or tell a page that something changed and it then
   asks for its panel again: no polling). */
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function describe(ms) {
    var abs = Math.abs(ms);
    var minutes = Math.floor(abs / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var secs = Math.floor(abs / 1000) % 60;
    if (days) { return days + "天" + hours + "小时"; }
    if (hours) { return hours + "小时" + pad(mins) + "分"; }
    return mins + "分" + pad(secs) + "秒";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-deadline")) - now;
      if (isNaN(left)) { return; }
      if (left < 0) {
        el.textContent = "已超时 " + describe(left);
        el.classList.add("overdue");
      } else {
        el.textContent = "剩余 " + describe(left);
      }
    });
  }

  function drawChart() {
    var el = document.getElementById("ledger-chart");
    if (!el || !window.echarts) { return; }
    var data = JSON.parse(el.getAttribute("data-chart"));
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: {},
      grid: { left: 8, right: 8, bottom: 8, top: 24, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: data.name || "人数", data: data.values, barMaxWidth: 56, itemStyle: { color: "#a61b1b" } }]
    });
  }

  function live() {
    var status = document.getElementById("live-status");
    if (!status || !window.EventSource) { return; }
    var source = new EventSource(status.getAttribute("data-live"));
    var pending = null;
    var label = status.textContent.split("：")[0];
    source.addEventListener("open", function () { status.textContent = label + "：已连接"; });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) { status.textContent = label + "：重新连接中…"; }
    });
    source.addEventListener("done", function () {
      source.close();
      status.textContent = label + "：已结束";
    });
    source.addEventListener("changed", function () {
      if (pending) { return; }
      pending = setTimeout(function () {
        pending = null;
        var panel = document.getElementById("panel");
        if (panel && window.htmx) {
          window.htmx.ajax("GET", panel.getAttribute("data-panel"), { target: "#panel", swap: "outerHTML" });
        }
      }, 150);
    });
    // The server pushes the panel, rendered once for every page showing the same ledger and area.
    source.addEventListener("panel", function (event) {
      var panel = document.getElementById("panel");
      if (!panel) { return; }
      var template = document.createElement("template");
      template.innerHTML = event.data;  // markup only: a script in it would not run (and CSP forbids inline ones)
      var fresh = template.content.firstElementChild;
      if (!fresh || fresh.id !== "panel") { return; }
      var chart = document.getElementById("ledger-chart");
      if (chart && window.echarts) { window.echarts.dispose(chart); }
      panel.replaceWith(fresh);
      if (window.htmx) { window.htmx.process(fresh); }
      drawChart();
      tick();
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("htmx:beforeSwap", function () {
    var el = document.getElementById("ledger-chart");
    if (el && window.echarts) { window.echarts.dispose(el); }
  });
  document.addEventListener("htmx:afterSettle", function () { drawChart(); tick(); });
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    drawChart();
    live();
    window.addEventListener("resize", function () {
      var el = document.getElementById("ledger-chart");
      var chart = el && window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
}());
