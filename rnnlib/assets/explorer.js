/* Gradient-flow explorer of rnnlib (chapter 8), run in the static page with no kernel.
 * It repeats rnnlib/flow.py's recursion (FlowModel._fprime and log10_norms) and
 * rnnlib/explorer.py's drawing and wording; keep the three in step.
 * rnnlibExplorer(P, D): P is the id prefix, D the model data of explorer.model_data(). */
function rnnlibExplorer(P, D) {
  "use strict";
  var W = 640, HT = 350, LEFT = 70, RIGHT = 16, TOP = 50, BOTTOM = 46;
  var BLUE = "#0072B2", ORANGE = "#D55E00", GREY = "#999999";
  var WINDOW = 100, THRESHOLD = 1.0;
  var LOG10_MAX = 308.25471555991675, LOG10_TINY = -307.6526555685888;
  var GAMMA = {tanh: 1.0, sigmoid: 0.25, relu: 1.0, identity: 1.0};
  function unpack(b64) {  // base64 of little-endian float64 bytes -> Float64Array
    var s = atob(b64), bytes = new Uint8Array(s.length), i;
    for (i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    var view = new DataView(bytes.buffer), out = new Float64Array(s.length / 8);
    for (i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  var H = D.H;
  var Q = {orthogonal: unpack(D.Q.orthogonal), gaussian: unpack(D.Q.gaussian)};
  var Wxh = unpack(D.Wxh), U = unpack(D.u), Z = unpack(D.z);

  function $(id) { return document.getElementById(P + "-" + id); }

  // ---- numbers: the same rounding and wording as explorer.py ----
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
  function verdict(logs) {
    var T = logs.length - 1, k = Math.min(WINDOW, T), r = logs[T - k];
    var steps = k + " step" + (k !== 1 ? "s" : "") + " back";
    if (r === -Infinity) return ["vanishing", "vanishing: the signal from " + steps + " is exactly 0 (every path is cut)", k];
    if (r < -THRESHOLD) return ["vanishing", "vanishing: the signal from " + steps + " is " + pow10(r) + " of the last step's", k];
    if (r > THRESHOLD) return ["exploding", "exploding: the signal from " + steps + " is " + pow10(r) + " times the last step's", k];
    return ["stable", "stable: the signal from " + steps + " is " + pow10(r) + " times the last step's (within a factor of 10)", k];
  }
  function rangeNote(r) {
    if (r > LOG10_MAX) return " (> 1.8e308: beyond float64)";
    if (r < LOG10_TINY) return " (< 2.2e-308: beyond float64)";
    return "";
  }
  function details(T, first, boundFirst, s, g) {
    return "At t = 0, " + T + " step" + (T !== 1 ? "s" : "") + " back, \u2016\u2202L/\u2202h_0\u2016 = " + pow10(first) +
      rangeNote(first) + "; the bound (\u03b3\u00b7s)^T = " + pow10(boundFirst) + rangeNote(boundFirst) + ". s = \u03c3_max(W_hh) = " +
      fixed(s, 3) + ", \u03b3 = " + fixed(g, 2) + ", \u03b3\u00b7s = " + fixed(g * s, 3) + ".";
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
    var s = scale * D.sigma[init], gamma = GAMMA[act], gs = gamma * s, bound = new Float64Array(T + 1);
    var lg = gs === 0.0 ? 0.0 : Math.log10(gs);
    for (t = 0; t <= T; t++) { var k = T - t; bound[t] = gs === 0.0 ? (k === 0 ? 0.0 : -Infinity) : k * lg; }
    return {logs: logs, bound: bound, sigma: s, gamma: gamma};
  }

  // ---- drawing: the same markup as explorer.svg_inner ----
  var YSTEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  function yTicks(a1, a2) {
    var lo = Infinity, hi = -Infinity, arrs = [a1, a2], a, b, step;
    for (var m = 0; m < 2; m++) for (var i = 0; i < arrs[m].length; i++) {
      var v = arrs[m][i]; if (isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    for (var n = 0; n < YSTEPS.length; n++) {
      step = YSTEPS[n]; a = Math.floor(lo / step) * step; b = Math.ceil(hi / step) * step;
      if (a === b) { a -= step; b += step; }
      if ((b - a) / step <= 6) break;
    }
    return [a, b, step];
  }
  function xStep(T) {
    var ms = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
    for (var i = 0; i < ms.length; i++) if (T / ms[i] <= 8) return ms[i];
    return 10000;
  }
  function label10(e) { return e === 0 ? "1" : (e === 1 ? "10" : "1e" + e); }
  function path(values, T, sx, ylo, sy) {
    var out = [];
    for (var t = 0; t < values.length; t++) {
      var v = Math.max(values[t], ylo);
      out.push((t === 0 ? "M" : "L") + fixed(LEFT + t * sx, 1) + " " + fixed(HT - BOTTOM - (v - ylo) * sy, 1));
    }
    return out.join("");
  }
  function svgInner(st, r) {
    var T = st.T, yt = yTicks(r.logs, r.bound), lo = yt[0], hi = yt[1], step = yt[2];
    var pw = W - LEFT - RIGHT, ph = HT - TOP - BOTTOM, sx = pw / T, sy = ph / (hi - lo), ybase = HT - BOTTOM;
    var o = ['<rect x="0" y="0" width="' + W + '" height="' + HT + '" fill="#ffffff"/>'], y, e, t, x;
    for (e = lo; e <= hi; e += step) {
      y = fixed(ybase - (e - lo) * sy, 1);
      o.push('<line x1="' + LEFT + '" x2="' + (W - RIGHT) + '" y1="' + y + '" y2="' + y + '" stroke="#dddddd"/>');
      o.push('<text x="' + (LEFT - 6) + '" y="' + y + '" dy="0.32em" text-anchor="end">' + label10(e) + "</text>");
    }
    var limits = [[LOG10_MAX, "float64 overflows above (1.8e308)"], [LOG10_TINY, "float64 underflows below (2.2e-308)"]];
    for (var k = 0; k < 2; k++) {
      if (lo < limits[k][0] && limits[k][0] < hi) {
        y = fixed(ybase - (limits[k][0] - lo) * sy, 1);
        o.push('<line x1="' + LEFT + '" x2="' + (W - RIGHT) + '" y1="' + y + '" y2="' + y + '" stroke="' + GREY + '" stroke-dasharray="2 3"/>');
        o.push('<text x="' + (LEFT + 4) + '" y="' + y + '" dy="-0.3em" fill="#555555">' + limits[k][1] + "</text>");
      }
    }
    var xs = xStep(T);
    for (t = 0; t <= T; t += xs) {
      x = fixed(LEFT + t * sx, 1);
      o.push('<line x1="' + x + '" x2="' + x + '" y1="' + ybase + '" y2="' + (ybase + 5) + '" stroke="#333333"/>');
      o.push('<text x="' + x + '" y="' + (ybase + 17) + '" text-anchor="middle">' + t + "</text>");
    }
    o.push('<line x1="' + LEFT + '" x2="' + (W - RIGHT) + '" y1="' + ybase + '" y2="' + ybase + '" stroke="#333333"/>');
    o.push('<line x1="' + LEFT + '" x2="' + LEFT + '" y1="' + TOP + '" y2="' + ybase + '" stroke="#333333"/>');
    o.push('<text x="' + Math.round(LEFT + pw / 2) + '" y="' + (HT - 8) + '" text-anchor="middle">time step t</text>');
    o.push('<text transform="translate(16 ' + Math.round(TOP + ph / 2) + ') rotate(-90)" text-anchor="middle">' +
      "\u2016\u2202L/\u2202h_t\u2016 (log scale)</text>");
    o.push('<text x="' + LEFT + '" y="16" font-weight="bold">' + st.act + ", " + st.init + ", weight scale " +
      fixed(st.scale, 2) + ", input scale " + fixed(st.input, 2) + ", T = " + T + "</text>");
    o.push('<path d="' + path(r.bound, T, sx, lo, sy) + '" fill="none" stroke="' + ORANGE + '" stroke-width="2" stroke-dasharray="6 4"/>');
    o.push('<path d="' + path(r.logs, T, sx, lo, sy) + '" fill="none" stroke="' + BLUE + '" stroke-width="2.2"/>');
    var lx = W - RIGHT - 250;
    o.push('<line x1="' + lx + '" x2="' + (lx + 24) + '" y1="36" y2="36" stroke="' + BLUE + '" stroke-width="2.2"/>');
    o.push('<text x="' + (lx + 28) + '" y="36" dy="0.32em">measured</text>');
    o.push('<line x1="' + (lx + 100) + '" x2="' + (lx + 124) + '" y1="36" y2="36" stroke="' + ORANGE + '" stroke-width="2" stroke-dasharray="6 4"/>');
    o.push('<text x="' + (lx + 128) + '" y="36" dy="0.32em">bound (\u03b3\u00b7s)^(T\u2212t)</text>');
    return o.join("");
  }

  var api = {compute: compute, verdict: verdict, details: details, svgInner: svgInner, fixed: fixed, pow10: pow10};
  if (typeof document === "undefined") return api;  // outside a browser (tests run it in node)

  // ---- wiring ----
  var svg = $("plot");
  var ranges = [["seq_len", 0], ["weight_scale", 2], ["input_scale", 2]], selects = ["activation", "init"];
  function settings() {
    return {T: parseInt($("seq_len").value, 10), scale: parseFloat($("weight_scale").value),
      input: parseFloat($("input_scale").value), act: $("activation").value, init: $("init").value};
  }
  function redraw() {
    var st = settings(), r = compute(st.T, st.scale, st.act, st.init, st.input), T = st.T;
    var v = verdict(r.logs), det = details(T, r.logs[0], r.bound[0], r.sigma, r.gamma);
    ranges.forEach(function (c) { $(c[0] + "-out").textContent = c[1] === 0 ? String(st.T) : fixed(parseFloat($(c[0]).value), c[1]); });
    selects.forEach(function (c) { $(c + "-out").textContent = $(c).value; });
    svg.innerHTML = svgInner(st, r);
    var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.id = P + "-title";
    title.textContent = "Gradient norm against time step. Verdict: " + v[1] + ". " + det;
    svg.insertBefore(title, svg.firstChild);
    var a = {"data-seq-len": String(T), "data-weight-scale": String(st.scale), "data-activation": st.act,
      "data-init": st.init, "data-input-scale": String(st.input), "data-sigma-max": String(r.sigma),
      "data-gamma": String(r.gamma), "data-window": String(v[2]), "data-verdict": v[0],
      "data-log10-first": String(r.logs[0]), "data-log10-window": String(r.logs[T - v[2]]),
      "data-bound-first": String(r.bound[0]), "data-log10-norms": Array.prototype.join.call(r.logs, ",")};
    for (var k in a) svg.setAttribute(k, a[k]);
    var strong = document.createElement("strong");
    strong.textContent = v[1];
    var verdictEl = $("verdict");
    verdictEl.textContent = "";
    verdictEl.appendChild(strong);
    $("details").textContent = det;
  }
  ranges.forEach(function (c) { $(c[0]).addEventListener("input", redraw); });
  selects.forEach(function (c) { $(c).addEventListener("change", redraw); });
  redraw();
  window.rnnlibExplorers = window.rnnlibExplorers || {};
  api.redraw = redraw;
  window.rnnlibExplorers[P] = api;
  return api;
}
