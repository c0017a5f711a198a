// main.js -- draws the page from its data block (reports/html_interactive.h render()): a
// run's page, a comparison's or a metastability map's. The <body> gets
// data-interactive-charts="N" (the graphs drawn) and data-page-drawn="1" when done;
// tools/browser_check.sh reads both.
(function (A) {
  'use strict';

  function staticNotice(d, root) {
    var n = d.static_notice || {};
    var redo = '<code>' + A.esc(n.redo || 'archsim report DIR') + '</code>';
    if (n.kind === 'no_gnuplot')
      A.notice('<strong>Static charts are not drawn:</strong> gnuplot was not found on PATH. The chart data and scripts are in ' +
               '<code>charts/</code>. To draw them, install gnuplot (<code>apt-get install gnuplot-nox</code>) and run ' + redo + '.', root);
    else if (n.kind === 'no_scripts')
      A.notice('<strong>Static charts are not drawn:</strong> the chart scripts (tools/charts/*.gp) were not found. Set ' +
               '<code>ARCHSIM_CHARTS</code> to that folder and run ' + redo + '.', root);
    else if (n.kind === 'failed')
      A.notice('<strong>Some static charts failed:</strong> ' + A.esc((n.failed || []).join(', ')) +
               '. gnuplot\u2019s messages are in <code>charts/gnuplot.log</code>.', root);
    else if (n.kind === 'variant')
      A.notice('The static charts of a comparison\u2019s variant are not drawn (the comparison stays quick): their data and scripts ' +
               'are in <code>charts/</code>; run ' + redo + ' in the comparison\u2019s folder to draw them with gnuplot.', root);
    if (n.kept_edits && n.kept_edits.length)
      A.notice('Your edited chart scripts were kept and used: <code>' + A.esc(n.kept_edits.join(', ')) +
               '</code> (delete one to get the template back).', root);
    if (d.library && !d.library.present && d.charts && d.charts.length)
      A.notice('Interactive charts are off: the dygraphs library was not found at <code>' + A.esc(d.library.path) +
               '</code> (<code>apt-get install libjs-dygraphs</code>, then <code>archsim report DIR</code>); the static charts below ' +
               'are complete.', root);
  }
  A.staticNotice = staticNotice;

  A.view = function (d, summary) {
    return { unit: d.time.unit, end: d.time.end, marks: d.marks, slo_p99_ms: d.slo_p99_ms,
             alerts: summary ? A.alertIndex(summary, d.time) : [], ooms: A.oomMarks(d.series) };
  };

  A.runPage = function (d, root) {
    var s = d.summary;
    var inner = A.header(d, s, s.scenario || 'archsim run', root);
    var main = A.node('main', null, null, root);
    if (s.run && s.run.partial)
      A.node('div', 'verdict bad', '<strong>Partial run</strong> \u2014 interrupted at ' + A.esc(A.duration(A.numAt(s, 'run.simulated_s'))) +
             ' of simulated time (of ' + A.esc(A.duration(s.duration_s)) + '): every figure below covers only that.', main);
    A.verdict(s, d.slo_words, main, d.slo_windows);
    A.cards(s, main);
    A.section('requests', 'Requests and latency', main);
    var split = A.node('div', 'split', null, main);
    A.requestsTable(s, A.node('div', null, null, split));
    A.latencyTable(s, A.node('div', null, null, split));
    var view = A.view(d, s);
    A.availabilitySection(s, main);
    A.alertsSection(d, view, main);
    A.topologySection(d.topology, main);
    A.section('charts', 'Charts', main);
    var reps = typeof s.replications === 'number' ? s.replications : 1;
    if (reps > 1 && d.charts.length) {
      var seed = Array.isArray(s.seeds) && s.seeds.length ? ' (seed ' + A.valueHtml(s.seeds[0]) + ')' : '';
      A.notice('<strong>The charts show replication 1' + seed + ' of ' + reps + '</strong>: its time series and latency distribution. ' +
               'The cards and tables above are means over the ' + reps + ' replications, with 95% confidence intervals.', main);
    }
    staticNotice(d, main);
    if (!d.charts.filter(function (c) { return !c.component; }).length) A.notice('No time series or latency distribution in this folder, so there are no charts.', main);
    d.charts.forEach(function (c) {
      if (c.component) return;  // a component's declared chart: drawn in its own section (datatier.js)
      if (c.name === 'cdf' && s.latency_all_ms && c.panels.length) {
        A.addPercentiles(c.panels[0], s.latency_all_ms, 'every request (p50, p90, p95, p99, p99.9)');
        c.caption += ' The dots are the percentiles of every finished request, failed ones included at the time they failed.';
      }
      A.figure(c, view, main);
    });
    A.declaredSections(d, view, main);
    A.resilienceSection(s, main);
    A.balancingSection(s, main);
    A.autoscalingSection(s, main);
    A.tracesSection(d.traces, main);
    A.routesSection(s, main);
    A.componentsSection(s, main);
    A.costSection(s, main);
    A.analysisSection(s, d.analysis, main);
    var foot = A.node('footer', null, '', main);
    foot.innerHTML = (s.run ? 'Run: ' + A.valueHtml(s.run) + '. ' : '') + 'Written by archsim from <code>summary.json</code>, ' +
      '<code>timeseries.csv</code> and <code>latency_cdf.csv</code>; redraw with <code>archsim report DIR</code>, or edit a script in ' +
      '<code>charts/</code> and run <code>gnuplot NAME.gp</code> there.';
    // The sections present, as links under the title.
    var toc = Array.prototype.map.call(main.querySelectorAll('h2[id]'), function (h) {
      return '<a href="#' + h.id + '">' + A.esc(h.textContent) + '</a>';
    });
    if (toc.length) A.node('nav', 'toc', toc.join(''), inner);
  };

  var d = JSON.parse(document.getElementById('archsim-page-data').textContent);
  var root = document.getElementById('archsim-page');
  if (d.page === 'compare') A.comparePage(d, root);
  else if (d.page === 'metastability') A.metastabilityPage(d, root);
  else A.runPage(d, root);
  A.markScrolling(root);
  document.body.setAttribute('data-interactive-charts', String(A.drawn));
  document.body.setAttribute('data-page-drawn', '1');
})(window.archsim);
