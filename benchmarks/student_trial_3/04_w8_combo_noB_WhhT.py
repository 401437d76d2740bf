def my_bptt(params, x, y, h0, loss_at):
    W_xh, W_hh, b_h, W_ho, b_o = (params[n] for n in ["W_xh", "W_hh", "b_h", "W_ho", "b_o"])
    T, B, _ = x.shape
    h = [h0]
    for t in range(T):
        h.append(np.tanh(x[t] @ W_xh.T + h[-1] @ W_hh.T + b_h))
    h = np.array(h)
    o = 1 / (1 + np.exp(-(h[1:] @ W_ho.T + b_o)))
    E = o * (1 - o) * (o - y)
    if loss_at == "last":
        E[:-1] = 0
    g = {n: np.zeros_like(v) for n, v in params.items()}
    d_next = np.zeros_like(h0)
    for t in range(T, 0, -1):
        d = (1 - h[t] ** 2) * (E[t - 1] @ W_ho + d_next @ W_hh.T)
        g["W_xh"] += d.T @ x[t - 1]
        g["W_hh"] += d.T @ h[t - 1]
        g["b_h"] += d.sum(axis=0)
        g["W_ho"] += E[t - 1].T @ h[t]
        g["b_o"] += E[t - 1].sum(axis=0)
        d_next = d
    return g
