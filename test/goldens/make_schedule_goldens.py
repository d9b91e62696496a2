#!/usr/bin/env python3
"""Goldens for test/schedule.test.ts from an independent reference: PyTorch's torch.optim.lr_scheduler
(Debian's python3-torch 1.13). Each closed-form schedule lists the learning rate used at index
0, 1, … (the rate before the i-th scheduler.step()); the plateau schedules list the rate after each
epoch's metric.

    /usr/bin/python3 test/goldens/make_schedule_goldens.py > test/goldens/schedules.json
"""
import json
import torch
from torch.optim import lr_scheduler as S

BASE = 0.1


def rates(make, n):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
    return out


def plateau(metrics, **kw):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE)
    sched = S.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(opt.param_groups[0]['lr'])
    return out


losses = [1.0, 0.9, 0.95, 0.9, 0.895, 0.89, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81]
accuracies = [0.5, 0.6, 0.6, 0.6, 0.6, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65]
print(json.dumps({
    'torch': torch.__version__,
    'base': BASE,
    'closed': [
        {'spec': {'kind': 'step', 'stepSize': 3, 'gamma': 0.5}, 'rates': rates(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12)},
        {'spec': {'kind': 'multistep', 'milestones': [2, 5, 9], 'gamma': 0.3}, 'rates': rates(lambda o: S.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3), 12)},
        {'spec': {'kind': 'exponential', 'gamma': 0.9}, 'rates': rates(lambda o: S.ExponentialLR(o, gamma=0.9), 12)},
        {'spec': {'kind': 'cosine', 'total': 8, 'minRate': 0.001}, 'rates': rates(lambda o: S.CosineAnnealingLR(o, T_max=8, eta_min=0.001), 9)},
        {'spec': {'kind': 'cosine', 'total': 10, 'warmup': 4, 'warmupFactor': 0.25, 'minRate': 0.01},
         'rates': rates(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, end_factor=1, total_iters=4),
                                                     S.CosineAnnealingLR(o, T_max=6, eta_min=0.01)], milestones=[4]), 11)},
        {'spec': {'kind': 'onecycle', 'total': 12},
         'rates': rates(lambda o: S.OneCycleLR(o, max_lr=BASE, total_steps=12, cycle_momentum=False), 12)},
        {'spec': {'kind': 'onecycle', 'total': 20, 'pctStart': 0.25, 'divFactor': 10, 'finalDivFactor': 100},
         'rates': rates(lambda o: S.OneCycleLR(o, max_lr=BASE, total_steps=20, pct_start=0.25, div_factor=10,
                                               final_div_factor=100, cycle_momentum=False), 20)},
    ],
    'plateau': [
        {'spec': {'kind': 'plateau', 'metric': 'testLoss', 'factor': 0.5, 'patience': 2, 'threshold': 0.01, 'cooldown': 1, 'minRate': 0.02},
         'metrics': losses, 'rates': plateau(losses, mode='min', factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=0.02)},
        {'spec': {'kind': 'plateau', 'metric': 'testAccuracy', 'factor': 0.1, 'patience': 1},
         'metrics': accuracies, 'rates': plateau(accuracies, mode='max', factor=0.1, patience=1)},
    ],
}, indent=1))
