// Charts (kehu/web/charts.py): each <figure data-chart> holds its numbers as JSON and as a
// table. This draws the JSON with Apache ECharts (SVG), keeps the drawing sized to its box
// (horizontal bars on a narrow screen), opens a value's drill-down link on a click and switches
// between chart and table. Without script or ECharts the table simply stays.
// The table is the accessible view: while the chart shows, the table is only moved off screen
// (screen readers still read it; the drawing is aria-hidden), and a keyboard user tabbing into
// one of its links gets it shown. Nothing here writes inline markup the page's CSP would block:
// tooltips are built as elements, colours set through the CSSOM.
(() => {
  if (!window.echarts) return;
  // the 700 shades: each at least 4.5:1 on white, so bars, lines and white labels inside
  // funnel segments stay readable (WCAG 1.4.3 and 1.4.11)
  const PALETTE = ["#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#be123c", "#0f766e", "#a16207", "#475569"];
  const TEXT = "#1f2937";
  const MUTED = "#4b5563";
  const LINE = "#e5e7eb";
  const NARROW = 560; // px: below this, bars lie down and pie labels give way to the legend
  const lang = document.documentElement.lang || "en";
  const compact = (() => {
    try {
      return new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    } catch (error) {
      return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
    }
  })();
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const drawn = new Set();

  /** A drill-down link is a path on this site; anything else is ignored. */
  function go(url) {
    if (typeof url === "string" && url.startsWith("/") && !url.startsWith("//")) {
      window.location.assign(url);
    }
  }

  function axisText(data) {
    return (value) => (data.unit === "percent" ? `${compact.format(value)}%` : compact.format(value));
  }

  /** The tooltip as elements (never an HTML string: the labels are user data). */
  function tooltip(data) {
    return (params) => {
      const items = Array.isArray(params) ? params : [params];
      const box = document.createElement("div");
      box.className = "chart-tip";
      const head = document.createElement("div");
      head.className = "chart-tip-head";
      head.textContent = items.length ? items[0].name : "";
      box.append(head);
      items.forEach((item) => {
        const series = data.series[item.seriesIndex];
        if (!series) return;
        const row = document.createElement("div");
        row.className = "chart-tip-row";
        const swatch = document.createElement("span");
        swatch.className = "chart-tip-swatch";
        if (typeof item.color === "string") swatch.style.backgroundColor = item.color;
        const name = document.createElement("span");
        name.textContent = data.series.length > 1 ? series.name : "";
        const value = document.createElement("strong");
        value.textContent = series.texts[item.dataIndex];
        if (item.percent != null) value.textContent += ` (${item.percent}%)`;
        row.append(swatch, name, value);
        box.append(row);
      });
      return box;
    };
  }

  const ruler = document.createElement("canvas").getContext("2d");
  const LEGEND_ROW = 24; // px: one line of legend items
  const LEGEND_TEXT = 160; // px: a longer name is cut short (the table has it whole)

  /** How many lines the legend's items take in `width` (a plain legend wraps). */
  function legendRows(names, width, font) {
    ruler.font = `12px ${font}`;
    let rows = 1;
    let x = 0;
    names.forEach((name) => {
      // swatch, gap, text (cut at LEGEND_TEXT), item gap
      const item = 25 + 5 + Math.min(ruler.measureText(name).width, LEGEND_TEXT) + 14;
      if (x > 0 && x + item > width - 28) { // the legend's side margins, and some slack
        rows += 1;
        x = 0;
      }
      x += item;
    });
    return rows;
  }

  function cartesian(data, horizontal, narrow, legendHeight) {
    const line = data.kind === "line";
    const category = {
      type: "category",
      data: data.categories,
      inverse: horizontal, // the first category on top, as in the table
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: MUTED } },
      axisLabel: {
        color: MUTED,
        hideOverlap: true,
        interval: horizontal ? 0 : "auto",
        rotate: narrow && !horizontal ? 40 : 0, // a line's categories on a phone
        overflow: "truncate",
        width: narrow ? 90 : 140,
      },
    };
    const value = {
      type: "value",
      name: data.axis,
      // lying down, the unit goes under the numbers (at the end it would cover the last one)
      nameLocation: horizontal ? "middle" : "end",
      nameGap: horizontal ? 26 : 12,
      nameTextStyle: { color: MUTED },
      axisLabel: { color: MUTED, formatter: axisText(data), hideOverlap: true },
      splitLine: { lineStyle: { color: LINE } },
    };
    const legend = data.series.length > 1;
    // the grid's edges are its axis lines; the labels outside them need room of their own
    const labels = narrow && !horizontal ? 70 : 28 + (horizontal && data.axis ? 22 : 0);
    return {
      grid: {
        left: 8,
        right: horizontal ? 24 : 16,
        top: data.axis && !horizontal ? 36 : 16,
        bottom: (legend ? legendHeight : 0) + labels,
      },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      legend: { show: legend },
      tooltip: { trigger: "axis", axisPointer: { type: line ? "line" : "shadow" } },
      series: data.series.map((series) => ({
        type: line ? "line" : "bar",
        name: series.name,
        data: series.values,
        stack: data.kind === "stacked_bar" ? "total" : undefined,
        cursor: series.links.some(Boolean) ? "pointer" : "default",
        barMaxWidth: 40,
        connectNulls: false,
        symbolSize: 7,
        lineStyle: { width: 3 },
      })),
    };
  }

  function parts(data, width, legendHeight) {
    const narrow = width < NARROW;
    const series = data.series[0];
    const rows = data.categories.map((name, index) => ({ name, value: series.values[index] }));
    const link = series.links.some(Boolean) ? "pointer" : "default";
    const legend = { show: true };
    if (data.kind === "funnel") {
      return {
        legend,
        tooltip: { trigger: "item" },
        series: [{
          type: "funnel", name: series.name, data: rows, sort: "none", gap: 2, cursor: link,
          left: "8%", width: "84%", top: 12, bottom: legendHeight + 12, minSize: "12%",
          label: {
            show: true, position: "inside", color: "#fff", overflow: "truncate",
            width: Math.max(60, width * 0.3), // a long name stays inside its segment
          },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
        }],
      };
    }
    return {
      legend,
      tooltip: { trigger: "item" },
      series: [{
        type: "pie", name: series.name, data: rows, cursor: link,
        radius: data.kind === "donut" ? ["42%", "68%"] : [0, "68%"],
        center: ["50%", "45%"],
        label: { show: !narrow, color: TEXT, overflow: "truncate", width: 120 },
        itemStyle: { borderColor: "#fff", borderWidth: 1 },
      }],
    };
  }

  function option(data, width, font) {
    const narrow = width < NARROW;
    const horizontal = narrow && (data.kind === "bar" || data.kind === "stacked_bar");
    const byCategory = ["pie", "donut", "funnel"].includes(data.kind);
    const names = byCategory ? data.categories : data.series.map((series) => series.name);
    const legendHeight = legendRows(names, width, font) * LEGEND_ROW;
    const shape = byCategory
      ? parts(data, width, legendHeight)
      : cartesian(data, horizontal, narrow, legendHeight);
    return {
      horizontal,
      legendHeight,
      option: {
        animation: !calm,
        color: PALETTE,
        aria: { enabled: false }, // the figure's table is the accessible view
        textStyle: { fontFamily: font, color: TEXT },
        ...shape,
        legend: {
          type: "plain", bottom: 0, left: 8, right: 8, itemGap: 14,
          textStyle: { color: TEXT, fontFamily: font, width: LEGEND_TEXT, overflow: "truncate" },
          pageTextStyle: { color: TEXT },
          ...shape.legend,
        },
        tooltip: {
          confine: true, // inside the chart: no arrow, no HTML string of ECharts' own
          backgroundColor: "#fff",
          borderColor: LINE,
          textStyle: { color: TEXT, fontFamily: font },
          formatter: tooltip(data),
          ...shape.tooltip,
        },
      },
    };
  }

  /** Horizontal bars get a height that fits their categories and legend; the rest take the
   * CSS height, grown by a legend of more than one line. */
  function fitHeight(canvas, data, shape) {
    canvas.style.removeProperty("height");
    const extra = shape.legendHeight - LEGEND_ROW;
    if (shape.horizontal) {
      const per = data.series.length > 1 ? 14 * data.series.length + 18 : 36;
      const axis = data.axis ? 60 : 36;
      canvas.style.height = `${Math.max(200, data.categories.length * per + axis + shape.legendHeight)}px`;
    } else if (extra > 0) {
      canvas.style.height = `${canvas.clientHeight + extra}px`;
    }
  }

  function draw(figure) {
    if (figure.dataset.chartReady) return;
    const source = figure.querySelector('script[type="application/json"]');
    const canvas = figure.querySelector("[data-chart-canvas]");
    const table = figure.querySelector("[data-chart-table]");
    const toggle = figure.querySelector("[data-chart-toggle]");
    if (!source || !canvas || !table || !toggle) return;
    figure.dataset.chartReady = "1";
    const data = JSON.parse(source.textContent);
    if (!data.categories.length) return; // nothing to draw: the table says so
    const font = getComputedStyle(figure).fontFamily;
    canvas.hidden = false;
    let shape = option(data, canvas.clientWidth, font);
    fitHeight(canvas, data, shape);
    const chart = window.echarts.init(canvas, null, {
      renderer: "svg",
      locale: lang.toLowerCase().startsWith("zh") ? "ZH" : "EN",
    });
    chart.setOption(shape.option);
    const entry = { figure, chart };
    drawn.add(entry);

    chart.on("click", (params) => {
      const series = data.series[params.seriesIndex];
      if (series) go(series.links[params.dataIndex]);
    });

    let width = canvas.clientWidth;
    /** Lay the chart out again for its box's width (bars may lie down or stand up). */
    function update() {
      if (canvas.hidden || canvas.clientWidth === width) return;
      width = canvas.clientWidth;
      shape = option(data, width, font);
      fitHeight(canvas, data, shape);
      chart.setOption(shape.option, { notMerge: true });
      chart.resize();
    }

    function show(view) {
      const asTable = view === "table";
      figure.dataset.view = view;
      canvas.hidden = asTable;
      table.classList.toggle("chart-table-offscreen", !asTable);
      toggle.textContent = asTable ? toggle.dataset.showChart : toggle.dataset.showTable;
      if (!asTable) update(); // the window may have changed while the table showed
    }
    toggle.hidden = false;
    toggle.addEventListener("click", () => show(figure.dataset.view === "table" ? "chart" : "table"));
    table.addEventListener("focusin", () => {
      if (figure.dataset.view !== "table") show("table");
    });
    show("chart");

    const observer = new ResizeObserver(() => {
      if (!figure.isConnected) {
        observer.disconnect();
        chart.dispose();
        drawn.delete(entry);
        return;
      }
      update();
    });
    observer.observe(figure);
  }

  function drawIn(root) {
    const figures = root.matches?.("[data-chart]") ? [root] : [];
    figures.push(...(root.querySelectorAll?.("[data-chart]") || []));
    figures.forEach(draw);
  }

  // Paper is narrower than the screen: redraw at the printed width, and back afterwards (the
  // media query changes once the print layout applies; before/afterprint for other browsers).
  const resizeAll = () => drawn.forEach(({ chart }) => chart.resize());
  window.matchMedia("print").addEventListener("change", resizeAll);
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);

  drawIn(document);
  document.addEventListener("htmx:load", (event) => drawIn(event.target));
})();
