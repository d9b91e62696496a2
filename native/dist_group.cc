// Process groups over LibTorch's own distributed engine, c10d: a TCPStore rendezvous (rank 0 hosts
// it) and the Gloo backend, as torch.distributed uses them. Everything that blocks (connecting,
// creating the group, collectives) runs off the event loop; every wait is bounded by the group's
// timeout, so a rank that dies or never arrives turns into an error on the others, never a hang.
#include "dist_group.h"

#include "addon_entries.h"
#include "boxed.h"
#include "tensor_handle.h"

#include <atomic>
#include <functional>

#ifdef NODETORCH_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
// NCCL (CUDA tensors, GPU to GPU) where the LibTorch has CUDA and nccl.h was found at build time.
#ifdef NODETORCH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace nodetorch {

#ifdef NODETORCH_GLOO

struct DistGroup {
  int rank = 0, size = 1;
  std::string address;  // host:port of the store
  std::chrono::milliseconds timeout{0};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef NODETORCH_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // set instead of gloo for the 'nccl' backend
#endif
  bool onDevice() const {  // whether collectives take CUDA tensors as they are (NCCL)
#ifdef NODETORCH_NCCL
    return static_cast<bool>(nccl);
#else
    return false;
#endif
  }
  // Calls `op` with the backend in use (both declare the same collectives).
  template <typename Op>
  auto with(Op op) {
#ifdef NODETORCH_NCCL
    if (nccl) return op(*nccl);
#endif
    return op(*gloo);
  }
  std::atomic<bool> busy{false};  // claimed by a pass or a JavaScript collective (GroupClaim)
  at::Tensor stepBuffer;          // gradient + loss, reused by every step's reduction

  // Runs one collective and waits for it; a failure names the collective and this rank.
  template <typename Start>
  void run(const std::string& what, Start start) {
    try {
      auto work = start();
      work->wait(timeout);
    } catch (const std::exception& e) {
      std::string why = reason(e);
      bool lost = why.find("Connection closed") != std::string::npos || why.find("Connection reset") != std::string::npos ||
                  why.find("Broken pipe") != std::string::npos;
      bool late = why.find("imed out") != std::string::npos;
      fail(what + " failed on rank " + std::to_string(rank) + " of " + std::to_string(size) + ": " +
           (lost   ? "another rank left the job (exited or was killed). "
            : late ? "another rank did not take part within the timeout (" + std::to_string(timeout.count()) + " ms). "
                   : "") +
           why);
    }
  }
};

bool distributedBuilt() { return true; }

bool ncclBuilt() {
#ifdef NODETORCH_NCCL
  return true;
#else
  return false;
#endif
}

