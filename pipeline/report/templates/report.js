// trustmap report: draws the page from the JSON in #trustmap-data (see pipeline/report/model.py).
// Data is only ever put into the page as text (textContent, attributes), never as markup.
"use strict";
(function () {
  performance.mark("trustmap-start");
  const DATA = JSON.parse(document.getElementById("trustmap-data").textContent);
  performance.mark("trustmap-parsed");
  const S = DATA.strings, V = DATA.values, POLICIES = DATA.policies;
  // the policy texts: gzipped JSON in #trustmap-texts, inflated once in the background
  let TEXTS = [];
  const textsReady = (async function () {
    const packed = document.getElementById("trustmap-texts").textContent.trim();
    if (!packed) return;
    const binary = atob(packed);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    TEXTS = JSON.parse(await new Response(stream).text());
    document.documentElement.setAttribute("data-texts-ready", "true");
  })();
  function withTexts(fn) { textsReady.then(fn); }
  // row positions: model.ROW_FIELDS
  const F = {};
  DATA.rowFields.forEach(function (name, i) { F[name] = i; });
  const ROWS = DATA.findings;
  const PAGE = 50;
  const LIST_STEP = 200;
  const CHANGE_NEW = 1, CHANGE_RESOLVED = 2;
  const $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const key in attrs) {
        const value = attrs[key];
        if (value === null || value === undefined || value === false) continue;
        if (key === "text") node.textContent = value;
        else if (key === "cls") node.className = value;
        else if (key === "on") { for (const ev in value) node.addEventListener(ev, value[ev]); }
        else node.setAttribute(key, value === true ? "" : value);
      }
    }
    for (let i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {  // strings become text; arrays (nested too) are appended in order
    if (child === null || child === undefined || child === false || child === "") return;
    if (Array.isArray(child)) child.forEach(function (c) { append(node, c); });
    else node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  function fmt(n) { return Number(n).toLocaleString("en-US"); }
  function json(v) { return JSON.stringify(v, null, 2); }
  function category(type) {
    if (type === "ExternalAccess") return "external";
    if (type === "InternalAccess") return "internal";
    if (type.indexOf("Unused") === 0) return "unused";
    return "other";
  }
  function isOpen(r) { return S[r[F.status]] !== "RESOLVED"; }

  // ------------------------------------------------------------------ finding accessors
  function valueOf(r) { return V[r[F.details]]; }
  function accessDetails(r) {
    const details = valueOf(r).d || [];
    for (const d of details) {
      for (const key in d) if (/AccessDetails$/.test(key) && d[key] && typeof d[key] === "object") return d[key];
    }
    return null;
  }
  function principalText(p) {
    if (!p || typeof p !== "object") return "";
    return Object.keys(p).map(function (k) { return k + " " + (Array.isArray(p[k]) ? p[k].join(", ") : p[k]); }).join("; ");
  }
  function summary(r) {
    const type = S[r[F.findingType]];
    if (r[F.error] >= 0) return "could not be analysed: " + S[r[F.error]];
    const access = accessDetails(r);
    if (access) {
      const actions = access.action || [];
      return principalText(access.principal) + " · " + (actions.length === 1 ? actions[0] : actions.length + " actions");
    }
    const details = valueOf(r).d || [];
    if (type === "UnusedPermission") return details.length + " unused service" + (details.length === 1 ? "" : "s");
    if (type === "UnusedIAMUserAccessKey") {
      const k = (details[0] || {}).unusedIamUserAccessKeyDetails || {};
      return "access key " + (k.accessKeyId || "");
    }
    if (type === "UnusedIAMRole") return "role not used";
    if (type === "UnusedIAMUserPassword") return "console password not used";
    return "";
  }
  const haystacks = new Array(ROWS.length);
  const valueText = new Array(V.length);
  function haystack(i) {
    let h = haystacks[i];
    if (h === undefined) {
      const r = ROWS[i];
      const v = r[F.details];
      if (valueText[v] === undefined) valueText[v] = JSON.stringify(V[v]).toLowerCase();
      h = haystacks[i] = (r[F.id] + " " + r[F.resource] + " " + S[r[F.findingType]] + " " + S[r[F.resourceType]] + " " +
        S[r[F.resourceOwnerAccount]] + " " + (r[F.error] >= 0 ? S[r[F.error]] : "") + " " + valueText[v]).toLowerCase();
    }
    return h;
  }

  // rows come in the table's order (model.py sorts them): active first, then public, then by resource
  const ORDER = ROWS.map(function (_, i) { return i; });

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

  // ------------------------------------------------------------------ lists shown in steps
  function steppedList(container, items, render, noun, listElement) {
    let shown = 0;
    const list = listElement || el("div");
    const more = el("button", { type: "button" });
    const step = function () {
      const next = Math.min(items.length, shown + LIST_STEP);
      for (; shown < next; shown++) list.appendChild(render(items[shown], shown));
      more.textContent = "Show " + fmt(Math.min(LIST_STEP, items.length - shown)) + " more of " + fmt(items.length - shown) + " " + noun;
      more.hidden = shown >= items.length;
    };
    more.addEventListener("click", step);
    if (listElement) container.append(more); else container.append(list, more);
    step();
  }
  function lazyDetails(summaryNodes, fill, attrs) {
    const d = el("details", attrs || null, el("summary", null, summaryNodes));
    let filled = false;
    d.addEventListener("toggle", function () { if (d.open && !filled) { filled = true; withTexts(function () { fill(d); }); } });
    return d;
  }

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

  // each step leaves a performance mark (bench/report.py prints them)
  [["overview", renderOverview], ["filters", setupFilters], ["table", applyFilters], ["where", renderWhere],
    ["unused", renderUnused], ["generated", renderGenerated], ["validation", renderValidation], ["gaps", renderGaps]]
    .forEach(function (step) { step[1](); performance.mark("trustmap-" + step[0]); });
  document.documentElement.setAttribute("data-ready", "true");
  performance.mark("trustmap-ready");
})();
