def my_forward(params, x, h0):
    p = params
    T = x.shape[0]
    hs, os_ = [], []
    h = h0
    for t in range(T):
        a = x[t] @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"]
        h = np.tanh(a)
        hs.append(h)
        os_.append(h @ p["W_ho"].T + p["b_o"])
    return np.stack(hs), np.stack(os_)
