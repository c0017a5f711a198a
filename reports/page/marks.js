// marks.js -- what every time chart marks under its lines, as Grafana's annotations do: the
// warm-up (grey), faults (orange bands), rollouts (blue bands and ticks), scale events
// (purple ticks at the bottom), alert firings as numbered markers (a dashed line where the
// rule fired, a red bar along the top while it fired, its number in a disc) named in a legend
// under the chart, and OOM kills as badges. Numbers, not text labels: six alarms in a few
// minutes would overprint one another.
(function (A) {
  'use strict';
  var fills = { warmup: 'rgba(200,200,200,0.45)', fault: 'rgba(245,150,100,0.35)', episode: 'rgba(140,185,230,0.35)' };
  var inks = { warmup: '#777777', fault: '#A0410D', episode: '#1F5F99' };
  var strokes = { step: '#1F5F99', scale: '#7B3294' };
  A.alertRed = '#C00000';
  A.oomInk = '#6A3D9A';

  // The alert rules of a summary, numbered 1.. in the order they first fire (the rules that
  // never fired after them, in the scenario's order), each with its firings {from, to} in the
  // page's time unit (to = the end of the run while still firing).
  A.alertIndex = function (summary, time) {
    var report = (summary && summary.availability_report) || {};
    var rules = [];
    var byName = {};
    function rule(name) {
      if (!(name in byName)) {
        byName[name] = rules.length;
        rules.push({ n: rules.length + 1, name: name, def: null, firings: [] });
      }
      return rules[byName[name]];
    }
    var end = time && time.end !== null && time.end !== undefined ? time.end : null;
    var fired = (report.alerts || []).filter(function (a) { return typeof a.fired_s === 'number'; });
    fired = fired.map(function (a, i) { return [a, i]; }).sort(function (x, y) {
      return x[0].fired_s - y[0].fired_s || x[1] - y[1];
    });
    fired.forEach(function (x) {
      var a = x[0];
      var to = typeof a.resolved_s === 'number' ? a.resolved_s / time.div : end;
      rule(a.alert).firings.push({ from: a.fired_s / time.div, to: to, resolved: typeof a.resolved_s === 'number' });
    });
    (report.alert_rules || []).forEach(function (r) { rule(r.alert).def = r; });
    return rules;
  };

  // OOM kills from the series (oom_kills per window, per component): one mark per window
  // that had any, {x, who, count}.
  A.oomMarks = function (series) {
    var out = [];
    if (!series || !series.by) return out;
    Object.keys(series.by).forEach(function (c) {
      var v = series.by[c].oom_kills;
      if (!v) return;
      for (var i = 0; i < v.length; ++i)
        if (v[i] !== null && v[i] > 0) out.push({ x: series.t[i], who: c, count: v[i] });
    });
    return out;
  };

  function disc(ctx, x, y, text, colour) {
    ctx.setLineDash([]);
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 10px sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(text, x, y + 3.5);
    ctx.textAlign = 'start';
  }

  // The underlay of a time chart: `view` says what to draw ({marks, alerts (from
  // alertIndex), only (a rule number: just that rule's firings, shaded), ooms, hlines,
  // slo_p99_ms, slo_x, slo_x_label}).
  A.underlay = function (p, view) {
    return function (ctx, area, g) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.x, area.y, area.w, area.h);
      ctx.clip();
      ctx.font = '11px sans-serif';
      var row = {};
      if (p.time_x && view.marks) view.marks.forEach(function (m) {
        if (m.kind === 'alert' || m.kind === 'resolved') return;  // drawn from the alert index below
        var x0 = g.toDomXCoord(m.from), x1 = g.toDomXCoord(m.to);
        var n = row[m.kind] = (row[m.kind] || 0) + 1;
        if (fills[m.kind]) {
          ctx.fillStyle = fills[m.kind];
          ctx.fillRect(x0, area.y, Math.max(2, x1 - x0), area.h);
          if (m.label && n <= 6 && !view.small) {
            ctx.fillStyle = inks[m.kind];
            ctx.fillText(m.label, x0 + 3, area.y + (m.kind === 'warmup' ? area.h - 6 : 26 + 13 * ((n - 1) % 3)));
          }
          return;
        }
        ctx.strokeStyle = strokes[m.kind];
        ctx.lineWidth = 2;
        ctx.setLineDash([]);
        ctx.beginPath();
        var top = m.kind === 'scale' ? area.y + area.h - 12 : area.y;
        var bottom = m.kind === 'step' ? area.y + 12 : area.y + area.h;
        ctx.moveTo(x0, top);
        ctx.lineTo(x0, bottom);
        ctx.stroke();
        if (m.label && n <= 24 && !view.small) {
          ctx.fillStyle = strokes[m.kind];
          ctx.fillText(m.label, x0 + 3, m.kind === 'scale' ? top - 3 : bottom + 11);
        }
      });
      if (p.time_x && view.alerts) view.alerts.forEach(function (r) {
        if (view.only && view.only !== r.n) return;
        r.firings.forEach(function (f, k) {
          var x0 = g.toDomXCoord(f.from), x1 = g.toDomXCoord(f.to === null ? f.from : f.to);
          if (view.only) {  // the rule's own chart: its firing windows shaded
            ctx.fillStyle = 'rgba(192,0,0,0.13)';
            ctx.fillRect(x0, area.y, Math.max(2, x1 - x0), area.h);
          }
          if (!view.small || view.only) {
            ctx.fillStyle = 'rgba(192,0,0,0.55)';
            ctx.fillRect(x0, area.y, Math.max(2, x1 - x0), 4);
          }
          ctx.strokeStyle = A.alertRed;
          ctx.lineWidth = 1.2;
          ctx.setLineDash([6, 4]);
          ctx.beginPath();
          ctx.moveTo(x0, area.y);
          ctx.lineTo(x0, area.y + area.h);
          ctx.stroke();
          // Discs of firings close together step down so that each number stays legible; a
          // small chart keeps the lines only, but for the rule it is about.
          if (view.only) disc(ctx, x0, area.y + 13, String(r.n), A.alertRed);
          else if (!view.small) disc(ctx, x0, area.y + 13 + 17 * ((r.n - 1) % 4), String(r.n), A.alertRed);
        });
      });
      if (p.time_x && view.ooms && !view.only) view.ooms.forEach(function (o) {
        var x = g.toDomXCoord(o.x);
        ctx.setLineDash([]);
        ctx.fillStyle = A.oomInk;
        ctx.beginPath();
        ctx.moveTo(x, area.y + area.h - 34);
        ctx.lineTo(x - 6, area.y + area.h - 22);
        ctx.lineTo(x + 6, area.y + area.h - 22);
        ctx.closePath();
        ctx.fill();
      });
      (view.hlines || []).forEach(function (h) {
        var y = g.toDomYCoord(h.y, 0);
        ctx.strokeStyle = h.color || A.alertRed;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([8, 3, 2, 3]);
        ctx.beginPath();
        ctx.moveTo(area.x, y);
        ctx.lineTo(area.x + area.w, y);
        ctx.stroke();
        ctx.fillStyle = h.color || A.alertRed;
        ctx.fillText(h.label, area.x + 4, y - 4 < area.y + 10 ? y + 12 : y - 4);
      });
      if (p.slo_x !== undefined && p.slo_x !== null) {
        var xs = g.toDomXCoord(p.slo_x);
        ctx.strokeStyle = A.alertRed;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([8, 3, 2, 3]);
        ctx.beginPath();
        ctx.moveTo(xs, area.y);
        ctx.lineTo(xs, area.y + area.h);
        ctx.stroke();
        ctx.fillStyle = A.alertRed;
        ctx.fillText(p.slo_x_label || 'SLO', xs + 4, area.y + 12);
      }
      ctx.restore();
    };
  };

  // The legend of the numbered markers under a time chart ("1 Pool exhausted: fired 13.3 min,
  // resolved 30.1 min"), and of the OOM badges; null when the chart has none.
  A.markerLegend = function (alerts, ooms, unit, only) {
    var items = [];
    (alerts || []).forEach(function (r) {
      if (!r.firings.length || (only && only !== r.n)) return;
      var when = r.firings.map(function (f) {
        return A.num(f.from, 3) + (f.resolved ? '\u2013' + A.num(f.to, 3) : ' on') + ' ' + unit;
      });
      if (when.length > 4) when = when.slice(0, 3).concat(['and ' + (when.length - 3) + ' more']);
      items.push('<li><span class="num">' + r.n + '</span>' + A.esc(r.name) + ': fired ' + A.esc(when.join(', ')) + '</li>');
    });
    if (ooms && ooms.length && !only) {
      var per = {};
      ooms.forEach(function (o) { per[o.who] = (per[o.who] || 0) + o.count; });
      items.push('<li><span class="num oom">\u25b2</span>OOM kills: ' + Object.keys(per).map(function (w) {
        return A.esc(w) + ' \u00d7' + A.count(per[w]);
      }).join(', ') + '</li>');
    }
    if (!items.length) return null;
    var ul = document.createElement('ul');
    ul.className = 'marker-legend';
    ul.innerHTML = items.join('');
    return ul;
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
