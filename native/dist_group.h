// A c10d process group (Gloo) as nodetorch uses it: JavaScript creates it (dist_group.cc) and a
// training pass reduces every gradient through it on its own thread (train_pass.cc).
#pragma once
#include "common.h"

#include <chrono>
#include <memory>
#include <mutex>

namespace nodetorch {

struct DistGroup;

// Whether this build has c10d's Gloo backend (USE_C10D_GLOO: LibTorch's c10d and Gloo headers).
bool distributedBuilt();

// The group a JavaScript handle holds (null when the value is none or destroyed).
std::shared_ptr<DistGroup> groupFromValue(Napi::Env env, Napi::Value value);

// One training step's reduction, on the pass's thread: the flat gradient and the loss are summed
// over every rank and divided by the world size, in one collective, so that every rank steps with
// the same numbers. `step` names the collective in errors.
double reduceGradient(DistGroup& group, at::Tensor& grads, double loss, int64_t step);

// Holds the group for a pass: JavaScript collectives on it are refused meanwhile (collectives must
// be issued in the same order on every rank; a concurrent one would interleave with the pass's).
std::unique_lock<std::mutex> lockGroupForPass(DistGroup& group);

}  // namespace nodetorch
