def my_hidden_jacobian(params, x, h0, t):
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    T = len(x)
    hs = [h0]
    for xk in x:
        hs.append(np.tanh(W_xh @ xk + W_hh @ hs[-1] + b_h))
    # backwards from step T, multiplying on the right: J = D_T W ... D_{t+1} W
    J = np.eye(len(h0))
    for k in range(T, t, -1):
        J = J @ ((1 - hs[k] ** 2)[:, None] * W_hh)
    return J
