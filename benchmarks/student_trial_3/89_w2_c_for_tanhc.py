def my_lstm_backward(params, x, y, h0, c0, loss_at):
    trace = LSTM.from_params(params).forward(x, h0, c0)
    T, B = trace.o.shape[:2]
    gi, gf, gc, go, tc, c, h = trace.gi, trace.gf, trace.c_tilde, trace.go, trace.tanh_c, trace.c, trace.h
    e = (trace.o - y) / B
    if loss_at == "last":
        e[:-1] = 0
    g = {n: np.zeros_like(v) for n, v in params.items()}
    rec = np.zeros_like(h0)      # sum_k delta^k_{t+1} @ W^k_h
    cbar_next = np.zeros_like(c0)
    gf_next = np.zeros_like(c0)
    for t in range(T - 1, -1, -1):   # array index t is step t+1
        hbar = e[t] @ params["W_ho"] + rec
        cbar = hbar * go[t] * (1 - tc[t] ** 2) + cbar_next * gf_next
        d = {
            "o": hbar * c[t + 1] * go[t] * (1 - go[t]),
            "f": cbar * c[t] * gf[t] * (1 - gf[t]),
            "i": cbar * gc[t] * gi[t] * (1 - gi[t]),
            "c": cbar * gi[t] * (1 - gc[t] ** 2),
        }
        for k in "ifco":
            g[f"W{k}_x"] += d[k].T @ x[t]
            g[f"W{k}_h"] += d[k].T @ h[t]
            g[f"b{k}"] += d[k].sum(axis=0)
        g["W_ho"] += e[t].T @ h[t + 1]
        g["b_o"] += e[t].sum(axis=0)
        rec = sum(d[k] @ params[f"W{k}_h"] for k in "ifco")
        cbar_next, gf_next = cbar, gf[t]
    g["h0"] = rec
    g["c0"] = cbar_next * gf_next
    return g
