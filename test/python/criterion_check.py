"""PyTorch's side of test/nn-criteria.test.ts: for each case (a criterion's Torch7 type and
arguments, an input — a tensor, or a pair {x1, x2} — and targets), PyTorch's loss of the same kind
computes the loss and its gradient with respect to the input, in float64.

    python criterion_check.py cases.json results.json
"""
import json
import sys

import torch


def build(t, a):
    if t == "CrossEntropyCriterion":
        return torch.nn.CrossEntropyLoss(weight=torch.tensor(a[0], dtype=torch.float64) if a[0] else None)
    if t == "BCEWithLogitsCriterion":
        return torch.nn.BCEWithLogitsLoss(reduction="mean" if a[0] else "sum")
    if t == "DistKLDivCriterion":
        return torch.nn.KLDivLoss(reduction="mean" if a[0] else "sum")
    if t == "HingeEmbeddingCriterion":
        return torch.nn.HingeEmbeddingLoss(margin=a[0])
    if t == "MarginRankingCriterion":
        return torch.nn.MarginRankingLoss(margin=a[0])
    if t == "CosineEmbeddingCriterion":
        return torch.nn.CosineEmbeddingLoss(margin=a[0])
    raise SystemExit(f"no PyTorch equivalent written for {t}")


def main():
    cases_file, results_file = sys.argv[1:]
    results = []
    for case in json.load(open(cases_file)):
        criterion = build(case["type"], case["args"])
        target = torch.tensor(case["target"], dtype=torch.int64 if case["type"] == "CrossEntropyCriterion" else torch.float64)
        if isinstance(case["input"], dict):
            x1, x2 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in case["input"]["table"])
            loss = criterion(x1, x2, target)
            loss.backward()
            grad = {"table": [x1.grad.tolist(), x2.grad.tolist()]}
        else:
            x = torch.tensor(case["input"], dtype=torch.float64, requires_grad=True)
            loss = criterion(x, target.view_as(x) if case["type"] != "CrossEntropyCriterion" else target)
            loss.backward()
            grad = x.grad.tolist()
        results.append({"loss": loss.item(), "grad": grad})
    json.dump({"results": results, "torch": torch.__version__}, open(results_file, "w"))


main()
