"""Exports the ONNX models of OnnxRuntimeBenchmarks: nn.LSTM and nn.GRU, one layer, at (I,H) = (32,64) and (64,128);
and those of SequenceBenchmarks, {kind}_{I}x{H}_seq100.onnx at (32,64) (64,128) (128,256): the same cells over a whole
sequence of T = 100 steps per Run (x [100,1,I] -> y [100,1,H], hn, cn), which ONNX Runtime runs as one blocked input
product followed by the recurrence.

One ONNX Run is one streaming step: sequence length 1, batch 1, the initial state as inputs and the final state as
outputs (x [1,1,I], h0 [1,1,H], c0 [1,1,H] -> y [1,1,H], hn [1,1,H], cn [1,1,H]; a GRU has no c0/cn).

The weights are not random draws but a counter-based formula that OnnxWeights.cs evaluates bit for bit in C#, so the
parity check (dotnet run -- --check-onnx) can give a generated RnnGen cell the very same weights without shipping
them twice: tensor t (0 weight_ih, 1 weight_hh, 2 bias_ih, 3 bias_hh), element i (row-major):
    u = (((i + 1 + 1000003 t) * 2654435761) mod 2^32 >> 8) / 2^23 - 1      (exact in float32, in [-1, 1))
    w = float32(u) * float32(4 / sqrt(H))                                      (PyTorch's init range x 4)

Run from the repository root with the system Python (torch 1.13, onnx 1.12):
    /usr/bin/python3 tests/RnnGen.Benchmarks/onnx/make_models.py
"""
import math
import os

import onnx
import torch

SHAPES = [(32, 64), (64, 128)]
SEQUENCE_SHAPES = [(32, 64), (64, 128), (128, 256)]
SEQUENCE_STEPS = 100
HERE = os.path.dirname(os.path.abspath(__file__))


def formula(tensor, shape, hidden):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.int64)
    bits = (((i + 1 + 1000003 * tensor) * 2654435761) % 2**32) >> 8
    u = bits.to(torch.float32) / 2**23 - 1
    bound = torch.tensor(4 / math.sqrt(hidden), dtype=torch.float32)
    return (u * bound).reshape(shape)


class LstmStep(torch.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, h0, c0):
        y, (h, c) = self.rnn(x, (h0, c0))
        return y, h, c


class GruStep(torch.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, h0):
        y, h = self.rnn(x, h0)
        return y, h


def export(kind, input_size, hidden, steps=1):
    rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(input_size, hidden)
    with torch.no_grad():
        for t, name in enumerate(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]):
            p = getattr(rnn, name)
            p.copy_(formula(t, tuple(p.shape), hidden))
    x = torch.zeros(steps, 1, input_size)
    h0 = torch.zeros(1, 1, hidden)
    suffix = "" if steps == 1 else f"_seq{steps}"
    path = os.path.join(HERE, f"{kind}_{input_size}x{hidden}{suffix}.onnx")
    if kind == "lstm":
        module, args = LstmStep(rnn), (x, h0, h0.clone())
        inputs, outputs = ["x", "h0", "c0"], ["y", "hn", "cn"]
    else:
        module, args = GruStep(rnn), (x, h0)
        inputs, outputs = ["x", "h0"], ["y", "hn"]
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, opset_version=14)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    ops = sorted({node.op_type for node in model.graph.node})
    print(f"{os.path.relpath(path)}: {os.path.getsize(path)} bytes, ops {ops}")


if __name__ == "__main__":
    torch.manual_seed(0)
    for kind in ["lstm", "gru"]:
        for input_size, hidden in SHAPES:
            export(kind, input_size, hidden)
        for input_size, hidden in SEQUENCE_SHAPES:
            export(kind, input_size, hidden, SEQUENCE_STEPS)
