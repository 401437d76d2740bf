def my_bptt(params, x, y, h0, loss_at):
    p = params
    T, B, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((T + 1, B, H)); h[0] = h0
    for t in range(1, T + 1):
        h[t] = np.tanh(np.einsum("ij,bj->bi", p["W_xh"], x[t - 1]) + np.einsum("ij,bj->bi", p["W_hh"], h[t - 1]) + p["b_h"])
    o = 1 / (1 + np.exp(-(np.einsum("oh,tbh->tbo", p["W_ho"], h[1:]) + p["b_o"])))
    mask = np.ones((T, 1, 1)) if loss_at == "all" else (np.arange(T) == T - 1)[:, None, None]
    e = mask * (o - y) * o * (1 - o) / B
    delta = np.zeros((T + 2, B, H))           # delta[T+1] = 0, index = step
    for t in range(T, 0, -1):
        delta[t] = (1 - h[t] ** 2) * (np.einsum("bo,oh->bh", e[t - 1], p["W_ho"]) + np.einsum("bk,kh->bh", delta[t + 1], p["W_hh"]))
    D = delta[1:T + 1]
    return {"W_xh": np.einsum("tbh,tbi->hi", D, x), "W_hh": np.einsum("tbh,tbk->hk", D, h[:-1]),
            "b_h": D.sum((0, 1)), "W_ho": np.einsum("tbo,tbh->oh", e, h[1:]), "b_o": e.sum((0, 1))}
