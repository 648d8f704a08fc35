/* Dashboard charts. The figures come from the JSON block the page embeds (no inline script:
   the content security policy forbids it); every chart also has its numbers in a table. */
(function () {
  "use strict";
  var block = document.getElementById("supervision-data");
  if (!block || !window.echarts) { return; }
  var data = JSON.parse(block.textContent);
  var L = data.labels;
  var font = { fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif" };

  function options(kind) {
    if (kind === "funnel") {
      return {
        textStyle: font, tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "30%", gap: 2,
          label: { show: true, position: "inside", formatter: "{b}: {c}" },
          data: data.funnel }]
      };
    }
    if (kind === "trend") {
      return {
        textStyle: font, tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1, splitLine: { show: false } }],
        series: [
          { name: L.reports, type: "line", data: data.trend.reports },
          { name: L.clues, type: "line", data: data.trend.clues },
          { name: L.concluded + " →", type: "bar", yAxisIndex: 1, data: data.trend.concluded }
        ]
      };
    }
    if (kind === "ranking") {
      var names = data.ranking.names.slice().reverse();
      return {
        textStyle: font, tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 90, right: 20, top: 30, bottom: 20 },
        xAxis: { type: "value", max: 100 }, yAxis: { type: "category", data: names, axisLabel: { interval: 0 } },
        series: [
          { name: L.verification, type: "bar", data: data.ranking.verification.slice().reverse() },
          { name: L["case"], type: "bar", data: data.ranking["case"].slice().reverse() }
        ]
      };
    }
    if (kind === "backlog") {
      var bn = data.backlog.names.slice().reverse();
      return {
        textStyle: font, tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 90, right: 20, top: 30, bottom: 20 },
        xAxis: { type: "value" }, yAxis: { type: "category", data: bn, axisLabel: { interval: 0 } },
        series: [
          { name: L.backlog, type: "bar", stack: "all", data: data.backlog.backlog.slice().reverse() },
          { name: L.concluded, type: "bar", stack: "all", data: data.backlog.concluded.slice().reverse() }
        ]
      };
    }
    return null;
  }

  function fit(el, kind) {
    // one row per division in the ranked charts: give each row room
    var rows = kind === "ranking" ? data.ranking.names.length : kind === "backlog" ? data.backlog.names.length : 0;
    if (rows > 12) { el.classList.add("rows-" + Math.min(40, Math.ceil(rows / 4) * 4)); }
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-chart");
    fit(el, kind);
    var opt = options(kind);
    if (!opt) { return; }
    opt.animation = false;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(opt);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
