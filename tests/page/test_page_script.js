// The page script's formatting and marks (reports/page/*.js) under Node, without a browser:
// figures read as people write them (23,018 ms or 23.0 s, never 2.302e+04), the nines
// told apart, alert rules numbered in the scenario's order with their firings in the page's
// time unit, and a derived availability computed as the alert evaluator does. Run by ctest
// (`page_script`); skipped when node is not installed. The browser check draws the pages.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const dir = path.join(__dirname, '..', '..', 'reports', 'page');
globalThis.archsim = {};
for (const f of ['format.js', 'marks.js', 'alerts.js', 'run_head.js']) vm.runInThisContext(fs.readFileSync(path.join(dir, f), 'utf8'), { filename: f });
const A = globalThis.archsim;

test('numbers read as written: grouped thousands, no exponent', () => {
  assert.strictEqual(A.num(23018.3), '23,018');
  assert.strictEqual(A.num(171000), '171,000');
  assert.strictEqual(A.num(48.2), '48.2');
  assert.strictEqual(A.num(0.0125), '0.0125');
  assert.strictEqual(A.num(1234.5678), '1235');
  assert.strictEqual(A.num(1e-7), '0.0000001');
  assert.strictEqual(A.num(NaN), '\u2013');
  assert.strictEqual(A.num(null), '\u2013');
  assert.doesNotMatch(A.num(2.302e4), /e/);
  assert.strictEqual(A.ms(23018.3), '23.0 s');
  assert.strictEqual(A.ms(187.4), '187.4 ms');
  assert.strictEqual(A.count(1740949), '1,740,949');
  assert.strictEqual(A.count(1.75), '1.75');
});

test('percentages keep the nines apart', () => {
  assert.strictEqual(A.pct(0.99), '99%');
  assert.strictEqual(A.pct(0.9995), '99.95%');
  assert.strictEqual(A.pct(0.99915), '99.915%');
  assert.strictEqual(A.pct(1), '100%');
  assert.strictEqual(A.pct(0.542597), '54.3%');
  assert.strictEqual(A.pct(0.0004), '0.04%');
});

test('durations in the unit that fits', () => {
  assert.strictEqual(A.duration(45), '45 s');
  assert.strictEqual(A.duration(800), '13.3 min');
  assert.strictEqual(A.duration(3 * 3600), '3 h');
});

test('alert rules are numbered in the order they first fire, firings in the page unit', () => {
  const summary = { availability_report: {
    alert_rules: [{ alert: 'pool', metric: 'm->pool.pool_waiting', op: '>', threshold: 100, for_s: 30 },
                  { alert: 'never', metric: 'm.memory_mb', op: '>', threshold: 1, for_s: 0 },
                  { alert: 'timeouts', metric: 'all.errors_timeout_rps', op: '>', threshold: 1, for_s: 30 }],
    alerts: [{ alert: 'timeouts', fired_s: 1060, resolved_s: 1080 }, { alert: 'pool', fired_s: 800, resolved_s: null },
             { alert: 'timeouts', fired_s: 1125, resolved_s: 1215 }] } };
  const rules = A.alertIndex(summary, { unit: 'min', div: 60, end: 40 });
  // pool first fires at 800 s, timeouts at 1060 s; the rule that never fired comes last.
  assert.deepStrictEqual(rules.map((r) => [r.n, r.name, r.firings.length]), [[1, 'pool', 1], [2, 'timeouts', 2], [3, 'never', 0]]);
  assert.deepStrictEqual(rules[0].firings[0], { from: 800 / 60, to: 40, resolved: false });  // still firing: to the end
  assert.strictEqual(rules[1].firings[1].to, 1215 / 60);
  assert.strictEqual(rules[2].def.metric, 'm.memory_mb');
  // Listed out of order (a merged summary), they are numbered by firing time all the same.
  const shuffled = { availability_report: { alert_rules: summary.availability_report.alert_rules,
    alerts: [{ alert: 'timeouts', fired_s: 30, resolved_s: 40 }, { alert: 'never', fired_s: 10, resolved_s: 20 }] } };
  assert.deepStrictEqual(A.alertIndex(shuffled, { unit: 's', div: 1, end: 60 }).map((r) => r.name), ['never', 'timeouts', 'pool']);
});

test('a derived availability is completed / (completed + failed) per window', () => {
  const store = { t: [1, 2, 3], by: { api: { throughput_rps: [90, 0, null], errors_rps: [10, 0, 5] } } };
  assert.deepStrictEqual(A.seriesByName(store, 'api.availability'), [0.9, null, null]);
  assert.deepStrictEqual(A.seriesByName(store, 'api.throughput_rps'), [90, 0, null]);
  assert.strictEqual(A.seriesByName(store, 'nope.availability'), null);
});

test('the SLO names its population as summary.json says it', () => {
  // summary.json's slo.population: a label, whether it is scoped, and the names.
  const scoped = { population: { label: 'client users; routes course, auth', scoped: true, clients: ['users'],
                                 routes: ['course', 'auth'], latency_ms: {} } };
  assert.strictEqual(A.population(scoped), 'client users; routes course, auth');
  assert.strictEqual(A.population({ population: { label: 'all requests', scoped: false } }), '');
  assert.strictEqual(A.population({ population: { clients: ['users'], routes: ['course'] } }), 'clients users; routes course');
  assert.strictEqual(A.population({}), '');
  assert.deepStrictEqual(A.overrides({ run: { overrides: ['duration=5m', 'api.replicas=3'] } }), ['duration=5m', 'api.replicas=3']);
});

test('text is escaped for HTML, control characters shown as \\xHH, never drawn raw', () => {
  assert.strictEqual(A.esc('w\u0000\u001b[2Jeb'), 'w\\x00\\x1b[2Jeb');
  assert.strictEqual(A.esc('a\u009b2J\u007f'), 'a\\x9b2J\\x7f');
  assert.strictEqual(A.esc('<b>&"\''), '&lt;b&gt;&amp;&quot;&#39;');
  assert.strictEqual(A.esc('line one\n\tline two'), 'line one\n\tline two');
  assert.strictEqual(A.esc('café'), 'café');
});
