// format.js -- numbers, times and text for people, and small DOM helpers. Every figure on
// the page goes through these: thousands grouped (23,018), no exponent for ordinary
// magnitudes, percentages with enough decimals to tell the nines apart.
(function (A) {
  'use strict';

  // Groups the integer part of a plain decimal string: "23018.5" -> "23,018.5".
  function group(text) {
    var neg = text.charAt(0) === '-';
    var body = neg ? text.slice(1) : text;
    var dot = body.indexOf('.');
    var int = dot < 0 ? body : body.slice(0, dot);
    var rest = dot < 0 ? '' : body.slice(dot);
    if (int.length > 4) int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (neg ? '-' : '') + int + rest;
  }

  function bad(v) { return v === null || v === undefined || typeof v !== 'number' || isNaN(v); }

  // At most `digits` significant digits (4 unless given); whole numbers at or above
  // 10^digits in full ("171,000"); tiny ones in fixed notation down to 1e-9.
  A.num = function (v, digits) {
    if (bad(v)) return '\u2013';
    if (!isFinite(v)) return v > 0 ? '\u221e' : '-\u221e';
    if (v === 0) return '0';
    digits = digits || 4;
    var a = Math.abs(v);
    if (a >= 1e15) return v.toExponential(digits - 1);
    if (a >= Math.pow(10, digits)) return group(Math.round(v).toString());
    if (a < 1e-9) return v.toExponential(2);
    var decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    var s = v.toFixed(Math.min(decimals, 12));
    if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return group(s);
  };

  // A count: whole numbers in full; a mean over replications keeps three digits.
  A.count = function (v) {
    if (bad(v)) return '\u2013';
    return Math.floor(v) === v ? group(v.toFixed(0)) : A.num(v, 3);
  };

  // A latency for a headline: "187 ms", "23,018 ms" below a minute, "23.0 s" from 10 s.
  A.ms = function (v) {
    if (bad(v)) return '\u2013';
    if (Math.abs(v) >= 10000) return (v / 1000).toFixed(Math.abs(v) >= 100000 ? 0 : 1).replace(/\B(?=(\d{3})+(?!\d))/g, ',') + ' s';
    return A.num(v) + ' ms';
  };

  // A fraction as a percentage: 0.99 -> "99%", 0.99915 -> "99.915%" (two digits of the
  // unavailability once it is below 1%), 0.0004 -> "0.04%".
  A.pct = function (f) {
    if (bad(f)) return '\u2013';
    var p = f * 100, missing = 100 - p, decimals = 1;
    if (missing > 0 && missing < 1) decimals = Math.min(6, Math.ceil(-Math.log10(missing)) + 1);
    if (p > 0 && p < 0.1) decimals = Math.min(6, Math.ceil(-Math.log10(p)) + 1);
    var s = p.toFixed(decimals);
    if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s + '%';
  };

  // A time from the start of the run, or a duration, in the unit that fits it.
  A.duration = function (s) {
    if (bad(s)) return '\u2013';
    var a = Math.abs(s);
    if (a < 120) return A.num(s) + ' s';
    if (a < 2 * 3600) return A.num(s / 60, 3) + ' min';
    if (a < 2 * 86400) return A.num(s / 3600, 3) + ' h';
    return A.num(s / 86400, 3) + ' days';
  };

  // Text as HTML: & < > " ' escaped, and a control character (a NUL or an ESC in a name of a
  // summary.json edited by hand; archsim refuses them in scenarios) shown as \xHH, as the
  // terminal table shows it, never drawn raw: NUL is not allowed in HTML, the others are
  // invisible. Line breaks and tabs stay.
  A.esc = function (text) {
    return String(text === null || text === undefined ? '' : text).replace(/[&<>"']|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, function (c) {
      var named = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
      if (named) return named;
      var hex = c.charCodeAt(0).toString(16);
      return '\\x' + (hex.length < 2 ? '0' : '') + hex;
    });
  };

  // The value at a dotted path ("latency_ms.p99"), undefined when absent.
  A.at = function (obj, path) {
    var cur = obj;
    var parts = path.split('.');
    for (var i = 0; i < parts.length; ++i) {
      if (cur === null || typeof cur !== 'object' || !(parts[i] in cur)) return undefined;
      cur = cur[parts[i]];
    }
    return cur;
  };
  // A number at a dotted path, NaN when absent or not a number.
  A.numAt = function (obj, path) {
    var v = A.at(obj, path);
    return typeof v === 'number' ? v : NaN;
  };

  // "12.3 (95% CI 11.9–12.7)" when the summary has a confidence interval for `key`.
  A.withCi = function (summary, key, value, asPct) {
    var show = asPct ? A.pct : A.num;
    var out = A.esc(show(value));
    var ci = summary && summary.ci95;
    var lo = NaN, hi = NaN;
    if (ci && ci[key]) { lo = ci[key].lo; hi = ci[key].hi; }
    else if (ci) { lo = A.numAt(ci, key + '.lo'); hi = A.numAt(ci, key + '.hi'); }
    if (!bad(lo) && !bad(hi)) out += ' <span class="ci">(95% CI ' + A.esc(show(lo)) + '\u2013' + A.esc(show(hi)) + ')</span>';
    return out;
  };

  // Any JSON value as readable, escaped HTML (objects as "key: value" lists).
  A.valueHtml = function (v) {
    if (typeof v === 'number') return A.esc(A.num(v));
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v === 'string') return A.esc(v);
    if (v === null || v === undefined) return '\u2013';
    if (Array.isArray(v)) return v.map(A.valueHtml).join(', ');
    return Object.keys(v).map(function (k) { return A.esc(k) + ': ' + A.valueHtml(v[k]); }).join(', ');
  };

  // An element with a class and inner HTML (already escaped), appended to `parent` if given.
  A.node = function (tag, cls, html, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (html !== undefined && html !== null) e.innerHTML = html;
    if (parent) parent.appendChild(e);
    return e;
  };

  A.objectAt = function (obj, key) {
    return obj && typeof obj === 'object' && obj[key] && typeof obj[key] === 'object' && !Array.isArray(obj[key]);
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
