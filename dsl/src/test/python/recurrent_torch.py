"""Runs torch's nn.RNN / nn.LSTM / nn.GRU on the weights and inputs Quiver wrote, for
dev.quiver.dsl.TorchRecurrentTest: reads a JSON case file, writes a JSON result file.

The case: the layer's settings, its weights by torch's names, the input x, optional initial
state (h0, c0), optional int lengths (then the batch goes through pack_padded_sequence, and the
output comes back through pad_packed_sequence), and the weights wy, wh, wc of the scalar
L = sum(wy*y) + sum(wh*h_n) + sum(wc*c_n). The result: y, h_n, c_n, and dL/d(every weight), dL/dx
(and dL/dh0, dL/dc0), all float32.
"""
import json
import sys

import torch


def tensor(t):
    return torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"])


def out(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def main(case_file, result_file):
    with open(case_file) as f:
        case = json.load(f)
    torch.set_num_threads(1)
    kind = case["kind"]
    common = dict(
        input_size=case["input"],
        hidden_size=case["hidden"],
        num_layers=case["layers"],
        bias=case["bias"],
        batch_first=case["batch_first"],
        bidirectional=case["bidirectional"],
    )
    if kind == "RNN":
        layer = torch.nn.RNN(nonlinearity=case["nonlinearity"], **common)
    else:
        layer = getattr(torch.nn, kind)(**common)
    names = [n for n, _ in layer.named_parameters()]
    if sorted(names) != sorted(case["weights"]):
        raise SystemExit("weight names differ: torch has %s, Quiver wrote %s" % (names, list(case["weights"])))
    with torch.no_grad():
        for name, p in layer.named_parameters():
            w = tensor(case["weights"][name])
            if list(w.shape) != list(p.shape):
                raise SystemExit("%s: torch's shape is %s, Quiver's %s" % (name, list(p.shape), list(w.shape)))
            p.copy_(w)
    x = tensor(case["x"]).requires_grad_()
    state = None
    h0 = c0 = None
    if "h0" in case:
        h0 = tensor(case["h0"]).requires_grad_()
        if kind == "LSTM":
            c0 = tensor(case["c0"]).requires_grad_()
            state = (h0, c0)
        else:
            state = h0
    feed = x
    lengths = case.get("lengths")
    if lengths is not None:
        feed = torch.nn.utils.rnn.pack_padded_sequence(
            x, torch.tensor(lengths), batch_first=case["batch_first"], enforce_sorted=False)
    y, last = layer(feed, state)
    if lengths is not None:
        total = x.shape[1] if case["batch_first"] else x.shape[0]
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(
            y, batch_first=case["batch_first"], total_length=total)
    h_n, c_n = last if kind == "LSTM" else (last, None)
    loss = (y * tensor(case["wy"])).sum() + (h_n * tensor(case["wh"])).sum()
    if c_n is not None:
        loss = loss + (c_n * tensor(case["wc"])).sum()
    loss.backward()
    result = {
        "y": out(y),
        "h_n": out(h_n),
        "grads": {n: out(p.grad) for n, p in layer.named_parameters()},
        "x_grad": out(x.grad),
    }
    if c_n is not None:
        result["c_n"] = out(c_n)
    if h0 is not None:
        result["h0_grad"] = out(h0.grad)
    if c0 is not None:
        result["c0_grad"] = out(c0.grad)
    with open(result_file, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
