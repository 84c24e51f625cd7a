#!/usr/bin/env python3
"""Trains the sample's stacked model in PyTorch and exports it for RnnGen.

    apt-get install -y python3-torch          # Debian's PyTorch 1.13
    /usr/bin/python3 samples/EmbeddedWeights/train_denoiser.py

The model is what a user ships: nn.LSTM(1, 24, num_layers=2) followed by nn.Linear(24, 1) on every step, as a module with
submodules `rnn` and `head`, so its state_dict names are rnn.weight_ih_l0, ..., rnn.weight_hh_l1, head.weight, head.bias.
The task is streaming denoising: each step gets one sample of a sine wave (random frequency, amplitude and phase) plus
Gaussian noise, and must output the clean sample. Training takes a few seconds on one core and is deterministic.

It writes, beside this script:
- denoiser.safetensors: the trained state_dict, as safetensors' save_file writes it (make_fixtures.write_safetensors);
- denoiser.expected.json: one held-out noisy sequence, the clean signal, and PyTorch's outputs on it, step by step
  from a zero state, in float64 and float32 (the weights are float32; float64 is the same weights widened).
"""

import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures"))
from make_fixtures import flat_list, write_safetensors  # noqa: E402  (the one safetensors writer, shared)

HIDDEN, LAYERS, STEPS, BATCH, UPDATES, NOISE = 24, 2, 120, 32, 400, 0.3


class Denoiser(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(1, HIDDEN, num_layers=LAYERS)
        self.head = torch.nn.Linear(HIDDEN, 1)

    def forward(self, x, state=None):
        out, state = self.rnn(x, state)
        return self.head(out), state


def batch(generator, size):
    """[T, B, 1] noisy and clean sines: frequency 0.05..0.2 cycles per step, amplitude 0.5..1, any phase."""
    t = torch.arange(STEPS, dtype=torch.float32).reshape(STEPS, 1)
    frequency = 0.05 + 0.15 * torch.rand((1, size), generator=generator)
    amplitude = 0.5 + 0.5 * torch.rand((1, size), generator=generator)
    phase = 2 * math.pi * torch.rand((1, size), generator=generator)
    clean = amplitude * torch.sin(2 * math.pi * frequency * t + phase)
    noisy = clean + NOISE * torch.randn((STEPS, size), generator=generator)
    return noisy.unsqueeze(-1), clean.unsqueeze(-1)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(2)
    model = Denoiser()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for update in range(UPDATES):
        noisy, clean = batch(generator, BATCH)
        estimate, _ = model(noisy)
        loss = torch.nn.functional.mse_loss(estimate, clean)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if update % 100 == 0 or update == UPDATES - 1:
            print(f"update {update}: mse {loss.item():.5f}")

    names = list(model.state_dict().keys())
    assert names[0] == "rnn.weight_ih_l0" and names[-1] == "head.bias", names
    write_safetensors(os.path.join(HERE, "denoiser.safetensors"), {k: v.contiguous() for k, v in model.state_dict().items()})

    # One held-out sequence, run step by step from a zero state, as the C# sample streams it.
    noisy, clean = batch(torch.Generator().manual_seed(3), 1)
    results = {}
    for key, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        m = Denoiser().to(dtype)
        m.load_state_dict({k: v.to(dtype) for k, v in model.state_dict().items()})
        state, outputs = None, []
        with torch.no_grad():
            for t in range(STEPS):
                y, state = m(noisy[t:t + 1].to(dtype), state)
                outputs.append(y)
        results[key] = flat_list(torch.cat(outputs))
    mse = lambda a, b: sum((x - y) ** 2 for x, y in zip(a, b)) / len(a)
    noisy_list, clean_list = flat_list(noisy), flat_list(clean)
    print(f"held-out mse: noisy {mse(noisy_list, clean_list):.5f}, denoised {mse(results['float64'], clean_list):.5f}")
    expected = {"steps": STEPS, "hidden": HIDDEN, "layers": LAYERS, "torch_version": torch.__version__,
                "noisy": noisy_list, "clean": clean_list, **results}
    with open(os.path.join(HERE, "denoiser.expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
