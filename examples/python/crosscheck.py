#!/usr/bin/env python3
"""Cross-check PyTorch focal losses against focalcheck's golden vectors.

Loads spec/vectors (MANIFEST.json and the *.jsonl files it lists), runs two
PyTorch implementations with autograd on every case they can express, in the
case's dtype (float64 or float32), and writes one candidate file per
implementation for `focalcheck verify`:

  torchvision.jsonl   torchvision.ops.sigmoid_focal_loss (α scalar or off,
                      reductions none/mean over all elements/sum)
  seed_module.jsonl   FocalBCEWithLogitLoss, transcribed as written in the
                      seed material (BACKGROUND.md §2): the modulator
                      exp(-γ·y·x - γ·log1p(exp(-x))), α scalar or per class,
                      pos_weight multiplying the whole element loss, weight
                      registered and unused, reductions mean/sum/none.

Each line is {"id", "loss", "losses", "grad"}: loss is the reduced loss
(absent for reduction none), losses the element losses (reduction none) and
grad the autograd gradient of the reduced loss (of the sum of the element
losses for none, which is each element's own derivative). NaN and ±Inf are
written as the strings "NaN", "+Inf", "-Inf".

Usage: crosscheck.py [--vectors spec/vectors] [--out DIR]
Needs Debian's python3-torch and python3-torchvision (PyTorch 1.13,
torchvision 0.14), run with /usr/bin/python3.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from typing import Optional
import torchvision
from torchvision.ops import sigmoid_focal_loss


# --- The seed module, as written (common/focal_loss.py of
# nizhf/hoi-prediction-gaze-transformer@b56583e, reproduced in the seed
# material). Only the docstring is shortened.
class FocalBCEWithLogitLoss(nn.modules.loss._Loss):
    """Focal Loss with binary cross-entropy (seed module, verbatim logic)."""

    def __init__(
        self,
        gamma=2,
        alpha=None,
        weight: Optional[torch.Tensor] = None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
        pos_weight: Optional[torch.Tensor] = None,
    ):
        super(FocalBCEWithLogitLoss, self).__init__(size_average, reduce, reduction)
        self.gamma = gamma
        # a number for all, or a Tensor with the same num_classes as input
        if isinstance(alpha, (list, np.ndarray)):
            self.alpha = torch.Tensor(alpha)
        else:
            self.alpha = alpha
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.weight: Optional[torch.Tensor]
        self.pos_weight: Optional[torch.Tensor]

    def forward(self, input: torch.Tensor, target: torch.Tensor):
        if self.alpha is not None:
            if isinstance(self.alpha, torch.Tensor):
                alpha_t = self.alpha.repeat(input.shape[0], 1)
            else:
                alpha_t = torch.ones_like(input) * self.alpha
        else:
            alpha_t = None
        ce = F.binary_cross_entropy_with_logits(input, target, reduction="none")
        # A numerically stable implementation of modulator.
        if self.gamma == 0.0:
            modulator = 1.0
        else:
            # e^(-gamma*target*input - gamma*log(1+e^(-input)))
            modulator = torch.exp(
                -self.gamma * target * input - self.gamma * torch.log1p(torch.exp(-input))
            )
        fl_loss = modulator * ce
        if alpha_t is not None:
            alpha_t = alpha_t * target + (1 - alpha_t) * (1 - target)
            fl_loss = alpha_t * fl_loss
        if self.pos_weight is not None:
            fl_loss = self.pos_weight * fl_loss
        if self.reduction == "mean":
            return fl_loss.mean()
        elif self.reduction == "sum":
            return fl_loss.sum()
        else:
            return fl_loss


def reduction_of(req):
    """The torch reduction of a request, or None if torch has none like it."""
    # Both modules have one mean, over all N·C elements; it is run on every
    # mean request, so that verify can tell which normaliser they implement.
    return req["reduction"]


def torchvision_can(req):
    if req.get("weight") or req.get("pos_weight") or req.get("cb") or req["label_smoothing"] != 0:
        return False
    if req.get("alpha") is not None and len(req["alpha"]) != 1:
        return False
    return True


def seed_can(req):
    # weight is accepted by the module (and ignored, as written);
    # CB weights are not an argument of the module.
    if req.get("cb") or req["label_smoothing"] != 0:
        return False
    return True


def run_torchvision(req, x, y, red):
    a = req.get("alpha")
    alpha = a[0] if a else -1.0
    losses = sigmoid_focal_loss(x, y, alpha=alpha, gamma=req["gamma"], reduction="none")
    return losses, sigmoid_focal_loss(x, y, alpha=alpha, gamma=req["gamma"], reduction=red)


def run_seed(req, x, y, red, dtype):
    a = req.get("alpha")
    alpha = None
    if a is not None:
        alpha = a[0] if len(a) == 1 else list(a)
    kw = {}
    if req.get("weight"):
        kw["weight"] = torch.tensor(req["weight"], dtype=dtype)
    if req.get("pos_weight"):
        kw["pos_weight"] = torch.tensor(req["pos_weight"], dtype=dtype)
    g = req["gamma"]
    losses = FocalBCEWithLogitLoss(gamma=g, alpha=alpha, reduction="none", **kw)(x, y)
    return losses, FocalBCEWithLogitLoss(gamma=g, alpha=alpha, reduction=red, **kw)(x, y)


def num(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return v


def evaluate(impl, req):
    dtype = torch.float64 if req["dtype"] == "float64" else torch.float32
    c = req["classes"]
    x = torch.tensor(req["logits"], dtype=dtype).reshape(-1, c).requires_grad_(True)
    y = torch.tensor(req["targets"], dtype=dtype).reshape(-1, c)
    red = reduction_of(req)
    if impl == "torchvision":
        losses, out = run_torchvision(req, x, y, red)
    else:
        losses, out = run_seed(req, x, y, red, dtype)
    (out if red != "none" else out.sum()).backward()
    rec = {}
    if red != "none":
        rec["loss"] = num(out.item())
    rec["losses"] = [num(v) for v in losses.detach().reshape(-1).tolist()]
    rec["grad"] = [num(v) for v in x.grad.reshape(-1).tolist()]
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vectors", default="spec/vectors")
    ap.add_argument("--out", default="examples/python/out")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.vectors, "MANIFEST.json")) as f:
        manifest = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    impls = {"torchvision": torchvision_can, "seed_module": seed_can}
    outs = {k: open(os.path.join(args.out, k + ".jsonl"), "w") for k in impls}
    counts = {k: 0 for k in impls}
    for fi in manifest["files"]:
        with open(os.path.join(args.vectors, fi["name"])) as f:
            for line in f:
                case = json.loads(line)
                req = case["request"]
                for impl, can in impls.items():
                    if not can(req):
                        continue
                    rec = {"id": case["id"]}
                    rec.update(evaluate(impl, req))
                    outs[impl].write(json.dumps(rec, allow_nan=False) + "\n")
                    counts[impl] += 1
    for k, f in outs.items():
        f.close()
        print(f"{os.path.join(args.out, k + '.jsonl')}: {counts[k]} cases "
              f"(torch {torch.__version__}, torchvision {torchvision.__version__})")


if __name__ == "__main__":
    sys.exit(main())
