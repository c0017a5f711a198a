// metastability.js -- the page of `archsim metastability` (reports/html_metastability.h):
// the verdict rule, the maps (load against trigger size, a row of maps per trigger duration,
// one map per mitigation side by side), the recovery times, and goodput (and goodput in
// deadline) against offered work over time for the cells chosen at each map's boundary, with
// the sustaining effect's series beside a cell that stays failed. Each map and chart holder
// carries data-points="N" (the cells or points drawn; the browser check fails on 0).
(function (A) {
  'use strict';

  var words = { recovers: 'recovers', recovers_slowly: 'recovers slowly', stays_failed: 'stays failed',
                failed_before: 'failed before the trigger' };

  function cellText(c, reps) {
    var rec = A.num(c.recovery_s ? c.recovery_s.mean : 0) + ' s';
    var t = c.verdict === 'recovers' ? 'ok ' + rec : c.verdict === 'recovers_slowly' ? 'slow ~' + rec
          : c.verdict === 'stays_failed' ? 'FAILED' : 'over';
    var share = c.share ? c.share[c.verdict] : 1;
    if (reps > 1) t += '<br><span class="detail">' + Math.round(share * reps) + '/' + reps + '</span>';
    return t;
  }

  function mapTable(m, meta, parent) {
    var ax = meta.axes.x, ay = meta.axes.y, reps = meta.replications || 1;
    var box = A.node('div', 'meta-map', null, parent);
    box.id = 'map-' + m.index;
    A.node('h4', null, m.mitigation === 'none' ? 'no mitigation' : 'mitigation: ' + A.esc(m.mitigation), box);
    var html = '<table class="map"><tr><th>' + (ay ? A.esc(ay.path) + ' \u2193 / ' : '') + (ax ? A.esc(ax.path) + ' \u2192' : '') + '</th>';
    m.grid[0].forEach(function (_, x) { html += '<th>' + (ax ? A.esc(ax.values[x]) : '') + '</th>'; });
    html += '</tr>';
    var cells = 0;
    m.grid.forEach(function (row, y) {
      html += '<tr><th>' + (ay ? A.esc(ay.values[y]) : '') + '</th>';
      row.forEach(function (i) {
        var c = meta.cells[i];
        if (!c) { html += '<td></td>'; return; }
        ++cells;
        var tip = c.label + ': ' + words[c.verdict];
        if (c.sustaining && c.verdict === 'stays_failed')
          tip += ' (' + c.sustaining.name + ' ' + A.num(c.sustaining.before) + ' \u2192 ' + A.num(c.sustaining.after) + ')';
        html += '<td class="cell ' + c.verdict + '" title="' + A.esc(tip) + '">' + cellText(c, reps) + '</td>';
      });
      html += '</tr>';
    });
    box.insertAdjacentHTML('beforeend', html + '</table>');
    box.setAttribute('data-points', String(cells));
  }

  function overTime(c, i, meta, parent) {
    var s = c.series;
    if (!s || !s.time_s || !s.time_s.length) return;
    var fig = A.node('figure', null, null, parent);
    A.node('p', 'ichart-title', '<strong>' + A.esc(c.label) + '</strong> \u2014 ' + words[c.verdict], fig);
    var holder = A.node('div', 'ichart', null, fig);
    holder.id = 'ichart-cell-' + i;
    var inTime = s.goodput_in_deadline_rps || s.goodput_rps;
    var rows = s.time_s.map(function (t, i) { return [t, s.goodput_rps[i], inTime[i], s.offered_rps[i], s.attempts_rps[i]]; });
    var view = { unit: 's', end: s.time_s[s.time_s.length - 1], small: false,
                 marks: [{ kind: 'fault', from: c.trigger.start_s, to: Math.max(c.trigger.end_s, c.trigger.start_s + 0.001),
                           label: 'trigger (' + meta.trigger + ')' }] };
    A.drawPanel(holder, { labels: ['time_s', 'answers (ok/s)', 'goodput in deadline (/s)', 'offered (new requests/s)',
                                   'attempts/s'],
                          rows: rows, ylabel: 'per second', time_x: true }, view);
    if (s.effect && s.effect.values) {
      // The sustaining effect's own series, on its own axis: what keeps the cell down.
      var eh = A.node('div', 'ichart', null, fig);
      eh.id = 'ichart-cell-' + i + '-effect';
      A.drawPanel(eh, { labels: ['time_s', s.effect.name], ylabel: s.effect.name, time_x: true,
                        rows: s.time_s.map(function (t, k) { return [t, s.effect.values[k]]; }) }, view);
    }
    var eff = c.sustaining ? ' The sustaining effect measured: ' + A.esc(c.sustaining.name) + ', ' + A.num(c.sustaining.before) +
              ' before the trigger and ' + A.num(c.sustaining.after) + ' late in the verdict window.' : '';
    A.node('figcaption', null, 'Replication 1. The shaded band is the trigger; the run is followed from its end to ' +
           A.num(c.window.end_s) + ' s. Goodput in deadline that stays below the offered load after the band, while ' +
           'attempts stay above it or the sustaining effect stays where the trigger left it, is the hysteresis of a ' +
           'metastable failure.' + eff, fig);
  }

  A.metastabilityPage = function (d, root) {
    var meta = d.meta;
    var h = A.node('header', 'top', null, root);
    var inner = A.node('div', 'inner', null, h);
    A.node('h1', null, A.esc(meta.scenario) + ' \u2014 metastability map', inner);
    A.node('p', 'meta', 'trigger <code>' + A.esc(meta.trigger) + '</code> \u00b7 seed ' + A.valueHtml(meta.seed) + ' \u00b7 ' +
           A.valueHtml(meta.replications) + ' replication(s) per cell \u00b7 ' + meta.cells.length + ' cells', inner);
    if (meta.overrides && meta.overrides.length) inner.insertAdjacentHTML('beforeend', A.overridesHtml(meta.overrides));
    var main = A.node('main', null, null, root);
    A.section('verdict', 'The verdict', main);
    A.node('p', null, 'A cell ' + A.esc(meta.verdict_rule.text) + ' (fraction ' + A.num(meta.verdict_rule.fraction) + '). ' +
           '<strong>ok N s</strong>: recovers N s after the trigger ends; <strong>slow ~N s</strong>: still coming back ' +
           'when the span followed ends, projected back N s after the trigger ends; <strong>FAILED</strong>: stays failed; ' +
           '<strong>over</strong>: failed before the trigger (beyond capacity). Hover a cell for its sustaining effect.', main);
    A.section('maps', 'Maps', main);
    // Maps sharing their fixed values (a trigger duration) sit in one row, one per mitigation.
    var groups = [], byLabel = {};
    meta.maps.forEach(function (m, k) {
      m.index = k;
      if (!(m.label in byLabel)) { byLabel[m.label] = groups.length; groups.push({ label: m.label, maps: [] }); }
      groups[byLabel[m.label]].maps.push(m);
    });
    groups.forEach(function (g) {
      if (g.label) A.node('h3', null, A.esc(g.label), main);
      var row = A.node('div', 'map-row', null, main);
      g.maps.forEach(function (m) { mapTable(m, meta, row); });
    });
    A.section('recovery', 'Recovery times', main);
    var rec = meta.cells.filter(function (c) { return c.verdict === 'recovers' || c.verdict === 'recovers_slowly'; });
    if (!rec.length) A.notice('No cell recovers.', main);
    else {
      var t = '<div class="table-wrap"><table class="wide"><tr><th>cell</th><th>verdict</th><th>recovery s (mean)</th>' +
              '<th>max</th><th>share</th></tr>';
      rec.forEach(function (c) {
        t += '<tr><td>' + A.esc(c.label) + '</td><td>' + words[c.verdict] + (c.verdict === 'recovers_slowly' ? ' (projected)' : '') +
             '</td><td class="num">' + A.num(c.recovery_s.mean) + '</td><td class="num">' +
             A.num(c.recovery_s.max) + '</td><td class="num">' + A.pct(c.share[c.verdict]) + '</td></tr>';
      });
      main.insertAdjacentHTML('beforeend', t + '</table></div>');
    }
    A.section('over-time', 'Goodput and offered work over time', main);
    if (d.library && !d.library.present)
      A.notice('Interactive charts are off: the dygraphs library was not found at <code>' + A.esc(d.library.path) +
               '</code>; the series are in <code>metastability.json</code> (cells[].series).', main);
    var grid = A.node('div', 'multiples', null, main);
    meta.cells.forEach(function (c, i) { if (c.series) overTime(c, i, meta, grid); });
    A.node('footer', null, 'Written by archsim from <code>metastability.json</code>; redraw with <code>archsim report DIR</code>. ' +
           'Each cell\u2019s runs are in <code>jobs/</code> (reused by <code>--resume</code>).', main);
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
