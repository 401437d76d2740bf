def my_forward(params, x, h0):
    p = params
    T = x.shape[0]
    hs, os_ = [], []
    h = h0.copy()
    for t in range(T):
        a = x[t] @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"]
        np.tanh(a, out=h)  # update the state in place
        hs.append(h)       # ... but every entry is the same array
        os_.append(1 / (1 + np.exp(-(h @ p["W_ho"].T + p["b_o"]))))
    return np.array(hs), np.array(os_)
