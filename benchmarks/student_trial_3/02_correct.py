def my_forward(params, x, h0):
    T, B, _ = x.shape
    H = h0.shape[1]
    h = np.empty((T + 1, B, H))
    h[0] = h0
    for t in range(1, T + 1):
        h[t] = np.tanh(np.einsum("hi,bi->bh", params["W_xh"], x[t - 1])
                       + np.einsum("hk,bk->bh", params["W_hh"], h[t - 1]) + params["b_h"])
    z = np.einsum("oh,tbh->tbo", params["W_ho"], h[1:]) + params["b_o"]
    return h[1:], 0.5 * (1 + np.tanh(z / 2))   # σ(z) written with tanh
