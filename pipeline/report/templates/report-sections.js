  // report-sections.js: unused access, generated policies, policy validation, coverage gaps.
  // A part of the page's one script: render.py joins the parts, in SCRIPT_PARTS order, inside one function.
  // ------------------------------------------------------------------ unused access
  function renderUnused() {
    const byPrincipal = {};
    for (let i = 0; i < ROWS.length; i++) {
      const r = ROWS[i];
      if (S[r[F.findingType]].indexOf("Unused") !== 0 || !isOpen(r)) continue;
      (byPrincipal[r[F.resource]] = byPrincipal[r[F.resource]] || []).push(i);
    }
    const principals = Object.keys(byPrincipal).sort();
    const box = $("unused-body");
    const run = DATA.run.unused;
    if (run) box.append(el("p", { cls: "hint", text: "Judged as of " + run.asOf + " over " + run.trackingDays + " days: " + fmt(run.judged) + " of " + fmt(run.principals) + " principals." }));
    if (!principals.length) { box.append(el("p", { text: "No open unused-access findings." })); }
    steppedList(box, principals, function (p) {
      const rows = byPrincipal[p];
      const kinds = rows.map(function (i) { return summary(ROWS[i]); });
      return lazyDetails([el("span", { cls: "mono", text: p }), " — " + kinds.join("; ")], function (d) {
        rows.forEach(function (i) {
          const r = ROWS[i], value = valueOf(r);
          d.append(el("p", null, el("strong", { text: S[r[F.findingType]] + " " }), el("button", { type: "button", cls: "linkish", on: { click: function () { showDetail(i); } } }, "finding details")));
          const table = unusedTable(value.d || []);
          if (table) d.append(table);
          if (value.r) d.append(recommendationBlock(r[F.resource], value.r));
        });
        const beyond = DATA.grantedUnused[p];
        if (beyond) d.append(el("p", { cls: "hint", text: "CloudTrail shows " + (beyond.observedActions || []).length + " actions used: " + (beyond.observedActions || []).join(", ") }));
      }, { "data-principal": p });
    }, "principals");
  }

  // ------------------------------------------------------------------ generated policies
  function renderGenerated() {
    const box = $("generated-body");
    const list = DATA.generated || [];
    if (!list.length) { box.append(el("p", { cls: "hint", text: "No policies were generated (the scan ran without CloudTrail)." })); return; }
    box.append(el("p", { cls: "hint", text: fmt(list.length) + " principals with activity; each policy allows what the principal did in the window, ready to copy." }));
    steppedList(box, list, function (g) {
      return lazyDetails([el("span", { cls: "mono", text: g.principal }), g.isComplete === false ? " (incomplete: some events map to no known action)" : ""], function (d) {
        if (g.window) d.append(el("p", { cls: "hint", text: "Activity from " + (g.window.startTime || "?") + " to " + (g.window.endTime || "?") + (g.activity ? ": " + fmt(g.activity.events || 0) + " events, " + fmt(g.activity.actions || 0) + " actions." : ".") }));
        g.policies.forEach(function (text, k) {
          d.append(el("div", { cls: "policy-head" }, el("strong", { text: "Policy " + (k + 1) + " of " + g.policies.length }), copyButton(text)), el("pre", { text: text }));
        });
      });
    }, "principals");
  }

  // ------------------------------------------------------------------ validation
  function renderValidation() {
    const box = $("validation-body");
    const withFindings = [];
    const byType = {};
    POLICIES.forEach(function (p, k) {
      if (!p.v.length) return;
      withFindings.push(k);
      p.v.forEach(function (v) { byType[v[0]] = (byType[v[0]] || 0) + 1; });
    });
    if (!withFindings.length) { box.append(el("p", { text: "No validation findings." })); return; }
    box.append(el("p", null, fmt(withFindings.length) + " policies with validation findings: " +
      ["ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"].filter(function (t) { return byType[t]; }).map(function (t) { return fmt(byType[t]) + " " + t; }).join(", ") + ". Each finding's span is marked in the text."));
    const rank = { ERROR: 0, SECURITY_WARNING: 1, WARNING: 2, SUGGESTION: 3 };
    withFindings.sort(function (a, b) {
      const ra = Math.min.apply(null, POLICIES[a].v.map(function (v) { return rank[v[0]] === undefined ? 9 : rank[v[0]]; }));
      const rb = Math.min.apply(null, POLICIES[b].v.map(function (v) { return rank[v[0]] === undefined ? 9 : rank[v[0]]; }));
      return ra - rb || ((POLICIES[a].arn || "") < (POLICIES[b].arn || "") ? -1 : 1);
    });
    steppedList(box, withFindings, function (k) {
      const p = POLICIES[k];
      const codes = p.v.map(function (v) { return v[1]; });
      return lazyDetails([el("span", { cls: "mono", text: (p.arn || "") + (p.name ? " · " + p.name : "") }), " — " + codes.join(", ")],
        function (d) { d.append(policyBlock(k, [], p.arn)); }, { "data-policy": k });
    }, "policies");
  }

  // ------------------------------------------------------------------ coverage gaps
  function renderGaps() {
    const box = $("gaps-body");
    const gaps = DATA.run.gaps || [];
    if (!gaps.length) { box.append(el("p", { text: "None: everything the scan set out to read was read." })); return; }
    box.append(el("p", { cls: "warning", text: fmt(gaps.length) + " things could not be read; findings about them may be missing. Resources whose settings could not all be read also have an error finding." }));
    const table = el("tbody");
    box.append(el("div", { cls: "scroll" }, el("table", null, el("thead", null, el("tr", null, ["Account", "Region", "Resource type", "Operation", "Error", "Message"].map(function (h) { return el("th", { scope: "col", text: h }); }))), table)));
    steppedList(box, gaps, function (g) {
      return el("tr", null, [g.account, g.region, g.resourceType, g.operation, g.errorCode, (g.resourceArn ? g.resourceArn + ": " : "") + (g.message || "")].map(function (v) { return el("td", { text: v === undefined || v === null ? "" : String(v) }); }));
    }, "gaps", table);
  }
