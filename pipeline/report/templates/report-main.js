  // report-main.js: draws every section in turn.
  // A part of the page's one script: render.py joins the parts, in SCRIPT_PARTS order, inside one function.
  // each step leaves a performance mark (bench/report.py prints them)
  [["overview", renderOverview], ["filters", setupFilters], ["table", applyFilters], ["where", renderWhere],
    ["unused", renderUnused], ["generated", renderGenerated], ["validation", renderValidation], ["gaps", renderGaps]]
    .forEach(function (step) { step[1](); performance.mark("trustmap-" + step[0]); });
  document.documentElement.setAttribute("data-ready", "true");
  performance.mark("trustmap-ready");
