// A c10d process group (Gloo) as nodetorch uses it: JavaScript creates it (dist_group.cc) and a
// training pass reduces every gradient through it on its own thread (train_pass.cc).
#pragma once
#include "common.h"

#include <chrono>
#include <memory>

namespace nodetorch {

struct DistGroup;

// Whether this build has c10d's Gloo backend (NODETORCH_GLOO: LibTorch's c10d and Gloo headers).
bool distributedBuilt();

// The group a JavaScript handle holds (null when the value is none or destroyed).
std::shared_ptr<DistGroup> groupFromValue(Napi::Env env, Napi::Value value);

// One training step's reduction, on the pass's thread: the flat gradient and the loss are summed
// over every rank and divided by the world size, in one collective, so that every rank steps with
// the same numbers. `step` names the collective in errors.
double reduceGradient(DistGroup& group, at::Tensor& grads, double loss, int64_t step);

// One user of a group at a time: a pass, or one JavaScript collective. Collectives must be issued in
// the same order on every rank, so a second one while another runs is refused at once (on the
// calling thread, deterministically) rather than interleaved. Released when the claim is destroyed.
class GroupClaim {
 public:
  GroupClaim() = default;
  explicit GroupClaim(std::shared_ptr<DistGroup> group);  // throws when the group is in use
  GroupClaim(GroupClaim&& other) noexcept : group_(std::move(other.group_)) {}
  GroupClaim& operator=(GroupClaim&& other) noexcept {
    if (this != &other) {
      release();
      group_ = std::move(other.group_);
    }
    return *this;
  }
  GroupClaim(const GroupClaim&) = delete;
  GroupClaim& operator=(const GroupClaim&) = delete;
  ~GroupClaim() { release(); }
  void release();

 private:
  std::shared_ptr<DistGroup> group_;
};

}  // namespace nodetorch
