def my_hidden_jacobian(params, x, h0, t):
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    T = x.shape[0]
    h = [h0]
    for k in range(1, T + 1):
        h.append(np.tanh(W_xh @ x[k - 1] + W_hh @ h[k - 1] + b_h))
    J = np.eye(len(h0))
    for k in range(t + 1, T):
        J = np.diag(1 - h[k] ** 2) @ W_hh @ J
    return J