namespace {

const napi_type_tag kGroupTag = {0x6e74646973746772ULL, 0x1f2e3d4c5b6a7988ULL};

struct GroupBox {
  std::shared_ptr<DistGroup> group;
};

// The group argument 0 holds, shared with the work that uses it (an error once destroyed).
std::shared_ptr<DistGroup> liveGroup(const Napi::CallbackInfo& info) {
  GroupBox& box = boxedArg<GroupBox>(info, 0, kGroupTag, "a process group");
  if (!box.group) fail("this process group was destroyed");
  return box.group;
}

bool isLoopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// A Promise settled by work run on libuv's pool: `run` blocks there, `done` makes the result on the
// main thread. Failures reject with a TorchError named `op`.
class GroupWork : public Napi::AsyncWorker {
 public:
  GroupWork(Napi::Env env, std::string op, GroupClaim claim, std::function<void()> run, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env),
        op_(std::move(op)),
        claim_(std::move(claim)),
        run_(std::move(run)),
        done_(std::move(done)),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      run_();
    } catch (const std::exception& e) {
      SetError(reason(e));
    }
  }
  void OnOK() override {
    claim_.release();
    try {
      deferred_.Resolve(done_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    claim_.release();
    deferred_.Reject(torchError(Env(), op_, e.Message(), ErrorCode::Distributed).Value());
  }

 private:
  std::string op_;
  GroupClaim claim_;
  std::function<void()> run_;
  std::function<Napi::Value(Napi::Env)> done_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value queueGroupWork(Napi::Env env, const std::string& op, GroupClaim claim, std::function<void()> run,
                           std::function<Napi::Value(Napi::Env)> done) {
  auto* work = new GroupWork(env, op, std::move(claim), std::move(run), std::move(done));  // deletes itself when done
  Napi::Promise promise = work->promise();
  work->Queue();
  return promise;
}

// distInit({ rank, worldSize, masterAddr, masterPort, timeoutMs, ifname }) → Promise<group>
// TypeScript validated every field and filled the defaults.
Napi::Value distInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) fail("expected an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  auto group = std::make_shared<DistGroup>();
  group->rank = o.Get("rank").As<Napi::Number>().Int32Value();
  group->size = o.Get("worldSize").As<Napi::Number>().Int32Value();
  std::string host = o.Get("masterAddr").As<Napi::String>().Utf8Value();
  int port = o.Get("masterPort").As<Napi::Number>().Int32Value();
  group->timeout = std::chrono::milliseconds(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
  std::string ifname = o.Get("ifname").IsString() ? o.Get("ifname").As<Napi::String>().Utf8Value() : "";
  bool nccl = o.Get("backend").IsString() && o.Get("backend").As<Napi::String>().Utf8Value() == "nccl";
  if (nccl && !ncclBuilt())
    fail("the 'nccl' backend needs a CUDA LibTorch and NCCL's header (nccl.h) when nodetorch is built; this build has neither: use 'gloo'");
  group->address = host + ":" + std::to_string(port);
  auto run = [group, host, port, ifname, nccl]() {
    DistGroup& g = *group;
    std::string where = "the store at " + g.address;
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(port);
    options.isServer = g.rank == 0;
    options.numWorkers = static_cast<std::size_t>(g.size);
    options.waitWorkers = false;  // the group's own rendezvous waits for every rank, with the timeout
    options.timeout = g.timeout;
    try {
      g.store = c10::make_intrusive<c10d::TCPStore>(host, options);
    } catch (const std::exception& e) {
      std::string why = reason(e);
      if (g.rank == 0 && why.find("in use") != std::string::npos)
        fail("rank 0 cannot host " + where + ": port " + std::to_string(port) +
             " is in use (another job, or a previous one still running?); choose another masterPort");
      fail("rank " + std::to_string(g.rank) + " cannot reach " + where + " within " + std::to_string(g.timeout.count()) + " ms: " + why);
    }
    // Every rank must agree on the world size before Gloo's rendezvous, which would otherwise wait
    // for ranks that will never come.
    auto text = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
    std::string sizeKey = "nodetorch/worldSize";
    try {
      if (g.rank == 0) g.store->set(sizeKey, text(std::to_string(g.size)));
      std::vector<uint8_t> value = g.store->get(sizeKey);
      int rank0Size = std::stoi(std::string(value.begin(), value.end()));
      if (rank0Size != g.size)
        fail("rank " + std::to_string(g.rank) + " was started with worldSize " + std::to_string(g.size) + " but rank 0 with " +
             std::to_string(rank0Size) + "; every rank of a job needs the same worldSize");
      // each rank announces itself; a rank number used twice is caught here
      int64_t claims = g.store->add("nodetorch/rank/" + std::to_string(g.rank), 1);
      if (claims > 1)
        fail("rank " + std::to_string(g.rank) + " was started twice; every rank needs its own number in 0.." + std::to_string(g.size - 1));
    } catch (const std::invalid_argument&) {
      throw;
    } catch (const std::exception& e) {
      fail(ErrorCode::Distributed,
           "rank " + std::to_string(g.rank) + " could not agree on the job with rank 0 through " + where + ": " + reason(e));
    }
#ifdef NODETORCH_NCCL
    if (nccl) {
      auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
      ncclOptions->timeout = g.timeout;
      try {
        auto prefixed = c10::make_intrusive<c10d::PrefixStore>("nodetorch/nccl", g.store);
        g.nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, g.rank, g.size, ncclOptions);
      } catch (const std::exception& e) {
        fail(ErrorCode::Distributed,
             "rank " + std::to_string(g.rank) + " of " + std::to_string(g.size) + " could not create its NCCL group: " + reason(e));
      }
      return;
    }
#endif
    auto glooOptions = c10d::ProcessGroupGloo::Options::create(g.timeout);
    glooOptions->devices.push_back(!ifname.empty()    ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                   : isLoopback(host) ? c10d::ProcessGroupGloo::createDeviceForHostname(host)
                                                      : c10d::ProcessGroupGloo::createDefaultDevice());
    try {
      auto prefixed = c10::make_intrusive<c10d::PrefixStore>("nodetorch/gloo", g.store);
      g.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, g.rank, g.size, glooOptions);
    } catch (const std::exception& e) {
      fail("rank " + std::to_string(g.rank) + " of " + std::to_string(g.size) + " could not connect to every other rank within " +
           std::to_string(g.timeout.count()) +
           " ms (a rank missing, or unreachable on this network interface? GLOO_SOCKET_IFNAME picks one): " + reason(e));
    }
  };
  return queueGroupWork(env, "distributed.init", GroupClaim(), run,
                        [group](Napi::Env env) { return wrapBoxed(env, new GroupBox{group}, kGroupTag); });
}

