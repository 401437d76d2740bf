def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    P = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in params.items()}
    X, Y = torch.tensor(x), torch.tensor(y)
    T, B = x.shape[:2]
    h = torch.tensor(h0)
    for s in range(0, T, k):
        e = min(s + k, T)
        outs = []
        for t in range(s, e):
            h = torch.tanh(X[t] @ P["W_xh"].T + h @ P["W_hh"].T + P["b_h"])
            outs.append(torch.sigmoid(h @ P["W_ho"].T + P["b_o"]))
        o = torch.stack(outs)
        if loss_at == "all":
            loss = 0.5 * ((o - Y[s:e]) ** 2).mean()
            loss.backward()
        elif e == T:
            loss = 0.5 * ((o[-1] - Y[T - 1]) ** 2).sum() / B
            loss.backward()
        h = h.detach()
    return {n: p.grad.numpy() for n, p in P.items()}
