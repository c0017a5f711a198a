// tables.js -- tables that fit the page: text cells wrap, numbers stay on one line, and a
// table still wider than the page scrolls in its own box and says so under it.
(function (A) {
  'use strict';
  // cols: [{head, num (right-aligned number), html (the cell is HTML already)}]; rows: arrays
  // of cells. Returns the wrapping element, appended to `parent` when given.
  A.table = function (cols, rows, caption, parent) {
    // The caption sits above the table, not in it: a long one would widen a narrow table.
    var out = (caption ? '<p class="table-caption">' + caption + '</p>' : '') + '<table' + (cols.length > 8 ? ' class="wide"' : '') + '>';
    out += '<thead><tr>' + cols.map(function (c) {
      return '<th' + (c.num ? ' class="num"' : '') + '>' + c.head + '</th>';
    }).join('') + '</tr></thead><tbody>';
    rows.forEach(function (r) {
      out += '<tr>' + r.map(function (cell, i) {
        return '<td' + (cols[i] && cols[i].num ? ' class="num"' : '') + '>' + (cell === undefined || cell === null ? '' : cell) + '</td>';
      }).join('') + '</tr>';
    });
    out += '</tbody></table>';
    var wrap = A.node('div', 'table-wrap', out, parent);
    return wrap;
  };

  // After layout: a table wider than its box gets the "scroll sideways" line.
  A.markScrolling = function (root) {
    Array.prototype.forEach.call(root.querySelectorAll('.table-wrap'), function (w) {
      if (w.scrollWidth > w.clientWidth + 2) w.classList.add('scrolls');
    });
  };

  A.section = function (id, title, parent) {
    var h = A.node('h2', null, A.esc(title), parent);
    if (id) h.id = id;
    return h;
  };
  // A section in a box of its own (div#section-<id>), or the box of that id already on the
  // page: a family's declared charts and a table of the same section go under one title.
  A.sectionBox = function (id, title, parent) {
    var box = document.getElementById('section-' + id);
    if (box) return box;
    box = A.node('div', 'section', null, parent);
    box.id = 'section-' + id;
    A.section(id, title, box);
    return box;
  };
  A.notice = function (html, parent) { return A.node('p', 'notice', html, parent); };
  A.card = function (label, value, sub, cls) {
    return '<div class="card' + (cls ? ' ' + cls : '') + '"><div class="label">' + label + '</div><div class="value">' + value +
           '</div>' + (sub ? '<div class="sub">' + sub + '</div>' : '') + '</div>';
  };
})(typeof window !== 'undefined' ? (window.archsim = window.archsim || {}) : (globalThis.archsim = globalThis.archsim || {}));