c10d::ReduceOp reduceOp(const std::string& name) {
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "max") return c10d::ReduceOp::MAX;
  fail("unknown reduce op '" + name + "' (expected sum, product, min or max)");
}

// Collectives on CPU tensors (Gloo); a CUDA tensor goes through a CPU copy.
template <typename Collective>
Napi::Value collective(const Napi::CallbackInfo& info, const std::string& name, Collective body) {
  Napi::Env env = info.Env();
  std::shared_ptr<DistGroup> keep = liveGroup(info);
  at::Tensor tensor = tensorValue(env, info[1], "tensor");
  if (!tensor.is_contiguous()) fail(name + " needs a contiguous tensor (call .contiguous() first)");
  GroupClaim claim(keep);
  if (keep->onDevice() && !tensor.is_cuda())
    fail("the nccl backend reduces CUDA tensors only; this one is on " + deviceName(tensor.device()) + " (move it with .cuda())");
  auto run = [keep, tensor, name, body]() {
    // Gloo reduces CPU tensors here: a CUDA tensor goes through a CPU copy
    bool stage = tensor.is_cuda() && !keep->onDevice();
    at::Tensor staged = stage ? tensor.cpu() : tensor;
    std::vector<at::Tensor> tensors{staged};
    keep->run(name, [&]() { return body(*keep, tensors); });
    if (stage) tensor.copy_(staged);
  };
  return queueGroupWork(env, "distributed." + name, std::move(claim), run, [](Napi::Env env) { return env.Undefined(); });
}

Napi::Value distAllreduce(const Napi::CallbackInfo& info) {
  c10d::AllreduceOptions options;
  options.reduceOp = reduceOp(stringArg(info, 2, "op"));
  return collective(info, "allreduce", [options](DistGroup& g, std::vector<at::Tensor>& t) {
    return g.with([&](auto& pg) { return pg.allreduce(t, options); });
  });
}

Napi::Value distBroadcast(const Napi::CallbackInfo& info) {
  c10d::BroadcastOptions options;
  options.rootRank = static_cast<int64_t>(intArg(info, 2, "root"));
  return collective(info, "broadcast", [options](DistGroup& g, std::vector<at::Tensor>& t) {
    return g.with([&](auto& pg) { return pg.broadcast(t, options); });
  });
}

Napi::Value distBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<DistGroup> keep = liveGroup(info);
  GroupClaim claim(keep);
  auto run = [keep]() { keep->run("barrier", [&]() { return keep->with([](auto& pg) { return pg.barrier(); }); }); };
  return queueGroupWork(env, "distributed.barrier", std::move(claim), run, [](Napi::Env env) { return env.Undefined(); });
}

