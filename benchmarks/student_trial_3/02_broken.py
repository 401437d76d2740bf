def my_forward(params, x, h0):
    return None
