/* Interactive long tables, offline and without a library (helpers.tables.to_html marks tables of
   more than 25 rows, and tables asked for with interactive=True, with the class "bclm-interactive"). Progressive enhancement: every row stays
   in the HTML, so the table reads in full without JavaScript and in print. With JavaScript a
   reader gets a filter box, sorting by a click on a header (again to reverse), and pages of 25
   rows; the header stays in view while the table scrolls (bclm.css). */
(function () {
  "use strict";
  var PAGE = 25;

  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.trim() : "";
  }

  function sortKey(text) {
    // A leading number ("0.69 (95% CI …)", "12", "−0.4") sorts as a number; other text as text.
    var match = text.replace("\u2212", "-").match(/^[<>≤≥]?\s*(-?\d+(?:\.\d+)?)/);
    return match ? { num: parseFloat(match[1]), text: text } : { num: null, text: text.toLowerCase() };
  }

  function compare(a, b) {
    if (a.num !== null && b.num !== null) return a.num - b.num;
    if (a.num !== null) return -1;
    if (b.num !== null) return 1;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }

  function enhance(table) {
    var body = table.tBodies[0];
    if (!body || table.dataset.bclmEnhanced) return;
    table.dataset.bclmEnhanced = "1";
    var rows = Array.prototype.slice.call(body.rows);
    var state = { page: 0, filter: "", column: -1, descending: false };

    var controls = document.createElement("div");
    controls.className = "bclm-table-controls";
    var label = document.createElement("label");
    label.textContent = "Filter rows ";
    var input = document.createElement("input");
    input.type = "search";
    input.setAttribute("aria-label", "Filter the rows of this table");
    label.appendChild(input);
    var status = document.createElement("span");
    status.className = "bclm-table-status";
    status.setAttribute("aria-live", "polite");
    var previous = document.createElement("button");
    previous.type = "button";
    previous.textContent = "‹ Previous";
    var next = document.createElement("button");
    next.type = "button";
    next.textContent = "Next ›";
    var all = document.createElement("button");
    all.type = "button";
    all.textContent = "Show all";
    controls.appendChild(label);
    controls.appendChild(previous);
    controls.appendChild(status);
    controls.appendChild(next);
    controls.appendChild(all);
    var wrap = table.closest(".bclm-table-wrap") || table;
    wrap.parentNode.insertBefore(controls, wrap);

    function render() {
      var needle = state.filter.toLowerCase();
      var shown = rows.filter(function (row) {
        return !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      });
      if (state.column >= 0) {
        shown.sort(function (a, b) {
          var order = compare(sortKey(cellText(a, state.column)), sortKey(cellText(b, state.column)));
          return state.descending ? -order : order;
        });
      }
      var size = state.page < 0 ? shown.length || 1 : PAGE;
      var pages = Math.max(1, Math.ceil(shown.length / size));
      var page = state.page < 0 ? 0 : Math.min(state.page, pages - 1);
      state.page = state.page < 0 ? -1 : page;
      rows.forEach(function (row) { row.hidden = true; });
      shown.forEach(function (row, i) {
        body.appendChild(row);
        row.hidden = !(i >= page * size && i < (page + 1) * size);
      });
      status.textContent = shown.length === 0 ? "no rows match" :
        "rows " + (page * size + 1) + "–" + Math.min((page + 1) * size, shown.length) + " of " + shown.length;
      previous.disabled = page === 0 || state.page < 0;
      next.disabled = page >= pages - 1 || state.page < 0;
      all.textContent = state.page < 0 ? "Pages of " + PAGE : "Show all";
    }

    input.addEventListener("input", function () { state.filter = input.value; if (state.page > 0) state.page = 0; render(); });
    previous.addEventListener("click", function () { state.page = Math.max(0, state.page - 1); render(); });
    next.addEventListener("click", function () { state.page += 1; render(); });
    all.addEventListener("click", function () { state.page = state.page < 0 ? 0 : -1; render(); });

    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "bclm-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        state.descending = state.column === index ? !state.descending : false;
        state.column = index;
        Array.prototype.forEach.call(headers, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
        render();
      });
    });
    render();
  }

  function enhanceAll() {
    Array.prototype.forEach.call(document.querySelectorAll("table.bclm-interactive"), enhance);
  }

  // A table that is not interactive and would scroll sideways on a screen wider than a phone gets
  // the class "bclm-fit" (bclm.css lets its long words break so that it fits the column).
  function fitWide() {
    if (window.innerWidth <= 600) return;
    Array.prototype.forEach.call(document.querySelectorAll(".bclm-table-wrap > table.bclm-table"), function (table) {
      var wrap = table.parentElement;
      if (!table.classList.contains("bclm-interactive") && wrap.scrollWidth > wrap.clientWidth + 1) {
        table.classList.add("bclm-fit");
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
  if (document.readyState === "complete") fitWide();
  else window.addEventListener("load", fitWide);
  // Print every row, whatever page or filter is on screen.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.bclm-interactive tbody tr"), function (row) {
      row.dataset.bclmHidden = row.hidden ? "1" : "";
      row.hidden = false;
    });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.bclm-interactive tbody tr"), function (row) {
      row.hidden = row.dataset.bclmHidden === "1";
    });
  });
})();