// distDestroy(group): releases the group (its connections close when no pass holds it any more).
Napi::Value distDestroy(const Napi::CallbackInfo& info) {
  GroupBox& box = boxedArg<GroupBox>(info, 0, kGroupTag, "a process group");
  box.group.reset();
  return info.Env().Undefined();
}

}  // namespace

std::shared_ptr<DistGroup> groupFromValue(Napi::Env env, Napi::Value value) {
  GroupBox* box = unboxed<GroupBox>(env, value, kGroupTag);
  return box ? box->group : nullptr;
}

double reduceGradient(DistGroup& group, at::Tensor& grads, double loss, int64_t step) {
  int64_t n = grads.numel();
  at::Tensor& buffer = group.stepBuffer;
  // Gloo reduces on the CPU (a CUDA gradient goes through this CPU buffer); NCCL on the device
  at::Device where = group.onDevice() ? grads.device() : at::Device(at::kCPU);
  if (!buffer.defined() || buffer.numel() != n + 1 || buffer.scalar_type() != grads.scalar_type() || buffer.device() != where)
    buffer = at::empty({n + 1}, at::TensorOptions().dtype(grads.scalar_type()).device(where));
  buffer.narrow(0, 0, n).copy_(grads.view({-1}));
  buffer[n].fill_(loss);
  std::vector<at::Tensor> tensors{buffer};
  group.run("allreduce of the gradient at step " + std::to_string(step + 1),
            [&]() { return group.with([&](auto& pg) { return pg.allreduce(tensors); }); });
  buffer.div_(group.size);
  grads.view({-1}).copy_(buffer.narrow(0, 0, n));
  return buffer[n].item<double>();
}

GroupClaim::GroupClaim(std::shared_ptr<DistGroup> group) : group_(std::move(group)) {
  if (group_ && group_->busy.exchange(true)) {
    group_.reset();
    fail(ErrorCode::Busy, "this process group is in use by a training pass or another collective; await it first");
  }
}

void GroupClaim::release() {
  if (group_) group_->busy.store(false);
  group_.reset();
}

#else  // built without c10d's Gloo

struct DistGroup {};
bool distributedBuilt() { return false; }
bool ncclBuilt() { return false; }
std::shared_ptr<DistGroup> groupFromValue(Napi::Env, Napi::Value) { return nullptr; }
double reduceGradient(DistGroup&, at::Tensor&, double loss, int64_t) { return loss; }
GroupClaim::GroupClaim(std::shared_ptr<DistGroup>) {}
void GroupClaim::release() {}

namespace {
Napi::Value distInit(const Napi::CallbackInfo&) {
  fail(
      "this build of nodetorch has no distributed support: it was compiled without LibTorch's c10d Gloo headers (Debian: apt-get install "
      "libgloo-dev, then npm run build)");
}
Napi::Value distAllreduce(const Napi::CallbackInfo& info) { return distInit(info); }
Napi::Value distBroadcast(const Napi::CallbackInfo& info) { return distInit(info); }
Napi::Value distBarrier(const Napi::CallbackInfo& info) { return distInit(info); }
Napi::Value distDestroy(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
}  // namespace

#endif

namespace {
// distBuilt() → { gloo, nccl }: the backends this build has
Napi::Value distBuilt(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("gloo", Napi::Boolean::New(info.Env(), distributedBuilt()));
  out.Set("nccl", Napi::Boolean::New(info.Env(), ncclBuilt()));
  return out;
}
}  // namespace

void registerDistGroup(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"distBuilt", distBuilt},
      {"distInit", distInit, ErrorCode::Distributed},
      {"distAllreduce", distAllreduce, ErrorCode::Distributed},
      {"distBroadcast", distBroadcast, ErrorCode::Distributed},
      {"distBarrier", distBarrier, ErrorCode::Distributed},
      {"distDestroy", distDestroy, ErrorCode::Distributed},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
