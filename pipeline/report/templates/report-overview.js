  // report-overview.js: the overview (counts, change, history) and where (matrix, organization tree).
  // A part of the page's one script: render.py joins the parts, in SCRIPT_PARTS order, inside one function.
  // ------------------------------------------------------------------ overview
  function counts() {
    const c = { byType: {}, byCategory: { external: 0, internal: 0, unused: 0, other: 0 }, byStatus: { ACTIVE: 0, ARCHIVED: 0, RESOLVED: 0 },
      public: 0, errors: 0, new: 0, resolvedNow: 0 };
    for (const r of ROWS) {
      const status = S[r[F.status]];
      c.byStatus[status] = (c.byStatus[status] || 0) + 1;
      if (r[F.change] === CHANGE_NEW) c.new++;
      if (r[F.change] === CHANGE_RESOLVED) c.resolvedNow++;
      if (status === "RESOLVED") continue;
      const type = S[r[F.findingType]];
      c.byType[type] = (c.byType[type] || 0) + 1;
      c.byCategory[category(type)]++;
      if (r[F.isPublic]) c.public++;
      if (r[F.error] >= 0) c.errors++;
    }
    return c;
  }
  function card(id, n, label, tone, filter) {
    const body = [el("span", { cls: "n", id: id, "data-count": n, text: fmt(n) }), el("span", { cls: "l", text: label })];
    if (filter) {
      return el("div", { cls: "card" + (tone ? " " + tone : "") },
        el("button", { type: "button", cls: "cardbtn", "aria-label": fmt(n) + " " + label + ": show them", on: { click: filter } }, body));
    }
    return el("div", { cls: "card" + (tone ? " " + tone : "") }, body);
  }
  function renderOverview() {
    const c = counts();
    const gaps = (DATA.run.gaps || []).length;
    const box = $("overview-cards");
    box.append(
      card("count-external", c.byCategory.external, "external access (open)", c.byCategory.external ? "danger" : "", function () { showCategory("ExternalAccess"); }),
      card("count-internal", c.byCategory.internal, "internal access (open)", "", c.byCategory.internal ? function () { showCategory("InternalAccess"); } : null),
      card("count-unused", c.byCategory.unused, "unused access (open)", "", function () { location.hash = "#unused"; }),
      card("count-public", c.public, "public (open)", c.public ? "danger" : "", function () { setFilters({ public: "1" }); }),
      card("count-active", c.byStatus.ACTIVE, "active", "", function () { setFilters({ status: "ACTIVE" }); }),
      card("count-archived", c.byStatus.ARCHIVED, "archived", "", function () { setFilters({ status: "ARCHIVED" }); }),
      card("count-resolved", c.byStatus.RESOLVED, "resolved", "", function () { setFilters({ status: "RESOLVED" }); }),
      card("count-errors", c.errors, "could not be analysed", c.errors ? "warn" : "", null),
      card("count-gaps", gaps, "coverage gaps", gaps ? "warn" : "", function () { location.hash = "#gaps"; }));
    if (c.byCategory.other) box.append(card("count-other", c.byCategory.other, "other finding types (open)", "", null));
    const types = Object.keys(c.byType).sort();
    if (types.length) {
      box.after(el("p", { cls: "hint" }, "Open findings by type: " + types.map(function (t) { return t + " " + fmt(c.byType[t]); }).join(" · ")));
    }
    const history = DATA.history || [];
    const change = $("overview-change");
    const previous = history.length >= 2 ? history[history.length - 2] : null;
    change.append(el("div", { cls: "cards" },
      card("count-new", c.new, "new this run", c.new ? "danger" : "", function () { setFilters({ change: "1" }); }),
      card("count-resolved-now", c.resolvedNow, "resolved this run", "", function () { setFilters({ change: "2" }); })));
    change.append(el("p", { cls: "hint", text: previous ? "Compared with the run that finished " + previous.finishedAt + "." :
      "No earlier run is recorded next to this one's lifecycle state: every finding is new." }));
    renderHistory(history);
  }
  function openOf(entry) {
    const s = entry.findingsByStatus || {};
    return (s.ACTIVE || 0) + (s.ARCHIVED || 0);
  }
  function renderHistory(history) {
    const box = $("overview-history");
    if (!history.length) { box.append(el("p", { cls: "hint", text: "No run history yet (it is written by trustmap scan)." })); return; }
    const recent = history.slice(-12);
    const max = Math.max.apply(null, recent.map(openOf).concat([1]));
    box.append(el("p", null, el("span", { cls: "spark", "aria-hidden": "true" }, recent.map(function (e) {
      return el("span", { style: "height:" + Math.max(2, Math.round(100 * openOf(e) / max)) + "%", title: e.finishedAt + ": " + openOf(e) });
    })), " open findings over the last " + recent.length + " run" + (recent.length === 1 ? "" : "s")));
    const types = [];
    recent.forEach(function (e) { Object.keys(e.findingsByType || {}).forEach(function (t) { if (types.indexOf(t) < 0) types.push(t); }); });
    types.sort();
    box.append(el("div", { cls: "scroll" }, el("table", { id: "history-table" },
      el("caption", { cls: "visually-hidden", text: "Recent runs" }),
      el("thead", null, el("tr", null, [el("th", { scope: "col", text: "Run finished" })].concat(
        types.map(function (t) { return el("th", { scope: "col", cls: "num", text: t }); }),
        ["open", "public", "new", "reopened", "resolved", "gaps"].map(function (t) { return el("th", { scope: "col", cls: "num", text: t }); })))),
      el("tbody", null, recent.slice().reverse().map(function (e) {
        const ch = e.changes || {};
        return el("tr", null, [el("th", { scope: "row", text: e.finishedAt || "" })].concat(
          types.map(function (t) { return el("td", { cls: "num", text: fmt((e.findingsByType || {})[t] || 0) }); }),
          [openOf(e), e.public || 0, ch.new || 0, ch.reopened || 0, ch.resolved || 0, e.gaps || 0].map(function (n) { return el("td", { cls: "num", text: fmt(n) }); })));
      })))));
  }

  // ------------------------------------------------------------------ where: matrix and organization
  function accountNames() {
    const names = {};
    const org = DATA.organization;
    if (org && org.accounts) org.accounts.forEach(function (a) { names[a.id] = a.name; });
    return names;
  }
  function renderWhere() {
    // counted by string-table index (cheap on 50,000 rows), then named
    const byIndex = new Map(), resolved = S.indexOf("RESOLVED");
    for (const r of ROWS) {
      if (r[F.status] === resolved) continue;
      const key = r[F.resourceOwnerAccount] * S.length + r[F.resourceType];
      byIndex.set(key, (byIndex.get(key) || 0) + 1);
    }
    const cells = {}, perAccount = {}, types = {};
    byIndex.forEach(function (n, key) {
      const a = S[Math.floor(key / S.length)], t = S[key % S.length];
      cells[a + "\u0000" + t] = n;
      perAccount[a] = (perAccount[a] || 0) + n;
      types[t] = (types[t] || 0) + n;
    });
    const names = accountNames();
    const accounts = Object.keys(perAccount).sort(function (x, y) { return perAccount[y] - perAccount[x] || (x < y ? -1 : 1); });
    const typeList = Object.keys(types).sort();
    const box = $("matrix");
    if (!accounts.length) { box.append(el("p", { text: "No open findings." })); }
    else {
      let max = 1;
      for (const k in cells) max = Math.max(max, cells[k]);
      const heat = function (n) { return n ? 1 + Math.min(4, Math.floor(4 * Math.log(n) / Math.log(max + 1) + 0.0001)) : 0; };
      box.append(el("table", { cls: "matrix", id: "matrix-table" },
        el("caption", { cls: "visually-hidden", text: "Open findings per account and resource type" }),
        el("thead", null, el("tr", null, [el("th", { scope: "col", text: "Account" })].concat(
          typeList.map(function (t) { return el("th", { scope: "col", cls: "rt", title: t, text: t.replace(/^AWS::/, "").replace(/::/g, "\n") }); }),
          [el("th", { scope: "col", cls: "num", text: "Total" })]))),
        el("tbody", null, accounts.map(function (a) {
          return el("tr", null, [el("th", { scope: "row", text: a + (names[a] ? " (" + names[a] + ")" : "") })].concat(
            typeList.map(function (t) {
              const n = cells[a + "\u0000" + t] || 0;
              if (!n) return el("td", { cls: "heat0" }, el("span", { cls: "visually-hidden", text: "0" }));
              return el("td", { cls: "heat" + heat(n) }, el("button", { type: "button", cls: "heat" + heat(n),
                "aria-label": fmt(n) + " open findings on " + t + " in account " + a, "data-account": a, "data-rtype": t,
                on: { click: function () { setFilters({ account: a, rtype: t, status: "" }); } } }, fmt(n)));
            }),
            [el("td", { cls: "num", text: fmt(perAccount[a]) })]));
        }))));
    }
    renderOrgTree(perAccount, names);
  }
  function renderOrgTree(perAccount, names) {
    const box = $("orgtree");
    const org = DATA.organization;
    if (!org || !org.accounts) { box.append(el("p", { cls: "hint", text: "The scan's run.json does not describe the organization (a scan of accounts outside an organization, or an older scan)." })); return; }
    const ous = org.organizationalUnits || [];
    const children = {};
    const parentOf = function (path) {
      const parts = (path || "").split("/").filter(Boolean);
      return parts.length ? parts[parts.length - 1] : null;
    };
    let root = null;
    ous.forEach(function (ou) { (children[ou.parentId] = children[ou.parentId] || []).push({ ou: ou }); });
    org.accounts.forEach(function (a) {
      const parent = parentOf(a.path);
      (children[parent] = children[parent] || []).push({ account: a });
      if (parent && parent.indexOf("r-") === 0) root = parent;
    });
    ous.forEach(function (ou) { if (ou.parentId && ou.parentId.indexOf("r-") === 0) root = ou.parentId; });
    const totalOf = {};
    function total(id) {
      if (totalOf[id] !== undefined) return totalOf[id];
      let n = 0;
      (children[id] || []).forEach(function (c) { n += c.ou ? total(c.ou.id) : (perAccount[c.account.id] || 0); });
      return (totalOf[id] = n);
    }
    function list(id) {
      const items = (children[id] || []).slice().sort(function (x, y) {
        return (x.ou ? 0 : 1) - (y.ou ? 0 : 1) || ((x.ou || x.account).name < (y.ou || y.account).name ? -1 : 1);
      });
      if (!items.length) return null;
      return el("ul", null, items.map(function (c) {
        if (c.ou) {
          return el("li", null, el("span", { cls: "ou", text: c.ou.name + " " }), el("span", { cls: "hint", text: "(" + c.ou.id + ", " + fmt(total(c.ou.id)) + " open findings)" }), list(c.ou.id));
        }
        const a = c.account, n = perAccount[a.id] || 0;
        return el("li", null, n ? el("button", { type: "button", cls: "linkish", on: { click: function () { setFilters({ account: a.id, rtype: "", status: "" }); } } },
          a.id + " " + (a.name || "")) : el("span", { text: a.id + " " + (a.name || "") }),
          el("span", { cls: "hint", text: " " + fmt(n) + " open" + (a.status && a.status !== "ACTIVE" ? " · " + a.status : "") + (a.id === org.managementAccount ? " · management account" : "") }));
      }));
    }
    const roots = root ? [root] : Object.keys(children).filter(function (k) { return k === "null"; });
    box.append(el("ul", { cls: "tree", id: "org-tree" }, roots.map(function (r) {
      return el("li", null, el("span", { cls: "ou", text: "Root " + (org.id || "") + " " }), el("span", { cls: "hint", text: "(" + r + ", " + fmt(total(r)) + " open findings)" }), list(r));
    })));
  }
