  // report-data.js: the page's data, expanded from #trustmap-data, and the helpers every part uses.
  // A part of the page's one script: render.py joins the parts, in SCRIPT_PARTS order, inside one function.
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
