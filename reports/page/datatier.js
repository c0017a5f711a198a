// datatier.js -- the declared sections of the page: one box per component that declared what
// the page should show of it (summary.json's components.<id>.page, each family in its own
// page.cpp), with its headline figures and small charts of its mechanism over time from the
// window series the run recorded (timeseries.csv names), in the section its family named
// (page.section: "Functions", "Autoscaling") or, when it named none, in the data tier. This
// file names no family: it draws what is declared. The connection pools of the callers
// ("<service>->pool": in use and waiting) come with the data tier.
(function (A) {
  'use strict';
  // What a component declared of itself (summary.json's components.<id>.page, written from
  // the family's sim/page_section.h declaration): its panels, each a list of series named
  // exactly or as a /pattern/, and its headline figures [figure, label, unit].
  function declared(c) {
    if (!A.objectAt(c, 'page') || !Array.isArray(c.page.panels)) return null;
    var p = c.page;
    var spec = function (name) {
      var m = /^\/(.*)\/$/.exec(name);
      return m ? new RegExp(m[1]) : name;
    };
    return {
      panels: p.panels.map(function (q) {
        return { title: q.title, ylabel: q.ylabel, caption: q.caption, percent: !!q.percent, varies: !!q.varies,
                 capacity: q.capacity || [], metrics: (q.series || []).map(spec) };
      }),
      figures: (p.headlines || []).map(function (h) { return [h.figure, h.label, h.unit || '']; })
    };
  }

  function matches(spec, name) { return typeof spec === 'string' ? spec === name : spec.test(name); }

  // The series of component `by` matched by `metrics`, in the order asked.
  function pick(by, metrics) {
    var out = [];
    metrics.forEach(function (spec) {
      Object.keys(by).forEach(function (m) {
        // A series that stayed at zero says nothing a figure above does not.
        if (matches(spec, m) && out.indexOf(m) < 0 && by[m].some(function (v) { return v !== null && v !== 0; })) out.push(m);
      });
    });
    return out;
  }

  function varies(values) {
    var first = null;
    return values.some(function (v) { if (v === null) return false; if (first === null) { first = v; return false; } return v !== first; });
  }

  function figureText(c, f) {
    var v = A.numAt(c, f[0]);
    if (isNaN(v)) return '';
    var text = f[2] === 'pct' ? A.pct(v) : f[2] === 'ms' ? A.ms(v) : A.count(v);
    return '<span>' + A.esc(f[1]) + ' <strong>' + A.esc(text) + '</strong></span>';
  }

  function panelFor(store, who, metrics, spec) {
    var by = store.by[who];
    return { labels: ['time'].concat(metrics.map(function (m) { return metrics.length > 1 || who === '' ? m : who + ' ' + m; })),
             rows: store.t.map(function (t, i) { return [t].concat(metrics.map(function (m) { return by[m][i]; })); }),
             time_x: true, ylabel: spec.ylabel, percent: !!spec.percent, y_top: spec.percent ? 1.02 : 0 };
  }

  function drawComponent(d, view, id, c, kind, root) {
    var box = A.node('div', 'tier', null, root);
    box.id = 'tier-' + id;
    A.node('h3', null, A.esc(id) + ' <small>(' + A.esc(c.type) + ')</small>', box);
    var figs = kind.figures.map(function (f) { return figureText(c, f); }).join(' ');
    if (figs) A.node('p', 'figures', figs, box);
    var by = d.series && d.series.by && d.series.by[id];
    if (!by) { A.node('p', null, 'No time series of this component in the run\u2019s files.', box); return; }
    var grid = A.node('div', 'multiples', null, box);
    var n = 0;
    kind.panels.forEach(function (spec) {
      var metrics = pick(by, spec.metrics);
      if (!metrics.length) return;
      if (spec.varies && !metrics.some(function (m) { return varies(by[m]); })) return;  // flat lines say nothing
      var panel = panelFor(d.series, id, metrics, spec);
      var own = { unit: view.unit, end: view.end, marks: view.marks, alerts: view.alerts, small: true, hlines: [] };
      (spec.capacity || []).forEach(function (k) {
        if (typeof c[k] === 'number') own.hlines.push({ y: c[k], label: 'capacity ' + A.num(c[k]), color: '#444444' });
      });
      A.smallFigure('tier-' + id + '-' + (++n), spec.title, spec.caption ? A.esc(spec.caption) : '', panel, own, grid);
    });
    if (!n) grid.remove();
    // The same panels drawn by gnuplot from the data files (html_declared_charts.h).
    var own = (d.charts || []).filter(function (ch) { return ch.component === id; })[0];
    if (own && own.svg) {
      var box2 = A.node('details', 'static', null, box);
      A.node('summary', null, 'Static chart (gnuplot: the same series)', box2);
      var holder = A.node('div', 'static-chart', own.svg, box2);
      holder.setAttribute('data-static-files', (own.files || []).filter(function (f) { return /\.dat$/.test(f); }).join(' '));
      A.node('p', 'detail', 'Files: <a href="charts/' + A.esc(own.name) + '.svg">svg</a> \u00b7 <a href="charts/' + A.esc(own.name) +
             '.png">png</a> \u00b7 <code>charts/' + A.esc(own.name) + '.gp</code>', box2);
    } else if (own && own.svg_linked) {
      A.node('p', 'detail', 'Static chart (gnuplot, the same series): <a href="charts/' + A.esc(own.name) + '.svg">svg</a> \u00b7 <a href="charts/' +
             A.esc(own.name) + '.png">png</a> \u00b7 <code>charts/' + A.esc(own.name) + '.gp</code>, not inlined: the page keeps its static ' +
             'charts to about a megabyte.', box);
    }
  }

  // Connection pools: series of "<caller>->pool"-like links that record pool_in_use.
  function drawPools(d, view, root) {
    var by = (d.series && d.series.by) || {};
    var pools = Object.keys(by).filter(function (c) { return by[c].pool_in_use || by[c].pool_waiting; });
    if (!pools.length) return 0;
    var box = A.node('div', 'tier', null, root);
    box.id = 'tier-pools';
    A.node('h3', null, 'Connection pools', box);
    A.node('p', 'figures', 'Connections each caller\u2019s pool holds busy, and requests waiting for one: waiters that keep rising ' +
           'mean the pool, not the database, is the limit.', box);
    var grid = A.node('div', 'multiples', null, box);
    pools.forEach(function (p, k) {
      var metrics = pick(by[p], ['pool_in_use', 'pool_waiting']);
      if (!metrics.length) return;
      A.smallFigure('pool-' + k, p, '', panelFor(d.series, p, metrics, { ylabel: 'connections / waiters' }),
                    { unit: view.unit, end: view.end, marks: view.marks, alerts: view.alerts, small: true }, grid);
    });
    return pools.length;
  }

  // The sections components declared themselves in (summary.json's components.<id>.page.section:
  // an id, a title and a sentence), in the order they first appear; the data tier (a page that
  // names no section: the data stores) first, with the callers' connection pools.
  var kDataTier = { id: 'data-tier', title: 'Data tier',
                    intro: 'Each data store\u2019s mechanism over time, one small chart per mechanism, with the same time axis and ' +
                           'marks as the charts above.' };
  function sectionOf(c) {
    var sec = c.page.section;
    return sec && typeof sec.id === 'string' && sec.id ? sec : kDataTier;
  }

  A.declaredSections = function (d, view, root) {
    var s = d.summary;
    var ids = Object.keys(s.components || {}).filter(function (id) { return declared(s.components[id]); });
    var hasPools = d.series && d.series.by && Object.keys(d.series.by).some(function (c) { return d.series.by[c].pool_in_use; });
    var sections = hasPools ? [kDataTier] : [];
    ids.forEach(function (id) {
      var sec = sectionOf(s.components[id]);
      if (!sections.some(function (x) { return x.id === sec.id; })) sections.push(sec);
    });
    sections.sort(function (a, b) { return (b === kDataTier) - (a === kDataTier); });
    sections.forEach(function (sec) {
      var box = A.sectionBox(sec.id, sec.title || sec.id, root);
      // The first sentence a component of the section gives.
      var intro = sec.intro || ids.map(function (id) { return sectionOf(s.components[id]); })
        .filter(function (x) { return x.id === sec.id && x.intro; }).map(function (x) { return x.intro; })[0];
      if (intro) A.node('p', null, A.esc(intro), box);
      ids.forEach(function (id) {
        if (sectionOf(s.components[id]).id === sec.id) drawComponent(d, view, id, s.components[id], declared(s.components[id]), box);
      });
      if (sec === kDataTier) drawPools(d, view, box);
    });
  };

  // The headline figures a component declared for what-if plots against a varied number:
  // [summary path, label, percent?].
  A.dataTierHeadlines = function (c) {
    var p = A.objectAt(c, 'page') ? c.page : {};
    return (p.headlines || []).filter(function (h) { return h.compare; }).map(function (h) {
      return [h.figure, h.label + (h.unit === 'ms' ? ' (ms)' : ''), h.unit === 'pct'];
    });
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
