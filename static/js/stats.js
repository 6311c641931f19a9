/* Charts beside the statistics tables: Apache ECharts (static/vendor/echarts-6.1.0), data from the page itself. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  JSON.parse(source.textContent).forEach(function (table) {
    var box = document.getElementById("chart-" + table.key);
    if (!box || !table.rows.length) { return; }
    var chart = echarts.init(box, null, { renderer: "svg" });
    var option;
    if (table.type === "line") {  // months: received, accepted, closed, settled over time
      option = {
        tooltip: { trigger: "axis" }, legend: {},
        xAxis: { type: "category", data: table.rows.map(function (r) { return r[0]; }) },
        yAxis: { type: "value" },
        series: [1, 2, 3, 4].map(function (i) {
          return { name: table.columns[i], type: "line", data: table.rows.map(function (r) { return r[i]; }) };
        })
      };
    } else {  // a label and a count per row: the last column is the figure, the one before it the label
      var last = table.columns.length - 1;
      var labelAt = table.type === "pie" && last > 1 ? last - 1 : Math.max(0, last - 1);
      var data = table.rows.map(function (r) { return { name: String(r[labelAt]), value: r[last] }; });
      option = table.type === "pie"
        ? { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: "65%", data: data }] }
        : { tooltip: {}, grid: { left: 160 },
            xAxis: { type: "value" },
            yAxis: { type: "category", data: data.map(function (d) { return d.name; }) },
            series: [{ type: "bar", data: data.map(function (d) { return d.value; }) }] };
    }
    chart.setOption(option);
    box.setAttribute("data-rendered", "1");
  });
}());
