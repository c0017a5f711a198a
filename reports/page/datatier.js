// datatier.js -- the data tier on the page: one section per cache, database, queue and CDN
// (summary.json components of those types), with its headline figures and small charts of
// its mechanism over time from the window series the run recorded (timeseries.csv names):
// a cache's hit ratio, the reads it sends to its backend (a stampede is a spike there),
// evictions and memory; a database's queries and refusals, connections, replication lag,
// stale reads, nodes ready (a dip is a failover) and load per shard; a queue's produced and
// consumed rates, lag and end-to-end time; a CDN's hits and origin requests. The connection
// pools of its callers ("<service>->pool": in use and waiting) come with it.
(function (A) {
  'use strict';
  // Per type: the panels (series matched by exact name or pattern) and the summary figures.
  var KINDS = {
    cache: {
      panels: [
        { title: 'Hit ratio', metrics: ['hit_ratio'], ylabel: 'hits / lookups', percent: true },
        { title: 'Lookups, and reads and writes sent to the backend', metrics: ['lookups_rps', 'backend_reads_rps', 'backend_writes_rps'],
          ylabel: 'per second', caption: 'A miss reads the backend: a stampede (many misses of one key at once) is a spike of backend reads.' },
        { title: 'Evictions and stale or inconsistent reads', metrics: ['evictions_rps', 'stale_reads_rps', 'local_inconsistent_reads_rps', 'replica_reads_rps'],
          ylabel: 'per second' },
        { title: 'Memory used and entries', metrics: ['memory_bytes'], ylabel: 'bytes', capacity: ['max_memory_bytes', 'capacity_bytes', 'memory_limit_bytes'] },
        { title: 'Entries', metrics: ['entries'], ylabel: 'keys' },
        { title: 'Keys being filled, writes not yet flushed', metrics: ['keys_in_flight', 'unflushed_writes'], ylabel: 'count' },
        { title: 'Nodes ready', metrics: ['nodes', 'ready_nodes'], ylabel: 'nodes', varies: true }],
      figures: [['hit_ratio', 'hit ratio', 'pct'], ['lookups', 'lookups'], ['misses', 'misses'], ['backend_reads', 'backend reads'],
                ['coalesced', 'coalesced misses'], ['evictions', 'evictions'], ['stale_reads', 'stale reads'], ['lost_writes', 'lost writes'],
                ['unavailable', 'unavailable']] },
    database: {
      panels: [
        { title: 'Queries, refusals and conflicts', metrics: ['throughput_rps', 'refused_rps', 'conflicts_rps'], ylabel: 'per second' },
        { title: 'Connections in use', metrics: ['connections_in_use'], ylabel: 'connections' },
        { title: 'Replication lag', metrics: ['replication_lag_p50_ms', 'replication_lag_p95_ms', 'replication_lag_p99_ms'], ylabel: 'ms',
          caption: 'How far the replicas trail the primary: a read from a replica can be this stale.' },
        { title: 'Stale reads', metrics: ['stale_reads_rps'], ylabel: 'per second' },
        { title: 'Nodes ready (a dip is a failover)', metrics: ['nodes', 'ready_nodes'], ylabel: 'nodes', varies: true },
        { title: 'Load per shard', metrics: [/^shard\d+_rps$/], ylabel: 'queries / s' },
        { title: 'Primary and replicas busy', metrics: ['primary_utilization', 'replica_utilization'], ylabel: 'busy', percent: true }],
      figures: [['failovers', 'failovers'], ['lost_writes', 'lost writes'], ['stale_reads', 'stale reads'],
                ['replication_lag_ms.p99', 'replication lag p99', 'ms'], ['too_many_connections', 'refused (too many connections)'],
                ['connections_in_use', 'connections in use (mean)'], ['not_primary', 'writes refused (not primary)']] },
    queue: {
      panels: [
        { title: 'Produced and consumed', metrics: [/(^|\.)produced_rps$/, /(^|\.)consumed_rps$/], ylabel: 'messages / s' },
        { title: 'Consumer lag', metrics: [/(^|\.)consumer_lag$/, /(^|\.)consumer_uncommitted$/, /^partition_lag\./], ylabel: 'messages',
          caption: 'Kafka\u2019s lag: the log end minus the committed offset (what KEDA and Burrow read); uncommitted: fetched but not yet committed. A line that keeps rising means the consumers cannot keep up.' },
        { title: 'Consumer lag in time', metrics: [/(^|\.)consumer_lag_s$/], ylabel: 'seconds' },
        { title: 'End-to-end time of a message', metrics: [/end_to_end_p\d+_ms$/], ylabel: 'ms' },
        { title: 'Idle consumers and in-sync replicas', metrics: [/(^|\.)idle_consumers$/, /(^|\.)isr_min$/], ylabel: 'count', varies: true }],
      figures: [['produced', 'produced'], ['consumed', 'consumed'], ['consumer_lag_mean', 'lag (mean)'], ['consumer_uncommitted_mean', 'uncommitted (mean)'], ['redelivered', 'redelivered'],
                ['dead_lettered', 'dead letters'], ['duplicates', 'duplicates'], ['lost', 'lost'], ['produce_errors', 'produce errors'],
                ['blocked_producers', 'blocked producers'], ['key_order_violations', 'out-of-order (per key)'], ['end_to_end_ms.p99', 'end-to-end p99', 'ms']] },
    cdn: {
      panels: [
        { title: 'Requests, edge hits and origin requests', metrics: ['throughput_rps', 'hits_rps', 'origin_rps'], ylabel: 'per second',
          caption: 'What the edge did not serve from its cache went to the origin.' },
        { title: 'Origin failures and stale serves', metrics: ['origin_failures_rps', 'stale_serves_rps'], ylabel: 'per second' }],
      figures: [['hit_ratio', 'hit ratio', 'pct'], ['offload', 'offload', 'pct'], ['origin_fetches', 'origin fetches'],
                ['origin_failures', 'origin failures'], ['stale_serves', 'stale serves'], ['evictions', 'evictions']] }
  };
  A.dataTierKinds = KINDS;

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

  A.dataTierSection = function (d, view, root) {
    var s = d.summary;
    var ids = Object.keys(s.components || {}).filter(function (id) { return KINDS[s.components[id].type]; });
    var hasPools = d.series && d.series.by && Object.keys(d.series.by).some(function (c) { return d.series.by[c].pool_in_use; });
    if (!ids.length && !hasPools) return;
    A.section('data-tier', 'Data tier', root);
    A.node('p', null, 'Each data store\u2019s mechanism over time, one small chart per mechanism, with the same time axis and marks ' +
           'as the charts above.', root);
    ids.forEach(function (id) { drawComponent(d, view, id, s.components[id], KINDS[s.components[id].type], root); });
    drawPools(d, view, root);
  };

  // The data-tier headline figure of each component type, for what-if plots against a
  // varied number: [summary path, label, percent?].
  A.dataTierHeadlines = {
    cache: [['hit_ratio', 'hit ratio', true], ['backend_reads', 'backend reads', false]],
    database: [['replication_lag_ms.p99', 'replication lag p99 (ms)', false], ['stale_reads', 'stale reads', false]],
    queue: [['consumer_lag_mean', 'consumer lag, mean (messages)', false], ['end_to_end_ms.p99', 'end-to-end p99 (ms)', false]],
    cdn: [['hit_ratio', 'hit ratio', true], ['origin_fetches', 'origin fetches', false]]
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
