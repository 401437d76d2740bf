/* Gradient-flow explorer of rnnlib (chapter 8), run in the static page with no kernel.
 * It repeats rnnlib/flow.py's recursion and rnnlib/explorer/{view,draw}.py's wording and drawing.
 * Every table, constant and string comes from Python as data; nothing is repeated here.
 * rnnlibExplorer(P, C, D): P the id prefix, C explorer.page.script_config(), D explorer.page.model_data(). */
function rnnlibExplorer(P, C, D) {
  "use strict";
  var G = C.geometry, S = pickStrings(C);
  // The page's language picks the string table: <html lang="zh-CN"> (the Chinese edition) -> C.translations.zh.
  function pickStrings(c) {
    var lang = c.lang || (typeof document !== "undefined" && document.documentElement && document.documentElement.lang) || "";
    var primary = String(lang).toLowerCase().split("-")[0];
    return (c.translations && Object.prototype.hasOwnProperty.call(c.translations, primary)) ? c.translations[primary] : c.strings;
  }
  function unpack(b64) {  // base64 of little-endian float64 bytes -> Float64Array
    var s = atob(b64), bytes = new Uint8Array(s.length), i;
    for (i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    var view = new DataView(bytes.buffer), out = new Float64Array(s.length / 8);
    for (i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  var H = D.H, Q = {}, k0;
  for (k0 in D.Q) Q[k0] = unpack(D.Q[k0]);
  var Wxh = unpack(D.Wxh), U = unpack(D.u), Z = unpack(D.z);

  // ---- strings and numbers: the same as explorer/strings.py and explorer/view.py ----
  function fmt(key, f) {
    return S[key].replace(/\{(\w+)\}/g, function (m, n) { return Object.prototype.hasOwnProperty.call(f, n) ? String(f[n]) : m; });
  }
  function steps(n) { return fmt(n === 1 ? "steps_one" : "steps_other", {n: n}); }
  function plain(s) {
    return s.replace(/<sub>(.*?)<\/sub>/g, "_$1").replace(/<sup>(.*?)<\/sup>/g, "^$1").replace(/<[^>]+>/g, "");
  }
  function svgText(s) {
    var opened = 0;
    var out = s.replace(/<(\/?)(sub|sup)>/g, function (m, close, tag) {
      var down = tag === "sub" ? 4 : -5;
      if (close) { opened++; return '</tspan><tspan dy="' + (-down) + '">'; }
      return '<tspan dy="' + down + '" font-size="' + C.subSize + '">';
    });
    for (var i = 0; i < opened; i++) out += "</tspan>";
    return out;
  }
  function fixed(v, digits) {
    var r = Math.floor(v * Math.pow(10, digits) + 0.5);
    var sign = r < 0 ? "-" : "";
    r = Math.abs(r);
    if (digits === 0) return sign + r;
    var p = Math.pow(10, digits), whole = Math.floor(r / p), frac = String(r - whole * p);
    while (frac.length < digits) frac = "0" + frac;
    return sign + whole + "." + frac;
  }
  function pow10(r) {
    if (r === -Infinity) return "0";
    var e = Math.floor(r);
    var d = Math.floor(Math.pow(10, r - e) * 10 + 0.5);
    if (d >= 100) { d = 10; e += 1; }
    var a = Math.floor(d / 10), b = d % 10;
    if (e < -3 || e > 3) return a + "." + b + "e" + e;
    if (e >= 1) { var s = String(d); for (var i = 1; i < e; i++) s += "0"; return s; }
    if (e === 0) return a + "." + b;
    var z = "0."; for (var j = 1; j < -e; j++) z += "0";
    return z + (d < 10 ? "0" + d : String(d));
  }
  function classify(first) { return first < -C.threshold ? "vanishing" : (first > C.threshold ? "exploding" : "stable"); }
  function verdict(logs) {
    var T = logs.length - 1, first = logs[0], kind = classify(first);
    var f = {kind: S["kind_" + kind], steps: steps(T), ratio: pow10(first)};
    return [kind, fmt(first === -Infinity ? "verdict_zero" : "verdict_" + kind, f)];
  }
  function rangeNote(r) {
    if (r > C.log10Max) return S.beyond_max;
    if (r < C.log10Tiny && r !== -Infinity) return S.beyond_tiny;
    return "";
  }
  function details(T, first, boundFirst, s, g) {
    return fmt("details", {first: pow10(first), first_note: rangeNote(first), rate: pow10(first / T),
      bound: pow10(boundFirst), bound_note: rangeNote(boundFirst), s: fixed(s, 3), gamma: fixed(g, 2), gs: fixed(g * s, 3)});
  }
  // The hint said with a verdict, only where it is true: the conditions of view.py's hint_key, in the same order.
  function hintOf(st, r, kind) {
    var logs = r.logs, T = logs.length - 1, first = logs[0], gs = r.gamma * r.sigma;
    if (first === -Infinity) {
      if (st.weight_scale === 0) return ["hint_zero_weight", {}];
      if (st.activation === "relu" && r.off === T) return ["hint_zero_relu_all", {}];
      if (st.activation === "relu" && r.off > 0) return ["hint_zero_relu", {n: r.off, T: T}];
      var t0 = 0;
      for (var t = 0; t <= T; t++) if (logs[t] === -Infinity) t0 = t;
      return ["hint_zero_cut", {t0: t0}];
    }
    if (r.atGamma && st.init === "orthogonal") return ["hint_on_bound", {}];
    if (kind === "vanishing") {
      if (gs < 1.0) return ["hint_guaranteed", {}];
      if ((st.activation === "tanh" || st.activation === "sigmoid") && r.saturated > 0.5) return ["hint_saturated", {}];
      if (st.activation === "tanh" && st.init === "orthogonal" && st.input_scale === 1.0 && T >= 20) return ["hint_allowed_tanh", {}];
      return ["hint_allowed", {rate: pow10(first / T)}];
    }
    return [kind === "exploding" ? "hint_exploding" : "hint_stable", {}];
  }
  // The plot in words: view.py's describe.
  function describe(logs, bound, y, previous, held) {
    var T = logs.length - 1, first = logs[0], out = [], t;
    if (first === -Infinity) {
      var t0 = 0;
      for (t = 0; t <= T; t++) if (logs[t] === -Infinity) t0 = t;
      out.push(fmt("desc_zero", {T: T, t0: t0}));
    } else {
      var shown = pow10(first), one = pow10(0.0);
      out.push(fmt(shown === one ? "desc_flat" : (first < 0 ? "desc_falls" : "desc_rises"), {T: T, first: shown, steps: steps(T)}));
      var loT = 0, hiT = 0;
      for (t = 0; t <= T; t++) { if (logs[t] <= logs[loT]) loT = t; if (logs[t] >= logs[hiT]) hiT = t; }
      var lo = pow10(logs[loT]), hi = pow10(logs[hiT]);
      if (lo !== shown && lo !== one) out.push(fmt("desc_lowest", {value: lo, t: loT}));
      if (hi !== shown && hi !== one) out.push(fmt("desc_highest", {value: hi, t: hiT}));
    }
    var gap = 0;
    for (t = 0; t <= T; t++) if (isFinite(logs[t])) gap = Math.max(gap, Math.abs(logs[t] - bound[t]));
    if (first !== -Infinity && gap <= C.onBound) out.push(S.desc_on_bound);
    else out.push(fmt("desc_below_bound", {bound: pow10(bound[0])}));
    out.push(fmt("desc_axis", {lo: pow10(y[0]), hi: pow10(y[1])}));
    if (previous) out.push(S.desc_previous);
    if (held) {
      var beyond = false;
      [logs, bound].forEach(function (a) { for (var i = 0; i < a.length; i++) if (isFinite(a[i]) && (a[i] < y[0] || a[i] > y[1])) beyond = true; });
      if (beyond) out.push(S.desc_clipped);
    }
    return joinSentences(out);
  }
  function joinSentences(a) {  // view.py's join_sentences: no space after a Chinese full stop
    return a.map(function (s, i) { return s + (/\u3002$/.test(s) || i === a.length - 1 ? "" : " "); }).join("");
  }
  // The data table: view.py's table_rows.
  function tableRows(logs, bound) {
    var T = logs.length - 1, step = C.xSteps[C.xSteps.length - 1], rows = [], t, i;
    for (i = 0; i < C.xSteps.length; i++) if (T / C.xSteps[i] <= C.tableRows) { step = C.xSteps[i]; break; }
    for (t = 0; t <= T; t += step) rows.push([t, pow10(logs[t]), pow10(bound[t])]);
    if (T % step) rows.push([T, pow10(logs[T]), pow10(bound[T])]);
    return [step, rows];
  }

  // ---- the recursion of rnnlib/flow.py ----
  function fprime(T, scale, act, init, inputScale) {
    var q = Q[init], Wm = new Float64Array(H * H), fp = new Float64Array(T * H);
    var i, j, t, acc;
    for (i = 0; i < H * H; i++) Wm[i] = scale * q[i];
    if (act === "identity") { fp.fill(1.0); return {fp: fp, W: Wm}; }
    var xw = function (t, i) { return (inputScale * Z[t]) * Wxh[i]; };
    if (act === "relu") {
      // h_t = e^s v_t with |v_t| <= 1, as flow.py: the sign pattern of a_t is that of W v + e^{-s} xw
      var v = new Float64Array(H), pre = new Float64Array(H), ls = 0.0;
      for (t = 0; t < T; t++) {
        var es = Math.exp(-ls), n2 = 0.0;
        for (i = 0; i < H; i++) {
          acc = 0.0;
          for (j = 0; j < H; j++) acc += Wm[i * H + j] * v[j];
          pre[i] = acc + es * xw(t, i);
        }
        for (i = 0; i < H; i++) {
          fp[t * H + i] = pre[i] > 0.0 ? 1.0 : 0.0;
          v[i] = pre[i] > 0.0 ? pre[i] : 0.0;
          n2 += v[i] * v[i];
        }
        var n = Math.sqrt(n2);
        if (n > 1.0) { for (i = 0; i < H; i++) v[i] /= n; ls += Math.log(n); }
      }
      return {fp: fp, W: Wm};
    }
    // tanh, and sigmoid(a) = (1 + tanh(a/2)) / 2 through the same loop
    var half = act === "sigmoid";
    var h = new Float64Array(H), th = new Float64Array(H);
    for (t = 0; t < T; t++) {
      for (i = 0; i < H; i++) {
        acc = 0.0;
        if (half) { for (j = 0; j < H; j++) acc += (0.5 * Wm[i * H + j]) * h[j]; th[i] = Math.tanh(0.5 * xw(t, i) + acc); }
        else { for (j = 0; j < H; j++) acc += Wm[i * H + j] * h[j]; th[i] = Math.tanh(xw(t, i) + acc); }
      }
      for (i = 0; i < H; i++) {
        var y = th[i];
        fp[t * H + i] = half ? 0.25 * (1.0 - y * y) : 1.0 - y * y;
        h[i] = half ? 0.5 * (1.0 + y) : y;
      }
    }
    return {fp: fp, W: Wm};
  }
  function compute(T, scale, act, init, inputScale) {
    var f = fprime(T, scale, act, init, inputScale), fp = f.fp, Wm = f.W;
    var g = Float64Array.from(U), tmp = new Float64Array(H), sq = new Float64Array(T);
    var i, j, t;
    for (t = T - 1; t >= 0; t--) {
      for (i = 0; i < H; i++) tmp[i] = fp[t * H + i] * g[i];      // backprop through f at step t+1
      g.fill(0.0);
      for (i = 0; i < H; i++) { var ti = tmp[i]; if (ti !== 0.0) for (j = 0; j < H; j++) g[j] += ti * Wm[i * H + j]; }  // through W_hh
      var n2 = 0.0;
      for (j = 0; j < H; j++) n2 += g[j] * g[j];
      if (n2 === 0.0) break;                                        // exactly zero from here on
      sq[t] = n2;
      var inv = 1.0 / Math.sqrt(n2);
      for (j = 0; j < H; j++) g[j] *= inv;                          // renormalise; the scale is kept in sq
    }
    var logs = new Float64Array(T + 1), acc = 0.0;
    for (t = T - 1; t >= 0; t--) { acc += 0.5 * Math.log10(sq[t]); logs[t] = acc; }
    var s = scale * D.sigma[init], gamma = C.gamma[act], gs = gamma * s, bound = new Float64Array(T + 1);
    var lg = gs === 0.0 ? 0.0 : Math.log10(gs);
    for (t = 0; t <= T; t++) { var k = T - t; bound[t] = gs === 0.0 ? (k === 0 ? 0.0 : -Infinity) : k * lg; }
    // view.py's fprime_stats: steps where f' = 0 for every unit; fraction of f'/gamma below C.saturated
    var off = 0, small = 0, atGamma = true, cut = C.saturated * gamma;
    for (t = 0; t < T; t++) {
      var any = false;
      for (i = 0; i < H; i++) {
        var v = fp[t * H + i];
        if (v !== 0.0) any = true;
        if (v < cut) small++;
        if (v !== gamma) atGamma = false;
      }
      if (!any) off++;
    }
    return {logs: logs, bound: bound, sigma: s, gamma: gamma, off: off, saturated: small / (T * H), atGamma: atGamma};
  }

  // ---- drawing: the same markup as explorer/draw.py's svg_inner (role classes) ----
  function yRange(arrays) {
    var lo = Infinity, hi = -Infinity, a, b, step, m, i, v;
    for (m = 0; m < arrays.length; m++) for (i = 0; i < arrays[m].length; i++) {
      v = arrays[m][i]; if (isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    if (lo === Infinity) { lo = 0.0; hi = 0.0; }
    for (var n = 0; n < C.ySteps.length; n++) {
      step = C.ySteps[n]; a = Math.floor(lo / step) * step; b = Math.ceil(hi / step) * step;
      if (a === b) { a -= step; b += step; }
      if ((b - a) / step <= 6) break;
    }
    return [a, b, step];
  }
  function drawnPrevious(previous, T) {  // draw.py's drawn_previous: the last min(T, T') steps, aligned at the end
    var k = Math.min(T, previous.length - 1);
    return [previous.slice(previous.length - 1 - k), T - k];
  }
  function xStep(T, pw) {
    var most = Math.max(2, Math.min(8, Math.floor(pw / G.tick_space)));
    for (var i = 0; i < C.xSteps.length; i++) if (T / C.xSteps[i] <= most) return C.xSteps[i];
    return C.xSteps[C.xSteps.length - 1];
  }
  function frame(width) {  // draw.py's frame (the live page draws no title)
    var W = Math.floor(Math.min(Math.max(Math.floor(width), G.min_width), G.width)), narrow = W < G.narrow;
    return {width: W, legend: C.legend[narrow ? "narrow" : "wide"], legend_y: G.legend_y, top: G.top + (narrow ? G.legend_row : 0)};
  }
  function pow10Label(e) {
    if (e === 0 || e === 1) return e === 0 ? "1" : "10";
    return "10<sup>" + (e < 0 ? "\u2212" : "") + Math.abs(e) + "</sup>";
  }
  function hasInf(a) { for (var i = 0; i < a.length; i++) if (a[i] === -Infinity) return true; return false; }
  function svgInner(st, r, previous, held, width) {
    var f = frame(width === undefined ? G.width : width);
    var W = f.width, HT = G.height, L = G.left, R = G.right, TOP = f.top, T = st.seq_len;
    var prev = previous ? drawnPrevious(previous, T) : null;
    var curves = [r.logs, r.bound].concat(prev ? [prev[0]] : []);
    var yr = held || yRange(curves), lo = yr[0], hi = yr[1], step = yr[2];
    var hasZero = curves.some(hasInf), ybase = HT - G.bottom;
    var ylog = ybase - (hasZero ? G.zero_gap : 0), yzero = ybase - 6;
    var pw = W - L - R, sx = pw / T, sy = (ylog - TOP) / (hi - lo), clipped = false, o = [], y, e, t, x, i;
    function ypos(v) {
      if (v === -Infinity) return fixed(yzero, 1);
      if (v < lo || v > hi) { clipped = true; v = Math.min(Math.max(v, lo), hi); }
      return fixed(ylog - (v - lo) * sy, 1);
    }
    function path(values, t0) {
      var out = [];
      for (var j = 0; j < values.length; j++) out.push((j === 0 ? "M" : "L") + fixed(L + (t0 + j) * sx, 1) + " " + ypos(values[j]));
      return out.join("");
    }
    function p() { return 'class="' + Array.prototype.map.call(arguments, function (a) { return "rx-" + a; }).join(" ") + '"'; }
    var small = ' font-size="' + G.small + '" ';
    o.push('<rect x="0" y="0" width="' + W + '" height="' + HT + '" ' + p("bg") + "/>");
    for (e = lo; e <= hi; e += step) {
      y = fixed(ylog - (e - lo) * sy, 1);
      o.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y + '" y2="' + y + '" ' + p("grid") + "/>");
      o.push('<text x="' + (L - 6) + '" y="' + y + '" dy="0.32em" text-anchor="end">' + svgText(pow10Label(e)) + "</text>");
    }
    var limits = [[C.log10Max, "overflow_line", "-0.4em"], [C.log10Tiny, "underflow_line", "1.1em"]].filter(function (l) { return lo < l[0] && l[0] < hi; });
    for (i = 0; i < limits.length; i++) {
      y = fixed(ylog - (limits[i][0] - lo) * sy, 1);
      o.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y + '" y2="' + y + '" ' + p("limit") + ' stroke-dasharray="2 3"/>');
    }
    if (hasZero) {
      var yb = ylog + (yzero - ylog) / 2;
      o.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + yzero + '" y2="' + yzero + '" ' + p("grid") + "/>");
      o.push('<text x="' + (L - 6) + '" y="' + yzero + '" dy="0.32em" text-anchor="end">' + S.zero + "</text>");
      o.push('<path d="M' + (L - 5) + " " + fixed(yb + 1, 1) + "L" + (L + 5) + " " + fixed(yb - 3, 1) + "M" + (L - 5) + " " +
        fixed(yb + 5, 1) + "L" + (L + 5) + " " + fixed(yb + 1, 1) + '" ' + p("axis") + "/>");
    }
    var xs = xStep(T, pw);
    for (t = 0; t <= T; t += xs) {
      x = fixed(L + t * sx, 1);
      o.push('<line x1="' + x + '" x2="' + x + '" y1="' + ybase + '" y2="' + (ybase + 5) + '" ' + p("axis") + "/>");
      o.push('<text x="' + x + '" y="' + (ybase + 18) + '" text-anchor="middle">' + t + "</text>");
    }
    o.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + ybase + '" y2="' + ybase + '" ' + p("axis") + "/>");
    o.push('<line x1="' + L + '" x2="' + L + '" y1="' + TOP + '" y2="' + ybase + '" ' + p("axis") + "/>");
    o.push('<text x="' + (L + Math.floor(pw / 2)) + '" y="' + (HT - 6) + '" text-anchor="middle">' + svgText(S.axis_x) + "</text>");
    o.push('<text transform="translate(17 ' + Math.floor((TOP + ylog) / 2) + ') rotate(-90)" text-anchor="middle">' + svgText(S.axis_y) + "</text>");
    if (prev) o.push('<path d="' + path(prev[0], prev[1]) + '" fill="none" ' + p("previous") + ' stroke-width="3"/>');
    o.push('<path d="' + path(r.bound, 0) + '" fill="none" ' + p("bound") + ' stroke-width="2" stroke-dasharray="6 4"/>');
    o.push('<path d="' + path(r.logs, 0) + '" fill="none" ' + p("measured") + ' stroke-width="2.2"/>');
    if (T <= C.markersUpTo) {
      for (t = 0; t <= T; t++) o.push('<circle cx="' + fixed(L + t * sx, 1) + '" cy="' + ypos(r.logs[t]) + '" r="3" ' + p("dot") + "/>");
    }
    // notes last, with a halo: the curves never run over them
    for (i = 0; i < limits.length; i++) {
      y = fixed(ylog - (limits[i][0] - lo) * sy, 1);
      o.push('<text x="' + (W - R - 4) + '" y="' + y + '" dy="' + limits[i][2] + '" text-anchor="end"' + small + p("muted", "halo") + " " + C.halo + ">" + svgText(S[limits[i][1]]) + "</text>");
    }
    if (hasZero) {
      o.push('<text x="' + (L + 10) + '" y="' + yzero + '" dy="-0.45em"' + small + p("muted", "halo") + " " + C.halo + ">" + svgText(S.zero_note) + "</text>");
    }
    if (clipped) {
      o.push('<text x="' + (W - R - 4) + '" y="' + (TOP + 12) + '" text-anchor="end"' + small + p("muted", "halo") + " " + C.halo + ">" + svgText(S.clipped) + "</text>");
    }
    var legend = [["measured", 'stroke-width="2.2"', "legend_measured"], ["bound", 'stroke-width="2" stroke-dasharray="6 4"', "legend_bound"]];
    if (prev) legend.push(["previous", 'stroke-width="3"', "legend_previous"]);
    for (i = 0; i < legend.length; i++) {
      var place = f.legend[legend[i][0]];
      x = L + place[0]; y = f.legend_y + place[1] * G.legend_row;
      o.push('<line x1="' + x + '" x2="' + (x + 24) + '" y1="' + y + '" y2="' + y + '" ' + p(legend[i][0]) + " " + legend[i][1] + "/>");
      o.push('<text x="' + (x + 28) + '" y="' + y + '" dy="0.32em">' + svgText(S[legend[i][2]]) + "</text>");
    }
    return [o.join(""), [lo, hi, step], W];
  }

  var api = {compute: compute, verdict: verdict, details: details, hintOf: hintOf, describe: describe,
    tableRows: tableRows, svgInner: svgInner, frame: frame, fixed: fixed, pow10: pow10, fmt: fmt, plain: plain,
    svgText: svgText};
  if (typeof document === "undefined") return api;  // outside a browser (tests run it in node)

  // ---- the live page: built from C.controls and C.presets, replacing the static picture ----
  // For keyboard and screen-reader users: labelled controls (sliders say their value with its meaning,
  // aria-valuetext), presets as buttons, the plot as an image with a name (its <title>) and a description
  // (the paragraph P-desc, also shown with the data table in a <details>), and the verdict announced once
  // per burst of changes through a polite live region (P-status).
  var root = document.getElementById(P), byKey = {}, inputs = {}, outputs = {}, buttons = [];
  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", plain(S.region_label));
  var live = el("div", {"class": "rx-live"});
  var presetBox = el("div", {"class": "rx-presets", role: "group", "aria-labelledby": P + "-presets-label"});
  presetBox.appendChild(el("span", {"class": "rx-presets-label", id: P + "-presets-label"}, S.presets_label));
  C.presets.forEach(function (pr) {
    var b = el("button", {type: "button", "data-preset": pr.name, "aria-pressed": "false",
      title: plain(S["preset_" + pr.name + "_about"])}, S["preset_" + pr.name]);
    b.addEventListener("click", function () { applyPreset(pr); });
    buttons.push(b);
    presetBox.appendChild(b);
  });
  var box = el("div", {"class": "rx-controls", role: "group", "aria-label": plain(S.controls_label)});
  C.controls.forEach(function (c) {
    byKey[c.key] = c;
    var id = P + "-" + c.key, v = C.settings[c.key], field = el("div", {"class": "rx-field rx-" + c.kind}), input;
    var label = el("label", {"for": id}, S[c.key]);
    if (c.kind === "bool") {
      input = el("input", {type: "checkbox", id: id, name: c.key, autocomplete: "off"});
      input.checked = !!v;
      field.appendChild(input); field.appendChild(label);
    } else {
      if (c.kind === "choice") {
        input = el("select", {id: id, name: c.key, autocomplete: "off"});
        c.choices.forEach(function (o) { var opt = el("option", {value: o}); opt.textContent = plain(S["choice_" + o]); input.appendChild(opt); });
      } else {
        input = el("input", {type: "range", id: id, name: c.key, min: String(c.min), max: String(c.max),
          step: String(c.step), autocomplete: "off"});
      }
      input.value = c.kind === "choice" ? v : fixed(v, c.digits);
      field.appendChild(label); field.appendChild(input);
      if (c.kind !== "choice") {  // a select shows its own value; a slider's value is read out by aria-valuetext
        outputs[c.key] = el("output", {id: id + "-out", "for": id, "aria-hidden": "true"});
        field.appendChild(outputs[c.key]);
      }
    }
    inputs[c.key] = input;
    box.appendChild(field);
  });
  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  var svgAttrs = {id: P + "-plot", "class": "rx-plot", role: "img", "aria-labelledby": P + "-title",
    "aria-describedby": P + "-desc", "font-family": "sans-serif", "font-size": String(G.font)};
  for (var a0 in svgAttrs) svg.setAttribute(a0, svgAttrs[a0]);
  var figure = el("div", {"class": "rx-figure"});
  figure.appendChild(svg);
  var verdictEl = el("p", {id: P + "-verdict", "class": "rx-verdict"});
  var detailsEl = el("p", {id: P + "-details", "class": "rx-details"});
  var hintEl = el("p", {id: P + "-hint", "class": "rx-hint"});
  var aboutEl = el("p", {id: P + "-about", "class": "rx-about"});
  var dataEl = el("details", {"class": "rx-data", id: P + "-data"});
  dataEl.appendChild(el("summary", {}, S.data_summary));
  var descEl = el("p", {id: P + "-desc", "class": "rx-desc"});
  var tableEl = el("table", {"class": "rx-table", id: P + "-table"});
  var captionEl = el("caption"), bodyEl = el("tbody"), headEl = el("thead");
  headEl.innerHTML = '<tr><th scope="col">' + S.data_t + '</th><th scope="col">' + S.data_measured +
    '</th><th scope="col">' + S.data_bound + "</th></tr>";
  [captionEl, headEl, bodyEl].forEach(function (n) { tableEl.appendChild(n); });
  dataEl.appendChild(descEl); dataEl.appendChild(tableEl);
  var statusEl = el("div", {id: P + "-status", "class": "rx-sr-only", role: "status", "aria-live": "polite", "aria-atomic": "true"});
  [presetBox, box, figure, verdictEl, detailsEl, hintEl, aboutEl, dataEl, statusEl].forEach(function (n) { live.appendChild(n); });
  var fallback = root.querySelector(".rx-static");
  if (fallback) root.replaceChild(live, fallback); else root.appendChild(live);

  function value(key) {  // the control's value, snapped to its step (no float noise)
    var c = byKey[key], input = inputs[key];
    if (c.kind === "bool") return input.checked;
    if (c.kind === "choice") return input.value;
    var v = Math.min(Math.max(parseFloat(input.value), c.min), c.max);
    return c.kind === "int" ? Math.round(v) : parseFloat(fixed(Math.round(v / c.step) * c.step, c.digits));
  }
  function settings() { var st = {}; C.controls.forEach(function (c) { st[c.key] = value(c.key); }); return st; }
  function presetOf(st) {
    for (var i = 0; i < C.presets.length; i++) {
      var ok = true, ps = C.presets[i].settings;
      for (var k in ps) if (st[k] !== ps[k]) ok = false;
      if (ok) return C.presets[i].name;
    }
    return null;
  }
  // The live region speaks once per burst: each change restarts the clock, and the verdict is written
  // C.announceDelay ms after the last one, and only if it differs from what was last announced.
  var announced = null, timer = null;
  function announce(sentence) {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(function () {
      timer = null;
      if (sentence !== announced) { announced = sentence; statusEl.textContent = sentence; }
    }, C.announceDelay);
  }
  var committed = null, previous = null, held = null, shownRange = null, shownWidth = null, current = null, moving = false;
  function drawWidth() { return frame(figure.clientWidth || G.width).width; }
  function redraw(speak) {
    var st = settings(), T = st.seq_len;
    var r = compute(T, st.weight_scale, st.activation, st.init, st.input_scale);
    var v = verdict(r.logs), det = details(T, r.logs[0], r.bound[0], r.sigma, r.gamma);
    var drawn = svgInner(st, r, previous, held, drawWidth());
    shownRange = drawn[1]; shownWidth = drawn[2];
    current = r.logs;
    C.controls.forEach(function (c) {
      if (!outputs[c.key]) return;
      outputs[c.key].textContent = fixed(st[c.key], c.digits);
    });
    inputs.seq_len.setAttribute("aria-valuetext", steps(T));
    inputs.weight_scale.setAttribute("aria-valuetext", plain(fmt("valuetext_weight_scale",
      {value: fixed(st.weight_scale, 2), s: fixed(r.sigma, 3), gs: fixed(r.gamma * r.sigma, 3)})));
    inputs.input_scale.setAttribute("aria-valuetext", plain(fmt("valuetext_input_scale", {value: fixed(st.input_scale, 2)})));
    svg.setAttribute("viewBox", "0 0 " + shownWidth + " " + G.height);
    svg.innerHTML = '<title id="' + P + '-title"></title>' + drawn[0];
    svg.firstChild.textContent = plain(S.plot_label + " " + v[1] + " " + det);
    var a = {"data-seq-len": String(T), "data-weight-scale": String(st.weight_scale), "data-activation": st.activation,
      "data-init": st.init, "data-input-scale": String(st.input_scale), "data-sigma-max": String(r.sigma),
      "data-gamma": String(r.gamma), "data-verdict": v[0], "data-log10-first": String(r.logs[0]),
      "data-bound-first": String(r.bound[0]), "data-y-range": shownRange.join(","), "data-width": String(shownWidth),
      "data-log10-norms": Array.prototype.join.call(r.logs, ",")};
    for (var k in a) svg.setAttribute(k, a[k]);
    verdictEl.className = "rx-verdict rx-kind-" + v[0];
    verdictEl.innerHTML = "<strong>" + v[1] + "</strong>";
    detailsEl.innerHTML = det;
    var h = hintOf(st, r, v[0]);
    hintEl.innerHTML = fmt(h[0], h[1]);
    hintEl.setAttribute("data-hint", h[0]);
    var name = presetOf(st);
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-preset") === name)); });
    aboutEl.innerHTML = name ? S["preset_" + name + "_about"] : "";
    descEl.innerHTML = describe(r.logs, r.bound, shownRange, !!previous, !!held);
    var tr = tableRows(r.logs, r.bound);
    captionEl.innerHTML = fmt("data_caption", {T: T, step: tr[0]});
    bodyEl.innerHTML = tr[1].map(function (row) {
      return '<tr><th scope="row">' + row[0] + "</th><td>" + row[1] + "</td><td>" + row[2] + "</td></tr>";
    }).join("");
    if (speak) announce(plain(v[1])); else if (announced === null) announced = plain(v[1]);
  }
  // The faded curve is the setting before the current interaction (a drag, a choice, a preset).
  function begin() { if (!moving) { previous = committed; moving = true; } }
  function commit() { moving = false; committed = current; }
  function applyPreset(pr) {
    begin();
    for (var k in pr.settings) inputs[k].value = byKey[k].kind === "choice" ? pr.settings[k] : fixed(pr.settings[k], byKey[k].digits);
    redraw(true); commit();
  }
  C.controls.forEach(function (c) {
    var input = inputs[c.key];
    if (c.kind === "bool") {
      input.addEventListener("change", function () { held = input.checked ? shownRange : null; redraw(true); });
    } else if (c.kind === "choice") {
      input.addEventListener("change", function () { begin(); redraw(true); commit(); });
    } else {
      input.addEventListener("input", function () { begin(); redraw(true); });
      input.addEventListener("change", function () { input.value = fixed(value(c.key), c.digits); commit(); });
    }
  });
  if (C.settings.hold_y) { redraw(false); held = shownRange; }
  redraw(false);
  committed = current;
  // Draw at the width shown (one user unit per CSS pixel): text keeps its size on a phone.
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(function () { if (drawWidth() !== shownWidth) redraw(false); }).observe(figure);
  }
  window.rnnlibExplorers = window.rnnlibExplorers || {};
  api.redraw = redraw;
  window.rnnlibExplorers[P] = api;
  return api;
}
