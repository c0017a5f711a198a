// run_head.js -- the top of a run page: the header (scenario, seed, duration, the --set
// overrides that made this what-if), the SLO verdict with the population it judges, the
// headline cards (each saying whom it covers), and the requests and latency tables, where
// the latency of every finished request stands beside that of the successful ones.
(function (A) {
  'use strict';

  A.clients = function (s) {
    var out = [];
    Object.keys((s && s.components) || {}).forEach(function (id) { if (s.components[id].type === 'client') out.push(id); });
    return out;
  };

  // The --set overrides of a run ("P=V" in order), from run.overrides.
  A.overrides = function (s) {
    var o = s && s.run && s.run.overrides;
    return Array.isArray(o) ? o : [];
  };
  A.overridesHtml = function (list) {
    if (!list.length) return '';
    return '<p class="overrides">What-if: ' + list.map(function (o) { return '<code>--set ' + A.esc(o) + '</code>'; }).join(' ') + '</p>';
  };

  // The population an SLO judges, in words ("clients users; routes course, auth"), from
  // slo.population (text, or {label} / {clients, routes}) or slo.clients / slo.routes; ""
  // when it judges every request.
  A.population = function (slo) {
    if (!slo || typeof slo !== 'object') return '';
    var p = slo.population !== undefined ? slo.population : slo.scope;
    if (typeof p === 'string') return p;
    if (p && typeof p === 'object' && p.scoped === false) return '';
    if (p && typeof p.label === 'string') return p.label;
    var src = p && typeof p === 'object' ? p : slo;
    var parts = [];
    ['clients', 'routes'].forEach(function (k) {
      if (Array.isArray(src[k]) && src[k].length) parts.push(k + ' ' + src[k].join(', '));
    });
    return parts.join('; ');
  };

  A.header = function (d, s, title, root) {
    var h = A.node('header', 'top', null, root);
    var inner = A.node('div', 'inner', null, h);
    A.node('h1', null, A.esc(title), inner);
    if (s.description) A.node('p', null, A.esc(s.description), inner);
    var meta = 'seed ' + A.valueHtml(s.seed);
    if (typeof s.duration_s === 'number') meta += ' \u00b7 simulated ' + A.esc(A.duration(s.duration_s));
    if (typeof s.warmup_s === 'number') meta += ' (warm-up ' + A.esc(A.duration(s.warmup_s)) + ' left out)';
    if (s.replications !== undefined) meta += ' \u00b7 ' + A.valueHtml(s.replications) + ' replications';
    A.node('p', 'meta', meta, inner);
    if (d.context_html) A.node('p', 'meta context', d.context_html, inner);
    var ov = A.overridesHtml(A.overrides(s));
    if (ov) inner.insertAdjacentHTML('beforeend', ov);
    return inner;
  };

  function objectiveText(o, words) {
    var label = words ? words.label : o.objective;
    var value, target;
    if (typeof o.value_ms === 'number' || typeof o.target_ms === 'number') {
      value = A.num(o.value_ms) + ' ms';
      target = '\u2264 ' + A.num(o.target_ms) + ' ms';
    } else if (o.objective === 'availability' && typeof o.target === 'number') {
      value = A.pct(o.value);
      target = '\u2265 ' + A.pct(o.target);
    } else if (o.objective === 'error_rate' && typeof o.target === 'number') {
      value = A.pct(o.value);
      target = '\u2264 ' + A.pct(o.target);
    } else {
      value = words ? words.value : A.valueHtml(o.value);
      target = words ? words.target : '';
    }
    if (o.value === null && o.value_ms === null && words) value = words.value;
    var out = A.esc(label) + ' ' + A.esc(value) + ', target ' + A.esc(target) + ': <span class="' +
              (o.met ? 'pass">met' : 'fail">missed') + '</span>';
    if (words && words.caveat) out += ' <small>(' + A.esc(words.caveat) + ')</small>';
    if (words && words.detail) out += ' <small>(' + A.esc(words.detail) + ')</small>';
    if (o.judged_on) out += ' <small>(' + A.esc(o.judged_on) + ')</small>';
    return out;
  }

  // Whole run against per window, in words: the objectives above are judged once over every
  // request of the measured run; the availability of time judges each window alone. Names the
  // periods whose windows miss, why, and how many of those held too few requests to say much
  // (html_slo_windows.h).
  function windowsText(s, w) {
    if (!w || !w.windows) return '';
    var win = A.duration(w.window_s);
    var out = '<p class="slo-windows"><strong>Whole run, and window by window.</strong> The objectives above are judged once, over ' +
              'every request of the measured run. The availability of time judges each ' + A.esc(win) + ' window on its own: ' +
              A.count(w.met) + ' of ' + A.count(w.windows) + ' windows (' + A.pct(w.met / w.windows) + ') meet both.';
    var periods = w.periods || [];
    if (!periods.length) return out + ' Every window meets them.</p>';
    var missed = 0, small = 0;
    periods.forEach(function (p) { missed += p.missed; small += p.small; });
    var list = periods.slice().sort(function (a, b) { return b.missed - a.missed || a.from_s - b.from_s; }).slice(0, 8)
      .sort(function (a, b) { return a.from_s - b.from_s; })
      .map(function (p) {
        var why = [];
        if (p.p99_over) why.push('p99 over in ' + A.count(p.p99_over));
        if (p.availability_under) why.push('availability under in ' + A.count(p.availability_under));
        return '<li>' + A.esc(A.duration(p.from_s)) + '\u2013' + A.esc(A.duration(p.to_s)) + ': ' + A.count(p.missed) + ' of ' +
               A.count(p.windows) + ' windows miss (' + A.esc(why.join(', ')) + '; ' + A.count(Math.round(p.requests_per_window)) +
               ' requests a window' + (p.small ? ', ' + A.count(p.small) + ' of the missed with fewer than ' + A.count(w.small_below) : '') + ')</li>';
      });
    out += ' The windows that miss, by period from the start of the run' + (periods.length > 8 ? ' (the 8 with most misses of ' + periods.length + ')' : '') +
           ':</p><ul class="slo-windows">' + list.join('') + '</ul>';
    if (small > 0)
      out += '<p class="slo-windows">' + A.count(small) + ' of the ' + A.count(missed) + ' windows that miss held fewer than ' +
             A.count(w.small_below) + ' of these requests: too few for a window to say much (fewer than 10 requests above its p99, ' +
             'and one failed request breaks ' + A.pct(A.numAt(s, 'availability_report.slo.availability')) + '). ' +
             (small * 2 > missed ? 'Most misses are such quiet windows, not slow or failing service: ' : '') +
             'a longer window (<code>window</code>) or the whole-run verdict reads them better.</p>';
    return out;
  }

  A.verdict = function (s, words, root, windows) {
    var slo = s.slo;
    if (!slo || typeof slo !== 'object' || !Object.keys(slo).length) {
      A.node('div', 'verdict none', '<strong>No SLO</strong> \u2014 the scenario sets no service level objective.', root);
      return;
    }
    var has = typeof slo.met === 'boolean';
    var items = [];
    if (Array.isArray(slo.objectives)) {
      slo.objectives.forEach(function (o, i) { items.push(objectiveText(o, words && words[i])); });
    } else {
      if (typeof slo.latency_p99_ms === 'number') {
        var p99 = A.numAt(s, 'latency_ms.p99');
        items.push('p99 latency ' + A.withCi(s, 'latency_ms.p99', p99, false) + ' ms, target \u2264 ' + A.num(slo.latency_p99_ms) +
                   ' ms: <span class="' + (p99 <= slo.latency_p99_ms ? 'pass">met' : 'fail">missed') + '</span>');
      }
      if (typeof slo.availability === 'number') {
        var av = A.numAt(s, 'availability');
        items.push('availability ' + A.withCi(s, 'availability', av, true) + ', target \u2265 ' + A.pct(slo.availability) +
                   ': <span class="' + (av >= slo.availability ? 'pass">met' : 'fail">missed') + '</span>');
      }
    }
    var who = A.population(slo);
    var head = !has ? 'SLO' : slo.met ? 'SLO met' : 'SLO missed';
    A.node('div', 'verdict ' + (!has ? 'none' : slo.met ? 'ok' : 'bad'),
           '<strong>' + head + '</strong>' + (who ? ' <span class="population-note">judged on ' + A.esc(who) + '</span>' : '') +
           '<ul>' + items.map(function (i) { return '<li>' + i + '</li>'; }).join('') + '</ul>' + windowsText(s, windows), root);
  };

  // One row of cards for a population: `f` holds requests/availability/latency as the
  // summary (or a client's or route's entry) does.
  function cardRow(f, reps, cost, root) {
    var total = A.numAt(f, 'requests.total'), failed = A.numAt(f, 'requests.failed');
    if (isNaN(total) && typeof f.requests === 'number') total = f.requests;
    if (isNaN(failed) && typeof f.failed === 'number') failed = f.failed;  // slo.population's own count
    var av = A.numAt(f, 'availability');
    if (isNaN(failed) && !isNaN(total) && !isNaN(av)) failed = Math.round(total * (1 - av));
    var share = total > 0 && !isNaN(failed) ? failed / total : NaN;
    var cards = A.card('availability', A.esc(A.pct(av)),
                       isNaN(total) ? '' : A.esc(A.count(failed) + ' failed of ' + A.count(total) + (reps > 1 ? ' (means per replication)' : '')));
    var good = A.numAt(f, 'throughput_rps');
    if (!isNaN(good)) cards += A.card('goodput', A.esc(A.num(good)), 'successful requests / s');
    cards += A.card('failed', A.esc(A.pct(share)), 'of the finished requests', share > 0.01 ? 'warn' : '');
    cards += A.card('p50 <small>successful</small>', A.esc(A.ms(A.numAt(f, 'latency_ms.p50'))), 'requests that succeeded');
    cards += A.card('p99 <small>successful</small>', A.esc(A.ms(A.numAt(f, 'latency_ms.p99'))), 'requests that succeeded');
    if (f.latency_all_ms) {
      cards += A.card('p99 <small>every request</small>', A.esc(A.ms(A.numAt(f, 'latency_all_ms.p99'))),
                      'failed ones at the time they failed', share > 0.01 ? 'warn' : '');
    }
    if (cost) cards += cost;
    A.node('div', 'cards population', cards, root);
  }

  // The headline: every request of every client, then (when the SLO names a population of
  // clients) that population's own row.
  A.cards = function (s, root) {
    var clients = A.clients(s);
    var reps = typeof s.replications === 'number' ? s.replications : 1;
    var whom = clients.length > 1 ? 'every request of every client (' + clients.join(', ') + ')'
                                  : clients.length ? 'every request of ' + clients[0] : 'every request';
    A.node('p', 'population-note', 'The cards cover ' + A.esc(whom) + '.', root);
    var cost = A.card('cost', '$' + A.esc(A.num(A.numAt(s, 'cost.total_usd'))),
                      '$' + A.esc(A.num(A.numAt(s, 'cost.per_million_requests_usd'))) + ' per million requests');
    cardRow(s, reps, cost, root);
    var slo = s.slo || {};
    var pop = slo.population;
    if (pop && typeof pop === 'object' && pop.scoped === true && pop.latency_ms) {
      // The SLO's own requests (summary.json slo.population), with their own figures.
      A.node('p', 'population-note', 'The SLO\u2019s population, ' + A.esc(A.population(slo)) + ':', root);
      cardRow(pop, reps, '', root);
      return;
    }
    var scope = (pop && pop.clients) || slo.clients;
    if (Array.isArray(scope) && scope.length === 1 && s.components && s.components[scope[0]] && clients.length > 1) {
      A.node('p', 'population-note', 'The SLO\u2019s population, ' + A.esc(scope[0]) + ' alone:', root);
      var c = s.components[scope[0]];
      cardRow({ requests: c.requests, availability: c.availability, throughput_rps: c.throughput_rps, latency_ms: c.latency_ms,
                latency_all_ms: c.latency_all_ms }, reps, '', root);
    }
  };

  A.requestsTable = function (s, root) {
    var reps = typeof s.replications === 'number' ? s.replications : 1;
    var r = s.requests || {};
    var total = r.total;
    function share(v) { return total > 0 && typeof v === 'number' ? A.pct(v / total) : ''; }
    var rows = [];
    [['sent', 'sent by clients'], ['total', 'finished'], ['ok', 'ok'], ['failed', 'failed'],
     ['in_flight', 'still in flight at the end']].forEach(function (k) {
      if (typeof r[k[0]] !== 'number') return;
      rows.push([k[1], A.count(r[k[0]]), k[0] === 'sent' || k[0] === 'in_flight' ? '' : share(r[k[0]])]);
    });
    Object.keys(r.by_cause || {}).forEach(function (cause) {
      var n = r.by_cause[cause];
      if (n === 0) return;  // summary.json lists every cause; the page only those that happened
      rows.push(['&nbsp;&nbsp;failed: ' + A.esc(cause), A.count(n), share(n)]);
    });
    Object.keys(r).forEach(function (k) {
      if (['sent', 'total', 'ok', 'failed', 'in_flight', 'by_cause'].indexOf(k) >= 0) return;
      rows.push([k === 'in_flight_at_warmup' ? 'in flight when the warm-up ended' : A.esc(k), A.valueHtml(r[k]), '']);
    });
    var count = reps > 1 ? 'mean count over ' + reps + ' replications' : 'count';
    return A.table([{ head: 'requests' }, { head: count, num: true }, { head: 'share', num: true }], rows, 'Requests (after warm-up)', root);
  };

  A.latencyTable = function (s, root) {
    var all = !!s.latency_all_ms;
    var rows = [];
    [['mean', 'mean'], ['p50', 'p50 (median)'], ['p90', 'p90'], ['p95', 'p95'], ['p99', 'p99'], ['p999', 'p99.9'], ['max', 'max']]
      .forEach(function (k) {
        var v = A.numAt(s, 'latency_ms.' + k[0]);
        var w = A.numAt(s, 'latency_all_ms.' + k[0]);
        if (isNaN(v) && isNaN(w)) return;
        var row = [k[1], A.withCi(s, 'latency_ms.' + k[0], v, false)];
        if (all) row.push(A.withCi(s, 'latency_all_ms.' + k[0], w, false));
        rows.push(row);
      });
    var cols = [{ head: 'latency (ms)' }, { head: 'successful', num: true }];
    if (all) cols.push({ head: 'every request', num: true });
    return A.table(cols, rows, all ? 'End-to-end latency: of the successful requests, and of every finished request (a failed one at the time it failed)'
                                   : 'End-to-end latency of successful requests', root);
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
