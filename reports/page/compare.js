// compare.js -- the page of `archsim compare`: the variants side by side (the columns that
// decide first: availability, failed share, p99 of the successful and of every request,
// goodput, cost, SLO; a balancer's share and imbalance when the scenario has one), which
// alarms fired in each variant and when, the comparison's charts, and with a numeric
// --vary the data tier's headline figures and every request's p99 against it.
(function (A) {
  'use strict';

  function variantOverrides(v) {
    if (Array.isArray(v.overrides)) return v.overrides;
    return A.overrides(v.summary || {});
  }

  function labelCell(v, info) {
    // Long labels break after "=", "." or ",", not inside a word.
    var cell = '<strong>' + A.esc(v.label).replace(/([=.,])/g, '$1<wbr>') + '</strong>';
    if (!info || !info.sub) return cell;
    var links = [];
    if (info.own_page) links.push('<a class="variant-report" href="' + A.esc(info.sub) + '/report.html">report</a>');
    (info.files || []).forEach(function (f) { links.push('<a href="' + A.esc(info.sub) + '/' + A.esc(f) + '">' + A.esc(f) + '</a>'); });
    return cell + '<br><span class="detail">' + links.join(' \u00b7 ') + '</span>';
  }

  function firstBalancer(variants) {
    var s = variants.length ? variants[0].summary || {} : {};
    var ids = Object.keys(s.components || {});
    for (var i = 0; i < ids.length; ++i) {
      var c = s.components[ids[i]];
      if (c.type === 'balancer' && c.share && typeof c.share === 'object') return { id: ids[i], backends: Object.keys(c.share) };
    }
    return null;
  }

  function variantsTable(d, root) {
    var variants = d.compare.variants;
    var reps = variants.length && typeof variants[0].summary.replications === 'number' ? variants[0].summary.replications : 1;
    var all = variants.some(function (v) { return v.summary && v.summary.latency_all_ms; });
    var lb = firstBalancer(variants);
    var common = Array.isArray(d.compare.overrides) ? d.compare.overrides : [];
    var changesSay = variants.some(function (v) {
      var set = Object.keys(v.set || {}).map(function (p) { return p + '=' + (typeof v.set[p] === 'string' ? v.set[p] : JSON.stringify(v.set[p])); });
      return set.join(' ') !== v.label ||
             variantOverrides(v).some(function (o) { return set.indexOf(o) < 0 && common.indexOf(o) < 0; });
    });
    var cols = [{ head: 'variant' }];
    if (changesSay) cols.push({ head: 'changes' });
    cols.push({ head: 'availability', num: true }, { head: 'failed', num: true }, { head: 'p99 ms, successful', num: true });
    if (all) cols.push({ head: 'p99 ms, every request', num: true });
    if (lb) cols.push({ head: 'share % ' + A.esc(lb.id) + ' \u2192 ' + A.esc(lb.backends.join('/')), num: true }, { head: 'imbalance (CV)', num: true });
    var slo = variants.some(function (v) { return v.summary && v.summary.slo && typeof v.summary.slo.met === 'boolean'; });
    var pops = populations(variants);
    pops.forEach(function (p) {
      cols.push({ head: 'p99 ms, ' + A.esc(p.name) + (p.judged ? ' <small>(judged)</small>' : ''), num: true },
                { head: 'failed, ' + A.esc(p.name), num: true });
    });
    cols.push({ head: 'p50 ms', num: true }, { head: 'goodput rps', num: true }, { head: 'cost USD', num: true });
    var judged = pops.filter(function (p) { return p.judged; })[0];
    if (slo) cols.push({ head: 'SLO' + (judged ? ' <small>(on ' + A.esc(judged.name) + ')</small>' : '') });
    cols.push({ head: reps > 1 ? 'requests (mean per replication)' : 'requests', num: true });
    var rows = variants.map(function (v, i) {
      var s = v.summary || {};
      var row = [labelCell(v, d.folders && d.folders[i])];
      if (changesSay) {
        var ch = Object.keys(v.set || {}).map(function (p) { return A.esc(p + '=' + (typeof v.set[p] === 'string' ? v.set[p] : JSON.stringify(v.set[p]))); });
        // The --set common to every variant is in the header; a variant's own are listed here.
        variantOverrides(v).forEach(function (o) {
          if (ch.indexOf(A.esc(o)) < 0 && common.indexOf(o) < 0) ch.push('<code>--set ' + A.esc(o) + '</code>');
        });
        row.push(ch.join('<br>'));
      }
      var total = A.numAt(s, 'requests.total'), failed = A.numAt(s, 'requests.failed');
      row.push(A.withCi(s, 'availability', A.numAt(s, 'availability'), true), total > 0 ? A.pct(failed / total) : '\u2013',
               A.withCi(s, 'latency_ms.p99', A.numAt(s, 'latency_ms.p99'), false));
      if (all) row.push(A.num(A.numAt(s, 'latency_all_ms.p99')));
      if (lb) {
        var c = (s.components || {})[lb.id] || {};
        row.push(lb.backends.map(function (b) { return c.share && typeof c.share[b] === 'number' ? A.num(c.share[b] * 100, 3) : '\u2013'; }).join('/'),
                 typeof c.imbalance_cv === 'number' ? A.num(c.imbalance_cv, 3) : '\u2013');
      }
      pops.forEach(function (p) {
        var f = p.figures(s);
        var t = A.numAt(f, 'requests'), bad = A.numAt(f, 'failed');
        row.push(A.num(A.numAt(f, 'latency_ms.p99')), t > 0 && !isNaN(bad) ? A.pct(bad / t) : '\u2013');
      });
      var met = s.slo && typeof s.slo.met === 'boolean' ? (s.slo.met ? '<span class="pass">met</span>' : '<span class="fail">missed</span>') : '\u2013';
      row.push(A.num(A.numAt(s, 'latency_ms.p50')), A.num(A.numAt(s, 'throughput_rps')), A.num(A.numAt(s, 'cost.total_usd')));
      if (slo) row.push(met);
      row.push(A.count(total));
      return row;
    });
    var note = 'Availability and the failed share first: a variant whose p99 of successful requests looks better while more ' +
               'requests fail is not better (every request\u2019s p99, when recorded, counts the failed ones at the time they failed).';
    if (pops.length)
      note += ' The first columns mix every client; the p99 and failed share of each population follow' +
              (judged ? ', and the SLO is judged on ' + judged.name + ' only: its verdict says nothing of the others.' : '.');
    A.table(cols, rows, note, root);
  }

  // The populations a comparison tells apart: the SLO's requests when its scope is not one
  // whole client, then each client when there are several (a client's entry and the SLO's
  // population both carry requests, failed and latency_ms).
  function populations(variants) {
    var s = variants.length ? variants[0].summary || {} : {};
    var pop = s.slo && s.slo.population && typeof s.slo.population === 'object' ? s.slo.population : null;
    var scoped = pop && pop.scoped;
    var clients = A.clients(s).filter(function (c) { return A.objectAt(s.components[c], 'latency_ms'); });
    var whole = scoped && !(pop.routes || []).length && (pop.clients || []).length === 1 ? pop.clients[0] : null;
    if (!scoped && clients.length === 1 && s.slo && typeof s.slo.met === 'boolean') whole = clients[0];
    var out = [];
    if (scoped && !whole)
      out.push({ name: 'the SLO\u2019s requests', judged: true, figures: function (x) { return (x.slo && x.slo.population) || {}; } });
    if (clients.length > 1 || out.length)
      clients.forEach(function (c) {
        out.push({ name: c, judged: c === whole, figures: function (x) {
          var e = (x.components || {})[c] || {};
          return { requests: (e.ok || 0) + (e.failed || 0), failed: e.failed, latency_ms: e.latency_ms };
        } });
      });
    return out;
  }

  // The figures of the components a --vary changed (the id before the first dot of each varied
  // path), as each declared them (its page headlines), one row per variant, and a small chart
  // per figure that differs between variants: what the what-if is about, beside the run-wide
  // latency (a cache's protection shows in its backend reads, not in the clients' p99).
  function variedSection(d, root) {
    var variants = d.compare.variants;
    var s0 = variants.length ? variants[0].summary || {} : {};
    var ids = [];
    variants.forEach(function (v) {
      Object.keys(v.set || {}).forEach(function (p) {
        var id = p.split('.')[0];
        if (ids.indexOf(id) < 0 && s0.components && A.objectAt(s0.components[id], 'page')) ids.push(id);
      });
    });
    var figs = [];
    ids.forEach(function (id) {
      (s0.components[id].page.headlines || []).forEach(function (h) {
        var values = variants.map(function (v) { return A.numAt(v.summary || {}, 'components.' + id + '.' + h.figure); });
        var shown = values.filter(function (x) { return !isNaN(x); });
        if (shown.length && shown.some(function (x) { return x !== shown[0]; }))
          figs.push({ id: id, figure: h.figure, label: id + ' ' + h.label, unit: h.unit || '', values: values });
      });
    });
    if (!figs.length) return 0;
    A.section('varied', 'What the varied components did', root);
    var fmt = function (f, x) { return isNaN(x) ? '\u2013' : f.unit === 'pct' ? A.pct(x) : f.unit === 'ms' ? A.num(x) + ' ms' : A.count(x); };
    A.table([{ head: 'variant' }].concat(figs.map(function (f) { return { head: A.esc(f.label), num: true }; })),
            variants.map(function (v, i) {
              return ['<strong>' + A.esc(v.label) + '</strong>'].concat(figs.map(function (f) { return A.esc(fmt(f, f.values[i])); }));
            }),
            'The figures each varied component declares of itself that differ between the variants, over the measured run.', root);
    var grid = A.node('div', 'multiples', null, root);
    figs.forEach(function (f, k) {
      var panel = { labels: ['variant', f.label], rows: f.values.map(function (x, i) { return [i + 1, isNaN(x) ? null : x]; }),
                    time_x: false, xlabel: 'variant', xunit: '', dots: true, ylabel: f.label, percent: f.unit === 'pct',
                    point_labels: variants.map(function (v) { return v.label; }) };
      A.smallFigure('varied-' + k, f.label + ' per variant', variants.map(function (v, i) { return (i + 1) + ': ' + A.esc(v.label); }).join(' \u00b7 '),
                    panel, { unit: '', small: true }, grid);
    });
    return figs.length;
  }

  // Which alarms fired in each variant, and when (times in the run's unit).
  function alarmsTable(d, root) {
    var variants = d.compare.variants;
    // The rules in the order they first fired in any variant; those that never fired last, in
    // the scenario's order.
    var names = [], first = {};
    variants.forEach(function (v) {
      var r = (v.summary || {}).availability_report || {};
      (r.alert_rules || []).concat(r.alerts || []).forEach(function (a) {
        if (names.indexOf(a.alert) < 0) names.push(a.alert);
        if (typeof a.fired_s === 'number' && !(first[a.alert] <= a.fired_s)) first[a.alert] = a.fired_s;
      });
    });
    if (!names.length) return;
    var order = names.slice();
    names.sort(function (a, b) {
      var fa = a in first ? first[a] : Infinity, fb = b in first ? first[b] : Infinity;
      return fa !== fb ? (fa < fb ? -1 : 1) : order.indexOf(a) - order.indexOf(b);
    });
    A.section('alarms', 'Alarms per variant', root);
    var rows = variants.map(function (v) {
      var r = (v.summary || {}).availability_report || {};
      return ['<strong>' + A.esc(v.label) + '</strong>'].concat(names.map(function (name) {
        var times = (r.alerts || []).filter(function (a) { return a.alert === name; }).map(function (a) {
          return A.duration(a.fired_s) + (typeof a.resolved_s === 'number' ? '\u2013' + A.duration(a.resolved_s) : ' on');
        });
        return times.length ? A.esc(times.join(', ')) : '<span class="detail">did not fire</span>';
      }));
    });
    A.table([{ head: 'variant' }].concat(names.map(function (n, k) { return { head: '<span class="disc">' + (k + 1) + '</span> ' + A.esc(n) }; })),
            rows, 'When each alarm fired in each variant (from\u2013to, from the start of the run; \u201con\u201d: still firing at the end), ' +
            'numbered in the order they first fired in any variant.', root);
  }

  // With a numeric --vary: every request's p99 and the failed share, and each data-tier
  // component's headline figures, against the varied number (one line per combination of
  // the other varied values).
  function whatifExtras(d, root) {
    var x = d.whatif_x;
    if (!x) return 0;
    var variants = d.compare.variants;
    var groups = [];
    variants.forEach(function (v) {
      var set = v.set || {};
      if (typeof set[x] !== 'number') return;
      var key = Object.keys(set).filter(function (p) { return p !== x; }).map(function (p) { return p + '=' + JSON.stringify(set[p]); }).join(' ') || 'all variants';
      var g = groups.filter(function (gr) { return gr.key === key; })[0];
      if (!g) groups.push(g = { key: key, points: [] });
      g.points.push({ x: set[x], s: v.summary || {} });
    });
    var xs = [];
    groups.forEach(function (g) { g.points.forEach(function (p) { if (xs.indexOf(p.x) < 0) xs.push(p.x); }); });
    xs.sort(function (a, b) { return a - b; });
    function panel(value, ylabel, percent) {
      var rows = xs.map(function (xv) {
        return [xv].concat(groups.map(function (g) {
          var p = g.points.filter(function (q) { return q.x === xv; })[0];
          var v = p ? value(p.s) : NaN;
          return isNaN(v) ? null : v;
        }));
      });
      return { labels: [x].concat(groups.map(function (g) { return g.key; })), rows: rows, time_x: false, xlabel: x, xunit: '',
               dots: true, connect: true, ylabel: ylabel, percent: !!percent };
    }
    var charts = [];
    var failedShare = function (s) { var t = A.numAt(s, 'requests.total'); return t > 0 ? A.numAt(s, 'requests.failed') / t : NaN; };
    charts.push({ id: 'whatif-failed', title: 'Failed share against ' + x, panel: panel(failedShare, 'failed', true) });
    if (variants.some(function (v) { return v.summary && v.summary.latency_all_ms; }))
      charts.push({ id: 'whatif-p99-all', title: 'p99 of every request against ' + x,
                    panel: panel(function (s) { return A.numAt(s, 'latency_all_ms.p99'); }, 'p99, every request (ms)') });
    var first = variants.length ? variants[0].summary || {} : {};
    Object.keys(first.components || {}).forEach(function (id) {
      A.dataTierHeadlines(first.components[id]).forEach(function (h, k) {
        charts.push({ id: 'whatif-' + id + '-' + k, title: id + ': ' + h[1] + ' against ' + x,
                      panel: panel(function (s) { return A.numAt(s, 'components.' + id + '.' + h[0]); }, h[1], h[2]) });
      });
    });
    // A figure that is zero (or absent) in every variant says nothing against the varied number.
    charts = charts.filter(function (c) { return c.panel.rows.some(function (r) { return r.slice(1).some(function (v) { return v !== null && v !== 0; }); }); });
    if (!charts.length) return 0;
    A.section('whatif-more', 'What else changed with ' + x, root);
    A.node('p', null, 'Beside p99 and availability: the share of requests that failed, every request\u2019s p99 when the runs recorded it, ' +
           'and the headline figures each component declared for such plots, one point per variant.', root);
    var grid = A.node('div', 'multiples', null, root);
    charts.forEach(function (c) { A.smallFigure(c.id, c.title, '', c.panel, { unit: '', small: true }, grid); });
    return charts.length;
  }

  A.comparePage = function (d, root) {
    var cmp = d.compare;
    var variants = cmp.variants || [];
    var s0 = variants.length ? variants[0].summary || {} : {};
    var scenario = cmp.scenario || s0.scenario || 'archsim comparison';
    var h = A.node('header', 'top', null, root);
    var inner = A.node('div', 'inner', null, h);
    A.node('h1', null, A.esc(scenario) + ': comparison', inner);
    if (s0.description) A.node('p', null, A.esc(s0.description), inner);
    if (variants.length) {
      var meta = variants.length + ' variants \u00b7 seed ' + A.valueHtml(s0.seed) + ' (common random numbers: every variant sees the same arrivals)';
      if (s0.replications !== undefined) meta += ' \u00b7 ' + A.valueHtml(s0.replications) + ' replications each';
      A.node('p', 'meta', meta, inner);
    }
    var common = Array.isArray(cmp.overrides) ? cmp.overrides : [];
    if (common.length) inner.insertAdjacentHTML('beforeend', A.overridesHtml(common));
    var main = A.node('main', null, null, root);
    A.section('variants', 'Variants', main);
    variantsTable(d, main);
    variedSection(d, main);
    alarmsTable(d, main);
    A.section('charts', 'Charts', main);
    A.staticNotice(d, main);
    (d.same || []).forEach(function (x) {
      A.notice(x.what === 'cost' ? 'Cost is $' + A.esc(A.num(x.value)) + ' in every variant, so it is not charted.'
                                 : 'Availability is ' + A.esc(A.pct(x.value)) + ' in every variant, so it is not charted.', main);
    });
    var view = A.view(d, null);
    d.charts.forEach(function (c) {
      if (c.name === 'compare_cdf' && c.panels.length) variants.forEach(function (v) {
        if (v.summary && v.summary.latency_all_ms) A.addPercentiles(c.panels[0], v.summary.latency_all_ms, v.label + ', every request');
      });
      A.figure(c, view, main);
    });
    whatifExtras(d, main);
    A.node('footer', null, 'Written by archsim from <code>compare.json</code> and each variant\u2019s <code>latency_cdf.csv</code> and ' +
           '<code>timeseries.csv</code>; redraw with <code>archsim report DIR</code>, or edit a script in <code>charts/</code> and run ' +
           '<code>gnuplot NAME.gp</code> there.', main);
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
