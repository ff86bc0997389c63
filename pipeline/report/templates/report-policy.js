  // report-policy.js: policy texts with marks, copy buttons, and recommendations as diffs.
  // A part of the page's one script: render.py joins the parts, in SCRIPT_PARTS order, inside one function.
  // ------------------------------------------------------------------ policy text with marks
  // Offsets from the artifacts count code points; JavaScript strings count UTF-16 units.
  function unitOffsets(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return null;
    const map = [];
    let unit = 0;
    for (const ch of text) { map.push(unit); unit += ch.length; }
    map.push(unit);
    return map;
  }
  function markedText(text, marks) {
    // marks: [{start, end, cls, title}] (code point offsets); overlapping marks nest
    const map = unitOffsets(text);
    const at = function (o) { return map ? map[Math.min(o, map.length - 1)] : o; };
    const cuts = new Set([0, text.length]);
    const spans = marks.map(function (m) { const s = at(m.start), e = at(m.end); cuts.add(s); cuts.add(e); return { s: s, e: e, m: m }; });
    const points = Array.from(cuts).filter(function (x) { return x >= 0 && x <= text.length; }).sort(function (a, b) { return a - b; });
    const pre = el("pre", { cls: "policy" });
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k], b = points[k + 1];
      let node = document.createTextNode(text.slice(a, b));
      spans.forEach(function (sp) {
        if (sp.s <= a && b <= sp.e && sp.s < sp.e) node = el("mark", { cls: sp.m.cls, title: sp.m.title || null }, node);
      });
      pre.appendChild(node);
    }
    return pre;
  }
  function policyBlock(pIndex, grantStatements, heading) {
    const p = POLICIES[pIndex], text = TEXTS[p.t];
    const marks = [];
    (grantStatements || []).forEach(function (si) {
      const sp = p.st[si];
      if (sp) marks.push({ start: sp[0], end: sp[1], cls: "grant", title: "grants the example request (statement " + si + ")" });
    });
    p.v.forEach(function (v) {
      (v[4] || []).forEach(function (sp) { marks.push({ start: sp[0], end: sp[1], cls: "vfind", title: v[0] + " " + v[1] + ": " + v[2] }); });
    });
    const where = [p.type, p.rt, p.name].filter(Boolean).join(" · ");
    return el("div", { cls: "policy-wrap", "data-policy": pIndex },
      el("div", { cls: "policy-head" }, el("strong", { text: heading || p.arn || "" }), el("span", { cls: "hint", text: where }), copyButton(text)),
      markedText(text, marks),
      p.v.length ? el("ul", { cls: "vlist" }, p.v.map(function (v) {
        return el("li", null, el("span", { cls: "vt-" + v[0], text: v[0] + " " }), el("code", { text: v[1] }), " " + v[2] + " ",
          v[3] ? el("a", { href: v[3], rel: "noreferrer", text: "learn more" }) : null);
      })) : null);
  }
  function copyButton(text) {
    const status = el("span", { cls: "hint", role: "status" });
    const button = el("button", { type: "button", cls: "copy", on: { click: function () {
      const done = function () { status.textContent = "copied"; setTimeout(function () { status.textContent = ""; }, 2000); };
      const fallback = function () {
        const area = el("textarea", { readonly: true, style: "position:fixed;left:-9999px" });
        area.value = text;
        document.body.appendChild(area);
        area.select();
        const ok = document.execCommand && document.execCommand("copy");
        area.remove();
        if (ok) done(); else status.textContent = "select the text to copy it";
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    } } }, "Copy");
    return el("span", null, button, " ", status);
  }

  // ------------------------------------------------------------------ line diff (recommended policies)
  function diffLines(a, b) {
    const x = a.split("\n"), y = b.split("\n");
    const n = x.length, m = y.length;
    const lcs = [];
    for (let i = 0; i <= n; i++) lcs.push(new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
    const out = [];
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) { out.push(["same", "  " + x[i]]); i++; j++; }
      else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { out.push(["del", "- " + x[i]]); i++; }
      else { out.push(["add", "+ " + y[j]]); j++; }
    }
    return el("pre", { cls: "diff" }, out.map(function (d) { return el("span", { cls: d[0], text: d[1] }); }));
  }
  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }
  function existingPolicy(principal, policyId) {
    for (let k = 0; k < POLICIES.length; k++) {
      const p = POLICIES[k];
      if (p.type !== "IDENTITY_POLICY") continue;
      if (p.arn === policyId || (p.arn === principal && p.name === policyId)) return k;
    }
    return -1;
  }
  function recommendationBlock(principal, rec) {
    const steps = (rec.recommendedSteps || []).map(function (s) { return s.unusedPermissionsRecommendedStep || s; });
    return el("div", { cls: "recommendation" }, steps.map(function (s) {
      const k = s.existingPolicyId ? existingPolicy(principal, s.existingPolicyId) : -1;
      const before = k >= 0 ? pretty(TEXTS[POLICIES[k].t]) : null;
      const head = el("p", null, el("strong", { text: s.recommendedAction === "DETACH_POLICY" ? "Detach " : "Replace " }), el("code", { text: s.existingPolicyId || "" }),
        s.recommendedAction === "DETACH_POLICY" ? " (everything it grants is unused)" : " with the recommended policy:");
      if (!s.recommendedPolicy) return el("div", null, head);
      const after = pretty(s.recommendedPolicy);
      return el("div", null, head, before !== null ? diffLines(before, after) : el("pre", { text: after }), copyButton(after));
    }));
  }
