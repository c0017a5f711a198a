// sections.js -- the run page's tables below the headline, each read from summary.json by
// the names reports/summary.cpp and the models' reports write (nothing is computed here that
// the run did not count): availability (of requests and of time, error budget, per component
// MTBF/MTTR and OOM kills, faults with time to detect and recover), retries and
// amplification, load balancing, autoscaling, routes, components, cost, the analysis beside
// the simulation, request traces and the architecture diagram.
(function (A) {
  'use strict';
  function nines(v) { return typeof v === 'number' ? A.num(v, 3) : '\u221e (no failure)'; }
  function when(v) { return typeof v === 'number' ? A.duration(v) : 'never'; }
  function nonEmpty(x) { return x && (Array.isArray(x) ? x.length : Object.keys(x).length); }
  var comps = function (s) { return (s && s.components) || {}; };

  A.availabilitySection = function (s, root) {
    var a = s.availability_report;
    if (!a || typeof a !== 'object') return;
    var hasSlo = A.objectAt(s, 'slo') && 'met' in s.slo;
    if (!nonEmpty(a.faults) && !nonEmpty(a.alerts) && !nonEmpty(a.alert_replications) && !nonEmpty(a.components) && !hasSlo) return;
    A.section('availability', 'Availability', root);
    var sloText = '';
    if (a.slo) {
      sloText = 'availability \u2265 ' + A.pct(a.slo.availability);
      if (typeof a.slo.latency_p99_ms === 'number') sloText += ' and p99 \u2264 ' + A.num(a.slo.latency_p99_ms) + ' ms';
      if (a.slo.assumed) sloText += ' (the scenario sets no SLO: 99.9% assumed)';
    }
    var rows = [
      ['of requests', A.withCi(s, 'availability_report.requests', a.requests, true), nines((a.nines || {}).requests),
       'requests served / requests finished'],
      ['of time', A.withCi(s, 'availability_report.time', a.time, true), nines((a.nines || {}).time),
       A.count(A.numAt(a, 'windows.meeting_slo')) + ' of ' + A.count(A.numAt(a, 'windows.total')) + ' windows after warm-up meet the SLO']];
    if (a.error_budget) {
      var b = a.error_budget;
      rows.push(['error budget consumed', typeof b.consumed === 'number' ? A.withCi(s, 'availability_report.error_budget.consumed', b.consumed, true) : '\u2013',
                 '', A.count(b.failures) + ' failed requests of ' + A.num(b.allowed_failures) + ' the SLO allows over the run']);
    }
    A.table([{ head: 'measure' }, { head: 'value', num: true }, { head: 'nines', num: true }, { head: 'what it counts' }], rows,
            'A window meets the SLO when ' + A.esc(sloText) + '.' +
            (typeof a.population === 'string' && a.population !== 'all requests' ? ' Requests counted: ' + A.esc(a.population) + '.' : ''), root);
    if (nonEmpty(a.components)) {
      var crow = Object.keys(a.components).map(function (id) {
        var x = a.components[id];
        return ['<strong>' + A.esc(id) + '</strong>', A.pct(x.uptime), A.count(x.outages), A.duration(x.downtime_s), A.duration(x.mtbf_s),
                A.duration(x.mttr_s), A.count(x.injected_failures), A.duration(x.injected_mttr_s), A.count(x.oom_kills)];
      });
      A.table(['component', 'uptime', 'outages', 'downtime', 'MTBF', 'MTTR', 'injected failures', 'mean repair', 'OOM kills']
                .map(function (h, i) { return { head: h, num: i > 0 }; }), crow,
              'Observed per component: an outage is a stretch with no ready replica; MTBF is the mean up time between outages, ' +
              'MTTR the mean outage length.', root);
    }
    if (nonEmpty(a.faults)) {
      A.node('h3', null, 'Faults', root);
      A.table(['fault', 'from', 'to', 'lasted', 'time to detect', 'time to recover'].map(function (h, i) { return { head: h, num: i > 0 }; }),
              a.faults.map(function (x) {
                return [A.esc(x.fault), A.duration(x.start_s), A.duration(x.end_s), A.duration(x.end_s - x.start_s),
                        when(x.time_to_detect_s), when(x.time_to_recover_s)];
              }),
              'Time to detect: from the fault\u2019s start to the end of the first window that breaks the SLO. Time to recover: ' +
              'from the fault\u2019s end to the end of the first window that meets it again. Shaded on the time charts.', root);
    }
  };

  A.resilienceSection = function (s, root) {
    var rows = [];
    function row(who, r) {
      if (typeof r.calls !== 'number' || typeof r.attempts !== 'number') return;
      rows.push([A.esc(who), A.count(r.calls), A.count(r.attempts), r.calls > 0 ? '<strong>' + A.num(r.attempts / r.calls, 3) + '\u00d7</strong>' : '\u2013',
                 A.count(r.retries), A.count(r.attempt_timeouts), A.count(r.failed), A.count(r.circuit_open), A.count(r.bulkhead_full)]);
    }
    Object.keys(comps(s)).forEach(function (id) {
      var c = s.components[id];
      if (A.objectAt(c, 'resilience')) row(id + ' (its requests)', c.resilience);
      if (A.objectAt(c, 'calls')) Object.keys(c.calls).forEach(function (callee) {
        if (c.calls[callee] && typeof c.calls[callee] === 'object') row(id + ' \u2192 ' + callee, c.calls[callee]);
      });
    });
    if (!rows.length) return;
    root = A.sectionBox('resilience', 'Retries and amplification', root);
    A.table(['caller \u2192 callee', 'calls', 'attempts', 'attempts per call', 'retries', 'attempt timeouts', 'failed', 'circuit open',
             'bulkhead full'].map(function (h, i) { return { head: h, num: i > 0 }; }), rows,
            'Attempts per call is the load the callee sees per request its caller wanted answered: above 1, retries amplify the ' +
            'load, and in an overload they feed it.', root);
  };

  A.balancingSection = function (s, root) {
    var ids = Object.keys(comps(s)).filter(function (id) { return A.objectAt(s.components[id], 'backends'); });
    if (!ids.length) return;
    root = A.sectionBox('balancing', 'Load balancing', root);
    ids.forEach(function (id) {
      var c = s.components[id];
      var cap = 'Balancer <strong>' + A.esc(id) + '</strong>' + (c.algorithm ? ', ' + A.esc(c.algorithm) : '');
      if (typeof c.imbalance_cv === 'number')
        cap += '; imbalance ' + A.num(c.imbalance_cv, 3) + ' (coefficient of variation of the mean requests in flight per backend ' +
               'and unit of weight; 0 = the load follows the weights)';
      A.table(['backend', 'share', 'weight', 'requests', 'errors', 'in flight (mean)', 'ejections', 'time ejected']
                .map(function (h, i) { return { head: h, num: i > 0 }; }),
              Object.keys(c.backends).map(function (b) {
                var x = c.backends[b];
                return [A.esc(b), A.pct(A.numAt(c, 'share.' + b)), A.num(x.weight), A.count(x.requests), A.count(x.errors),
                        A.num(x.in_flight, 3), A.count(x.ejections), A.pct(x.ejected_fraction)];
              }), cap, root);
    });
  };

  A.autoscalingSection = function (s, root) {
    var rows = Object.keys(comps(s)).filter(function (id) { return s.components[id].type === 'autoscaler'; }).map(function (id) {
      var c = s.components[id];
      return ['<strong>' + A.esc(id) + '</strong>', A.count(c.scale_events), A.count(c.scale_ups), A.count(c.scale_downs),
              A.count(c.desired_replicas), A.count(c.peak_desired_replicas), A.num(c.mean_desired_replicas, 3),
              A.count(c.stabilization_holds), A.esc(c.last_reason || '')];
    });
    if (!rows.length) return;
    root = A.sectionBox('autoscaling', 'Autoscaling', root);
    A.table(['autoscaler', 'scale events', 'ups', 'downs', 'desired at the end', 'peak desired', 'mean desired', 'held by stabilization',
             'last reason'].map(function (h, i) { return { head: h, num: i > 0 && i < 8 }; }), rows,
            'Scale events are marked on the time charts; the replicas chart shows desired against ready.', root);
  };

  A.routesSection = function (s, root) {
    var routes = s.routes || {};
    var names = Object.keys(routes);
    if (!names.length) return;
    var all = names.some(function (n) { return routes[n].latency_all_ms; });
    A.section('routes', 'Routes', root);
    var heads = ['route', 'requests', 'availability', 'p50 ms', 'p99 ms'].concat(all ? ['p99 ms, every request'] : [], ['p95 ms', 'max ms']);
    A.table(heads.map(function (h, i) { return { head: h, num: i > 0 }; }), names.map(function (n) {
      var r = routes[n];
      return [A.esc(n), A.count(r.requests), A.pct(r.availability), A.num(A.numAt(r, 'latency_ms.p50')), A.num(A.numAt(r, 'latency_ms.p99'))]
        .concat(all ? [A.num(A.numAt(r, 'latency_all_ms.p99'))] : [], [A.num(A.numAt(r, 'latency_ms.p95')), A.num(A.numAt(r, 'latency_ms.max'))]);
    }), all ? 'p50 and p99 of the successful requests; every request counts the failed ones too, at the time they failed.' : '', root);
  };

  var shown = ['type', 'throughput_rps', 'utilization', 'queue_length', 'in_system', 'latency_ms', 'latency_all_ms', 'oom_kills'];
  A.componentsSection = function (s, root) {
    var ids = Object.keys(comps(s));
    if (!ids.length) return;
    A.section('components', 'Components', root);
    A.table(['component', 'type', 'throughput rps', 'utilization', 'p99 ms', 'queue', 'in system', 'p50 ms', 'OOM kills', 'details']
              .map(function (h, i) { return { head: h, num: i > 1 && i < 9 }; }),
            ids.map(function (id) {
              var c = s.components[id];
              var details = Object.keys(c).filter(function (k) { return shown.indexOf(k) < 0; })
                .map(function (k) { return '<span>' + A.esc(k) + ': ' + A.valueHtml(c[k]) + '</span>'; }).join(' \u00b7 ');
              return ['<strong>' + A.esc(id) + '</strong>', A.esc(c.type || ''), A.num(c.throughput_rps),
                      typeof c.utilization === 'number' ? A.pct(c.utilization) : '\u2013', A.num(A.numAt(c, 'latency_ms.p99')),
                      A.num(c.queue_length), A.num(c.in_system), A.num(A.numAt(c, 'latency_ms.p50')),
                      typeof c.oom_kills === 'number' ? A.count(c.oom_kills) : '', '<span class="detail">' + details + '</span>'];
            }), '', root);
  };

  A.costSection = function (s, root) {
    var cost = s.cost;
    if (!cost || typeof cost !== 'object' || !Object.keys(cost).length) return;
    A.section('cost', 'Cost', root);
    var rows = [];
    if ('total_usd' in cost) rows.push(['<strong>total for the run</strong>', '<strong>' + A.valueHtml(cost.total_usd) + '</strong>']);
    if ('per_million_requests_usd' in cost) rows.push(['per million requests', A.valueHtml(cost.per_million_requests_usd)]);
    Object.keys(cost.by_component || {}).forEach(function (id) { rows.push(['&nbsp;&nbsp;' + A.esc(id), A.valueHtml(cost.by_component[id])]); });
    Object.keys(cost).forEach(function (k) {
      if (['total_usd', 'per_million_requests_usd', 'by_component'].indexOf(k) < 0) rows.push([A.esc(k), A.valueHtml(cost[k])]);
    });
    A.table([{ head: 'cost' }, { head: 'USD', num: true }], rows, '', root);
  };

  A.analysisSection = function (s, a, root) {
    if (!a || !A.objectAt(a, 'components') || !A.objectAt(s, 'components')) return;
    var rows = [];
    Object.keys(a.components).forEach(function (id) {
      var e = a.components[id], c = s.components[id];
      if (!e.formula || !c) return;
      rows.push(['<strong>' + A.esc(id) + '</strong>', A.esc(e.formula), A.num(e.arrival_rps), A.num(c.throughput_rps), A.pct(e.utilization),
                 A.pct(c.utilization), A.num(e.response_ms), A.num(A.numAt(c, 'latency_ms.mean'))]);
    });
    if (!rows.length) return;
    A.section('analysis', 'Analysis beside the simulation', root);
    if (a.closed_loop)
      A.node('p', null, 'Closed loop: ' + A.num(a.closed_loop.users) + ' users at ' + A.num(a.closed_loop.throughput_rps) +
             ' requests / s by ' + A.esc(a.closed_loop.formula) + '; simulated ' + A.num(s.throughput_rps) + '.', root);
    A.table(['component', 'formula', 'arrivals / s (est.)', 'throughput / s (sim.)', 'utilization (est.)', 'utilization (sim.)',
             'response ms (est.)', 'latency ms (sim., mean)'].map(function (h, i) { return { head: h, num: i > 1 }; }), rows,
            'The estimate is the open queueing network analyze solves at the peak offered load (closed-loop clients by mean value ' +
            'analysis), each station by the formula named; the simulation runs the whole profile, faults and policies included, so ' +
            'they agree only where the formula\u2019s assumptions hold (docs/analyze.md).', root);
  };

  A.tracesSection = function (t, root) {
    if (!t) return;
    A.section('traces', 'Request traces', root);
    if (t.error) { A.notice(A.esc(t.error), root); return; }
    A.node('p', null, '<a href="trace.json">trace.json</a> follows ' + A.count(t.requests) + ' sampled requests (every ' + A.count(t.every) +
           'th) hop by hop: open it in Perfetto (<code>ui.perfetto.dev</code>, Open trace file: the file stays on your machine) or ' +
           '<code>chrome://tracing</code>. Each request is a process, slowest first; each component it touched is a track with the ' +
           'time the request spent there: calls sent and waited for, queueing (<code>queue</code>), <code>lock</code> waits, ' +
           '<code>replication</code> waits and <code>work</code>, retries and timeouts, and replies that came after the caller gave up.', root);
    if (!t.slowest.length) return;
    A.table(['process', 'request id', 'route', 'latency (ms)', 'outcome'].map(function (h, i) { return { head: h, num: i === 0 || i === 1 || i === 3 }; }),
            t.slowest.map(function (r) { return [A.count(r.pid), A.count(r.id), A.esc(r.route), A.num(r.latency_ms), A.esc(r.status)]; }),
            'The slowest traced requests', root);
  };

  A.topologySection = function (t, root) {
    if (!t) return;
    A.section('architecture', 'Architecture', root);
    if (t.error === 'no_dot') {
      A.notice('The diagram is not drawn: graphviz\u2019s <code>dot</code> was not found on PATH (<code>apt-get install graphviz</code>); ' +
               'the graph is in <code>topology.dot</code>.', root);
      return;
    }
    if (t.error) {
      A.notice('The diagram is not drawn: <code>dot</code> failed on <code>topology.dot</code> (its messages are in <code>topology.log</code>).', root);
      return;
    }
    var fig = A.node('figure', 'topology', t.svg, root);
    fig.id = 'topology';
    var svg = fig.querySelector('svg');
    if (svg && t.max_width_px) svg.style.maxWidth = t.max_width_px + 'px';
    A.node('figcaption', null, 'Each component with its type, replicas and zones; each arrow a call with its route, timeout, resilience ' +
           'policy and link latency. Files: <a href="topology.svg">svg</a> \u00b7 <code>topology.dot</code> (re-draw with ' +
           '<code>dot -Tpng topology.dot -o topology.png</code>).', fig);
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
