def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    P = {n: torch.tensor(v, requires_grad=True) for n, v in params.items()}
    X, Y = torch.tensor(x), torch.tensor(y)
    T, B = x.shape[:2]
    h = torch.tensor(h0)
    for s in range(0, T, k):
        outs = []
        for t in range(s, min(s + k, T)):
            h = torch.tanh(X[t] @ P["W_xh"].T + h @ P["W_hh"].T + P["b_h"])
            outs.append(torch.sigmoid(h @ P["W_ho"].T + P["b_o"]))
        o = torch.stack(outs)
        yy = Y[s:s + len(outs)]
        if loss_at == "all":
            loss = 0.5 * ((o - yy) ** 2).sum() / B
        elif s + k >= T:
            loss = 0.5 * ((o[-1] - yy[-1]) ** 2).sum() / B
        else:
            loss = None
        if loss is not None:
            loss.backward()
        h = h.detach()
    return {n: p.grad for n, p in P.items()}  # tensors, not numpy
