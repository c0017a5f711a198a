// charts.js -- draws one panel ({labels, rows, ...}, reports/html_interactive.h) with
// dygraphs into a holder, and a whole chart (a <figure> with its panels, the static gnuplot
// SVG below them, the caption and files). Every holder gets data-points="N" once drawn (the
// points plotted over all its series; the browser check fails on 0), data-series-points
// ("name=N; ..." per series) and data-chart-ready.
(function (A) {
  'use strict';
  // Okabe & Ito's colour-blind-safe palette; past 8 series the colours repeat with another
  // dash pattern, so that 16 lines are still 16 different strokes.
  A.palette = ['#0072B2', '#E69F00', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#8C6D00', '#444444'];
  var dashes = [null, [7, 3], [2, 2], [10, 3, 2, 3]];
  var cssDashes = ['solid', 'dashed', 'dotted', 'dashed'];
  A.seriesStyle = function (i) {
    return { color: A.palette[i % 8], dash: dashes[Math.floor(i / 8) % 4], css: cssDashes[Math.floor(i / 8) % 4] };
  };
  A.drawn = 0;

  function usable(v) { return v !== null && v !== undefined && !(typeof v === 'number' && isNaN(v)); }

  // Points plotted per series: its non-empty cells (for a log axis, only x > 0).
  function countPoints(rows, width) {
    var n = [];
    for (var j = 1; j < width; ++j) n.push(0);
    rows.forEach(function (r) {
      for (var j = 1; j < r.length && j < width; ++j) {
        var c = r[j];
        if (Array.isArray(c) ? usable(c[1]) : usable(c)) ++n[j - 1];
      }
    });
    return n;
  }

  function toggles(g, labels, styles) {
    var box = document.createElement('div');
    box.className = 'ichart-toggles';
    labels.slice(1).forEach(function (name, i) {
      var l = document.createElement('label');
      var c = document.createElement('input');
      c.type = 'checkbox';
      c.checked = true;
      c.addEventListener('change', function () { g.setVisibility(i, c.checked); });
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.borderTopColor = styles[i].color;
      sw.style.borderTopStyle = styles[i].css;
      l.appendChild(c);
      l.appendChild(sw);
      l.appendChild(document.createTextNode(name));
      box.appendChild(l);
    });
    return box;
  }

  // Draws panel `p` into `holder` with the marks `view` asks for (marks.js underlay).
  // Returns the number of points drawn (0 when the library is missing or the panel is empty).
  A.drawPanel = function (holder, p, view) {
    var unit = view.unit || 's';
    var rows = p.rows;
    if (p.logx) rows = rows.filter(function (r) { return r[0] > 0; });  // log(0) has no place on the axis
    var perSeries = countPoints(rows, p.labels.length);
    var points = perSeries.reduce(function (a, b) { return a + b; }, 0);
    holder.setAttribute('data-points', String(points));
    // And each series' own ("name=N; ..."): a curve drawn through a handful of points shows.
    holder.setAttribute('data-series-points', p.labels.slice(1).map(function (name, k) { return name + '=' + perSeries[k]; }).join('; '));
    if (typeof Dygraph === 'undefined' || !rows.length) return 0;
    var plot = A.node('div', 'ichart-plot', null, holder);
    var legend = A.node('div', 'ichart-legend', null, holder);
    var n = p.labels.length - 1;
    var styles = [];
    for (var i = 0; i < n; ++i) {
      var st = A.seriesStyle(i);
      if (p.colors && p.colors[i]) st.color = p.colors[i];
      styles.push(st);
    }
    if (p.slo && view.slo_p99_ms !== null && view.slo_p99_ms !== undefined) {
      view = Object.assign({}, view, { hlines: (view.hlines || []).concat([{ y: view.slo_p99_ms, label: 'SLO: p99 \u2264 ' + A.num(view.slo_p99_ms) + ' ms' }]) });
    }
    var yfmt = p.percent ? A.pct : function (v) { return A.num(v); };
    var yaxis = { valueFormatter: yfmt, axisLabelFormatter: yfmt, axisLabelWidth: 62 };
    if (p.y_top > 0 || (view.hlines && view.hlines.length)) {
      // The y axis reaches y_top at least, and any threshold drawn stays in view.
      var lo = 0, top = p.y_top > 0 ? p.y_top : 0;
      var last = p.y2 ? n - 1 : n;  // a series on the right axis has its own range
      rows.forEach(function (r) {
        for (var j = 1; j <= last; ++j) if (usable(r[j]) && !Array.isArray(r[j])) { top = Math.max(top, r[j] * 1.05); lo = Math.min(lo, r[j]); }
      });
      (view.hlines || []).forEach(function (h) { top = Math.max(top, h.y * 1.15); lo = Math.min(lo, h.y); });
      yaxis.valueRange = [lo, top > lo ? top : lo + 1];
    }
    if (p.states) {
      // The first three states always; a later one (an operator's) when some row holds it.
      var shown = Math.min(3, p.states.length);
      rows.forEach(function (r) { for (var j = 1; j < r.length; ++j) if (r[j] !== null && r[j] + 1 > shown) shown = Math.min(r[j] + 1, p.states.length); });
      yaxis.valueRange = [-0.2, shown - 0.8];
      yaxis.ticker = function () { return p.states.slice(0, shown).map(function (s, v) { return { v: v, label: s }; }); };
      yaxis.valueFormatter = function (v) { return p.states[v] !== undefined ? p.states[v] : A.num(v); };
    }
    var opts = {
      labels: p.labels,
      colors: styles.map(function (s) { return s.color; }),
      xlabel: p.time_x ? 'time (' + unit + ')' : p.xlabel || p.labels[0],
      ylabel: p.ylabel,
      labelsDiv: legend,
      legend: 'always',
      labelsSeparateLines: false,
      yLabelWidth: 16,
      connectSeparatedPoints: !!p.connect,
      customBars: !!p.bars,
      drawPoints: !!p.bars || !!p.dots,
      pointSize: 2.5,
      stepPlot: !!p.step,
      strokeWidth: 1.6,
      includeZero: !p.logx && !p.logy && !p.states,
      animatedZooms: false,
      series: {},
      underlayCallback: A.underlay(p, view),
      axes: {
        x: { valueFormatter: function (x) { return p.time_x ? A.num(x) + ' ' + unit : A.num(x) + (p.xunit !== undefined ? p.xunit : ' ms'); },
             axisLabelFormatter: function (x) { return A.num(x); }, logscale: !!p.logx },
        y: Object.assign(yaxis, p.logy ? { logscale: true } : {})
      }
    };
    styles.forEach(function (s, k) { if (s.dash) opts.series[p.labels[k + 1]] = { strokePattern: s.dash }; });
    if (p.time_x && view.end !== null && view.end !== undefined) opts.dateWindow = [0, view.end];
    if (p.logx) {
      // A log axis is padded by a factor, never by pixels: dygraphs' pixel padding of a log
      // axis reaches below zero and leaves the chart empty.
      var xmin = rows[0][0], xmax = rows[rows.length - 1][0];
      opts.dateWindow = [xmin / 1.25, xmax * 1.25];
    } else if (!p.time_x) {
      opts.xRangePad = 14;  // points at the ends of an x axis of parameters stay whole
    }
    if (p.y2) {
      opts.series[p.labels[n]] = { axis: 'y2', strokePattern: [2, 3], color: '#888888' };
      styles[n - 1] = { color: '#888888', css: 'dotted' };
      opts.colors[n - 1] = '#888888';
      opts.y2label = p.y2;
      opts.axes.y2 = { valueFormatter: function (v) { return A.num(v); }, axisLabelFormatter: function (v) { return A.num(v); },
                       includeZero: true, independentTicks: true };
    }
    if (p.points) p.points.forEach(function (name) {
      opts.series[name] = { strokeWidth: 0, drawPoints: true, pointSize: 4, highlightCircleSize: 6 };
    });
    if (p.point_labels) {
      var yf = yaxis.valueFormatter;
      yaxis.valueFormatter = function (v, o, name, gr, row) {
        var text = yf(v);
        return row !== undefined && p.point_labels[row] ? text + ' (' + p.point_labels[row] + ')' : text;
      };
    }
    var g = new Dygraph(plot, rows, opts);
    if (n > 1 || !view.small) holder.appendChild(toggles(g, p.labels, styles));
    holder.setAttribute('data-chart-ready', '1');
    ++A.drawn;
    return points;
  };

  // A chart of the page's data ({name, title, caption, files, svg, panels}) as a <figure>:
  // its interactive panels (when the library is there), the static SVG below them (closed
  // once the panels are drawn; open and alone without the library) and the caption.
  A.figure = function (chart, view, parent) {
    var fig = A.node('figure', null, null, parent);
    fig.id = 'chart-' + chart.name;
    var live = chart.panels && chart.panels.length && typeof Dygraph !== 'undefined';
    if (live) {
      A.node('p', 'ichart-title', '<strong>' + A.esc(chart.title) + '</strong>', fig);
      var alerts = view.alerts && chart.name !== 'cdf' ? view : null;
      chart.panels.forEach(function (p, k) {
        if (p.subtitle) A.node('p', 'ichart-subtitle', A.esc(p.subtitle), fig);
        var holder = A.node('div', 'ichart', null, fig);
        holder.id = 'ichart-' + chart.name + '-' + k;
        A.drawPanel(holder, p, view);
        if (alerts && p.time_x && k === chart.panels.length - 1) {
          var legend = A.markerLegend(view.alerts, view.ooms, view.unit);
          if (legend) fig.appendChild(legend);
        }
      });
      A.node('p', 'ichart-hint', 'Drag to zoom (shift-drag pans), double-click to zoom out; the values under the mouse ' +
             'show below the chart; tick a series to hide or show it.', fig);
    }
    if (chart.svg) {
      var box = fig;
      if (live) {
        box = A.node('details', 'static', null, fig);
        A.node('summary', null, 'Static chart (gnuplot: the same data and marks)', box);
      }
      var holder2 = A.node('div', 'static-chart', chart.svg, box);
      holder2.setAttribute('data-static-files', (chart.files || []).filter(function (f) { return /\.dat$/.test(f); }).join(' '));
    } else if (chart.svg_linked) {
      A.node('p', 'detail', 'Static chart (gnuplot): <a href="charts/' + A.esc(chart.name) + '.svg">charts/' + A.esc(chart.name) +
             '.svg</a>, not inlined: the page keeps its static charts to about a megabyte.', fig);
    } else if (!live) {
      A.node('p', null, '<strong>' + A.esc(chart.title) + '</strong> (not drawn)', fig);
    }
    var cap = A.esc(chart.caption) + ' Files: ';
    if (chart.svg || chart.svg_linked) cap += '<a href="charts/' + A.esc(chart.name) + '.svg">svg</a> \u00b7 <a href="charts/' + A.esc(chart.name) + '.png">png</a> \u00b7 ';
    cap += '<code>charts/' + A.esc(chart.name) + '.gp</code>';
    (chart.files || []).forEach(function (f) { cap += ' \u00b7 <code>charts/' + A.esc(f) + '</code>'; });
    A.node('figcaption', null, cap, fig);
    return fig;
  };

  // Adds to a latency distribution (a CDF panel: x latency, y fraction) the percentiles of a
  // summary's latency_all_ms as dots, one series named `name`: every finished request's
  // distribution beside the successful ones' curve (the run writes the curve of the
  // successful requests only).
  A.addPercentiles = function (panel, all, name) {
    if (!panel || !all) return;
    var at = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };
    var width = panel.labels.length;
    panel.labels = panel.labels.concat([name]);
    panel.rows = panel.rows.map(function (r) { return r.concat([null]); });
    Object.keys(at).forEach(function (k) {
      if (typeof all[k] !== 'number' || !(all[k] > 0)) return;
      var row = [all[k]];
      for (var i = 1; i < width; ++i) row.push(null);
      row.push(at[k]);
      panel.rows.push(row);
    });
    panel.rows.sort(function (a, b) { return a[0] - b[0]; });
    panel.points = (panel.points || []).concat([name]);
  };

  // A small chart built by the page itself (an alert rule's series, a data-tier mechanism):
  // a figure with a title, one panel and a caption.
  A.smallFigure = function (id, title, caption, panel, view, parent) {
    var fig = A.node('figure', null, null, parent);
    fig.id = 'chart-' + id;
    var head = A.node('p', 'ichart-title', '<strong>' + A.esc(title) + '</strong>', fig);
    var holder = A.node('div', 'ichart small', null, fig);
    holder.id = 'ichart-' + id + '-0';
    var drawn = A.drawPanel(holder, panel, view);
    if (typeof Dygraph === 'undefined') A.node('p', 'notice', 'Not drawn: the charting library is missing.', holder);
    else if (!drawn) A.node('p', null, 'No value recorded in any window.', holder);
    if (caption) A.node('figcaption', null, caption, fig);
    return { figure: fig, head: head };
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
