// alerts.js -- why each alarm fired: for every alert rule of the scenario
// (availability_report.alert_rules), a small chart of the series it watches with its
// threshold as a line and the windows in which it fired shaded, numbered as the markers on
// the time charts; then each firing with its times. A summary written before the rules were
// recorded gets the firings alone.
(function (A) {
  'use strict';

  // A series of the page's store by its alert name "<component>.<metric>"; a derived
  // "<c>.availability" absent from the store is computed as the alert evaluator does:
  // completed / (completed + failed) per window.
  A.seriesByName = function (store, name) {
    if (!store || !store.by) return null;
    var dot = name.lastIndexOf('.');
    if (dot < 0) return null;
    var c = name.slice(0, dot), m = name.slice(dot + 1);
    var got = store.by[c] && store.by[c][m];
    if (got) return got;
    if (m === 'availability' && store.by[c] && store.by[c].throughput_rps && store.by[c].errors_rps) {
      var ok = store.by[c].throughput_rps, bad = store.by[c].errors_rps;
      return ok.map(function (v, i) {
        if (v === null || bad[i] === null || v + bad[i] <= 0) return null;
        return v / (v + bad[i]);
      });
    }
    return null;
  };

  A.hasPoints = function (values) {
    return !!values && values.some(function (v) { return v !== null && v !== undefined; });
  };

  function ruleText(def) {
    return def.metric + ' ' + def.op + ' ' + A.num(def.threshold) + (def.for_s > 0 ? ' for ' + A.duration(def.for_s) : '');
  }

  function firingsText(r, unit) {
    if (!r.firings.length) return 'Did not fire.';
    return '<ul class="firings">' + r.firings.map(function (f) {
      return '<li>fired at ' + A.num(f.from, 3) + ' ' + unit + (f.resolved ? ', resolved at ' + A.num(f.to, 3) + ' ' + unit +
             ' (' + A.num(f.to - f.from, 3) + ' ' + unit + ')' : ', still firing at the end') + '</li>';
    }).join('') + '</ul>';
  }

  A.alertsSection = function (d, view, root) {
    var s = d.summary;
    var a = s.availability_report || {};
    var rules = view.alerts || [];
    if (rules.length) {
      A.node('h3', null, 'Alerts: each rule\u2019s series against its threshold', root);
      A.node('p', null, 'Each rule\u2019s series as the rule read it (one value per window), its threshold (dash-dot line) and the ' +
             'windows in which it fired (shaded). The numbers are those of the markers on the time charts.', root);
      var grid = A.node('div', 'multiples', null, root);
      grid.id = 'alert-charts';
      rules.forEach(function (r) {
        var values = r.def ? A.seriesByName(d.series, r.def.metric) : null;
        var title = r.name;
        var cap = (r.def ? '<code>' + A.esc(ruleText(r.def)) + '</code>. ' : '') + firingsText(r, view.unit);
        if (r.def && A.hasPoints(values)) {
          var panel = { labels: ['time', r.def.metric], rows: d.series.t.map(function (t, i) { return [t, values[i]]; }),
                        time_x: true, ylabel: r.def.metric.slice(r.def.metric.lastIndexOf('.') + 1) };
          var own = { unit: view.unit, end: view.end, marks: view.marks, alerts: rules, only: r.n, small: true,
                      hlines: [{ y: r.def.threshold, label: 'threshold ' + r.def.op + ' ' + A.num(r.def.threshold) }] };
          var f = A.smallFigure('alert-' + r.n, title, cap, panel, own, grid);
          f.head.innerHTML = '<span class="alert-head"><span class="disc">' + r.n + '</span><strong>' +
                             A.esc(title) + '</strong></span>';
        } else {
          var fig = A.node('figure', null, '<p class="ichart-title"><span class="alert-head"><span class="disc">' +
                           r.n + '</span><strong>' + A.esc(title) + '</strong></span></p>', grid);
          A.node('figcaption', null, cap + (r.def ? ' Its series has no value in the run\u2019s files (a series that stayed at zero may be left out).' :
                 ' The run\u2019s summary does not record the rule, so its series is not drawn (rerun to get it).'), fig);
        }
      });
    }
    if (Array.isArray(a.alert_replications) && a.alert_replications.length) {
      A.node('h3', null, 'Alerts over the replications', root);
      A.table(['alert', 'replications it fired in', 'firings per replication', 'first firing: mean', 'earliest', 'latest']
                .map(function (h, i) { return { head: h, num: i > 0 }; }),
              a.alert_replications.map(function (x) {
                var f = x.first_fired_s || {};
                return [A.esc(x.alert), A.count(x.replications_fired) + ' of ' + A.count(x.replications), A.num(x.firings_per_replication, 3),
                        A.duration(f.mean), A.duration(f.min), A.duration(f.max)];
              }), 'Over all the replications; the charts above and their marks are the first replication\u2019s.', root);
    }
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
