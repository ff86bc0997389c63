  // report-findings.js: the findings table, its filters and search, and a finding's detail.
  // A part of the page's one script: render.py joins the parts, in SCRIPT_PARTS order, inside one function.
  // ------------------------------------------------------------------ findings table
  const state = { type: "", account: "", rtype: "", status: "", public: "", change: "", search: "", page: 0, matches: ORDER };
  const filterIds = { type: "f-type", account: "f-account", rtype: "f-rtype", status: "f-status", public: "f-public", change: "f-change" };
  function fillSelect(id, field) {
    const byIndex = new Map(), n = {};
    for (const r of ROWS) byIndex.set(r[field], (byIndex.get(r[field]) || 0) + 1);
    byIndex.forEach(function (count, k) { n[S[k]] = count; });
    const select = $(id);
    Object.keys(n).sort().forEach(function (v) { select.append(el("option", { value: v, text: (v || "(none)") + " (" + fmt(n[v]) + ")" })); });
  }
  function applyFilters() {
    // filters compare string-table indices (each string is stored once)
    const index = function (v) { return v ? S.indexOf(v) : -2; };
    const type = index(state.type), account = index(state.account), rtype = index(state.rtype), status = index(state.status);
    const pub = state.public === "" ? -1 : Number(state.public), change = state.change === "" ? -1 : Number(state.change);
    const words = state.search.toLowerCase().split(/\s+/).filter(Boolean);
    const out = [];
    for (const i of ORDER) {
      const r = ROWS[i];
      if (type !== -2 && r[F.findingType] !== type) continue;
      if (account !== -2 && r[F.resourceOwnerAccount] !== account) continue;
      if (rtype !== -2 && r[F.resourceType] !== rtype) continue;
      if (status !== -2 && r[F.status] !== status) continue;
      if (pub >= 0 && r[F.isPublic] !== pub) continue;
      if (change >= 0 && r[F.change] !== change) continue;
      if (words.length) {
        const h = haystack(i);
        let all = true;
        for (const w of words) if (h.indexOf(w) < 0) { all = false; break; }
        if (!all) continue;
      }
      out.push(i);
    }
    state.matches = out;
    state.page = 0;
    renderTable();
  }
  function renderTable() {
    const body = $("findings-body");
    const total = state.matches.length;
    const pages = Math.max(1, Math.ceil(total / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * PAGE;
    const rows = [];
    for (let k = start; k < Math.min(total, start + PAGE); k++) {
      const i = state.matches[k], r = ROWS[i];
      const status = S[r[F.status]];
      rows.push(el("tr", { "data-id": r[F.id] },
        el("td", null, el("span", { cls: "badge " + status, text: status }), r[F.change] === CHANGE_NEW ? [" ", el("span", { cls: "badge new", text: "new" })] : null),
        el("td", { text: S[r[F.findingType]] }),
        el("td", { cls: "res" }, el("button", { type: "button", cls: "linkish", "aria-label": "Details of the finding on " + r[F.resource],
          on: { click: function () { showDetail(i); } } }, r[F.resource])),
        el("td", { text: S[r[F.resourceType]] }),
        el("td", { cls: "mono", text: S[r[F.resourceOwnerAccount]] }),
        el("td", { text: summary(r) }),
        el("td", null, r[F.isPublic] ? el("span", { cls: "badge public", text: "public" }) : "")));
    }
    body.replaceChildren.apply(body, rows);
    $("result-count").textContent = fmt(total) + " of " + fmt(ROWS.length) + " findings match";
    $("result-count").setAttribute("data-count", total);
    $("result-count").setAttribute("data-search", state.search);  // what the count answers (for tests)
    $("page-info").textContent = total ? "Page " + (state.page + 1) + " of " + pages + " (findings " + fmt(start + 1) + "–" + fmt(Math.min(total, start + PAGE)) + ")" : "";
    $("page-prev").disabled = state.page === 0;
    $("page-next").disabled = state.page >= pages - 1;
  }
  function setFilters(values) {
    for (const key in values) {
      state[key] = values[key];
      if (filterIds[key]) $(filterIds[key]).value = values[key];
    }
    applyFilters();
    $("findings-h").scrollIntoView();
    $("result-count").focus();
  }
  function showCategory(type) { setFilters({ type: type, status: "" }); }
  function setupFilters() {
    fillSelect("f-type", F.findingType);
    fillSelect("f-account", F.resourceOwnerAccount);
    fillSelect("f-rtype", F.resourceType);
    fillSelect("f-status", F.status);
    for (const key in filterIds) {
      $(filterIds[key]).addEventListener("change", function (ev) { state[key] = ev.target.value; applyFilters(); });
    }
    let timer = 0;
    $("f-search").addEventListener("input", function (ev) {
      clearTimeout(timer);
      timer = setTimeout(function () { state.search = ev.target.value; applyFilters(); }, 120);
    });
    $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); state.search = $("f-search").value; applyFilters(); });
    $("f-reset").addEventListener("click", function () {
      $("f-search").value = "";
      setFilters({ type: "", account: "", rtype: "", status: "", public: "", change: "", search: "" });
    });
    $("page-prev").addEventListener("click", function () { state.page--; renderTable(); });
    $("page-next").addEventListener("click", function () { state.page++; renderTable(); });
    $("result-count").setAttribute("tabindex", "-1");
  }

  // ------------------------------------------------------------------ finding detail
  function dlRows(pairs) {
    return el("dl", null, pairs.filter(function (p) { return p[1] !== null && p[1] !== undefined && p[1] !== ""; }).map(function (p) {
      return [el("dt", { text: p[0] }), el("dd", null, typeof p[1] === "string" ? p[1] : p[1])];
    }));
  }
  function unusedTable(details) {
    const rows = [];
    details.forEach(function (d) {
      const u = d.unusedPermissionDetails;
      if (!u) return;
      rows.push(el("tr", null, el("th", { scope: "row", text: u.serviceNamespace || "" }),
        el("td", { text: (u.actions || []).map(function (a) { return a.action; }).join(", ") || "(the whole service)" }),
        el("td", { text: u.lastAccessed || "never in the period" })));
    });
    if (!rows.length) return null;
    return el("table", null, el("thead", null, el("tr", null, el("th", { scope: "col", text: "Service" }), el("th", { scope: "col", text: "Unused actions" }),
      el("th", { scope: "col", text: "Last accessed" }))), el("tbody", null, rows));
  }
  function showDetail(i) { withTexts(function () { drawDetail(i); }); }
  function drawDetail(i) {
    const r = ROWS[i], value = valueOf(r), type = S[r[F.findingType]];
    const body = $("detail-body");
    const parts = [];
    parts.push(dlRows([["Id", el("code", { text: r[F.id] })], ["Type", type], ["Status", S[r[F.status]]], ["Resource", r[F.resource]],
      ["Resource type", S[r[F.resourceType]]], ["Account", S[r[F.resourceOwnerAccount]]], ["Created", S[r[F.createdAt]]], ["Updated", S[r[F.updatedAt]]],
      ["Error", r[F.error] >= 0 ? S[r[F.error]] : null]]));
    const access = accessDetails(r);
    if (access) {
      // the packed example leaves out its resource when it is the finding's
      const example = access.example ? Object.assign({ action: access.example.action, resource: r[F.resource] }, access.example) : null;
      parts.push(el("h4", { text: "Access" }));
      parts.push(dlRows([["Principal", el("code", { text: principalText(access.principal) })], ["Public", access.isPublic ? "yes" : "no"],
        ["Actions", el("ul", { cls: "vlist" }, (access.action || []).map(function (a) { return el("li", null, el("code", { text: a })); }))],
        ["Conditions", access.condition && Object.keys(access.condition).length ? el("pre", { text: json(access.condition) }) : "none"],
        ["Sources", access.sources ? el("pre", { text: json(access.sources) }) : null]]));
      if (example) {
        parts.push(el("h4", { text: "Example request" }));
        parts.push(el("p", { cls: "hint", text: "One request the resource's settings allow, replayed through the concrete evaluator." }));
        parts.push(el("pre", { cls: "example", id: "detail-example", text: json(example) }));
      }
      const grants = {};
      (r[F.grants] || []).forEach(function (g) { (grants[g[0]] = grants[g[0]] || []).push(g[1]); });
      const policies = POLICIES.map(function (p, k) { return p.type === "RESOURCE_POLICY" && p.arn === r[F.resource] ? k : -1; }).filter(function (k) { return k >= 0; });
      parts.push(el("h4", { text: "Policy" }));
      if (!policies.length) parts.push(el("p", { cls: "hint", text: "No resource policy of this resource is in the scan's validation.json; the access comes from its other settings (ACL grants, KMS grants, sharing)." }));
      else if (!Object.keys(grants).length) parts.push(el("p", { cls: "hint", text: "No statement of the resource's policy grants the example request on its own: the access comes from its other settings (ACL grants, KMS grants, sharing, access points)." }));
      else parts.push(el("p", { cls: "hint" }, "Highlighted: ", el("mark", { cls: "grant", text: "the statement that grants the example request" }), "; underlined: validation findings."));
      policies.forEach(function (k) { parts.push(policyBlock(k, grants[k], "Policy of " + r[F.resource])); });
    } else if (type.indexOf("Unused") === 0) {
      const table = unusedTable(value.d || []);
      if (table) { parts.push(el("h4", { text: "Unused services and actions" })); parts.push(table); }
      const other = (value.d || []).filter(function (d) { return !d.unusedPermissionDetails; });
      if (other.length) parts.push(el("pre", { text: json(other) }));
      if (value.r) { parts.push(el("h4", { text: "Recommendation" })); parts.push(recommendationBlock(r[F.resource], value.r)); }
    } else if ((value.d || []).length) {
      parts.push(el("h4", { text: "Details" }));
      parts.push(el("pre", { text: json(value.d) }));
    }
    body.replaceChildren.apply(body, parts);
    $("detail-h").textContent = type + " · " + r[F.resource];
    $("detail").hidden = false;
    $("detail").setAttribute("data-id", r[F.id]);
    $("detail").focus();
  }
