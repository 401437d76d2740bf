def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    names = list(params)
    P = [torch.from_numpy(params[n].copy()).requires_grad_() for n in names]
    W_xh, W_hh, b_h, W_ho, b_o = (P[names.index(n)] for n in ["W_xh", "W_hh", "b_h", "W_ho", "b_o"])
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    T, B = x.shape[:2]
    mask = torch.zeros(T, 1, 1, dtype=torch.float64)
    mask[:] = 1.0 if loss_at == "all" else 0.0
    mask[-1] = 1.0
    h = torch.from_numpy(h0)
    for chunk_x, chunk_y, chunk_m in zip(xs.split(k), ys.split(k), mask.split(k)):
        h = h.detach()
        loss = 0.0
        for xt, yt, mt in zip(chunk_x, chunk_y, chunk_m):
            h = torch.tanh(torch.addmm(b_h, xt, W_xh.t()) + h @ W_hh.t())
            o = torch.sigmoid(torch.nn.functional.linear(h, W_ho, b_o))
            loss = loss + 0.5 * (mt * (o - yt) ** 2).sum() / B
        if torch.is_tensor(loss) and loss.requires_grad:
            loss.backward()
    return {n: p.grad.numpy() if p.grad is not None else np.zeros_like(params[n]) for n, p in zip(names, P)}
