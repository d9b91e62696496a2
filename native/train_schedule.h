// Learning-rate schedules in closed form: the factor on an optimizer's learning rate at step (or
// epoch) i, as PyTorch's StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR after a LinearLR
// warm-up, and OneCycleLR (cosine annealing, learning rate only). The Trainer's pass applies a
// per-step schedule before every optimizer step; per-epoch schedules and ReduceLROnPlateau (driven
// by epoch metrics, in TypeScript) give one factor a pass.
#pragma once
#include "common.h"

namespace nodetorch {

struct Schedule {
  enum class Kind { None, Step, MultiStep, Exponential, Cosine, OneCycle } kind = Kind::None;
  double gamma = 1;
  int64_t stepSize = 1;
  std::vector<int64_t> milestones;  // ascending
  int64_t total = 1, warmup = 0;
  double minFactor = 0, warmupFactor = 0;
  double pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4;  // OneCycle

  double factor(int64_t i) const;
};

// Reads a schedule that TypeScript validated (lib/train/schedule.ts); undefined is none.
Schedule scheduleFrom(Napi::Value spec);

}  // namespace nodetorch
