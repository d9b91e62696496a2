// One pass over a dataset (a training epoch or a test pass) on its own thread, so that the event
// loop keeps running: batches are gathered, run forward/backward, stepped by the optimizer and
// counted into a confusion matrix in C++. Progress reaches JavaScript through a thread-safe
// function; an abort flag stops the pass between batches; the Promise settles when it ends.
#include "addon_entries.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "train_augment.h"
#include "boxed.h"
#include "nn_module_api.h"
#include "optim_api.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

struct Progress {
  int64_t done, total;
  double loss;
};

struct Job {
  // inputs
  ModulePtr model;
  CriterionPtr criterion;
  OptimizerHandle* optimizer = nullptr;  // null for a test pass
  Napi::Reference<Napi::Value> optimizerRef;
  at::Tensor params, grads, inputs, targets;
  int64_t batchSize = 1, classes = 10;
  bool train = true, shuffle = true;
  std::vector<Augmentation> augmentations;  // training passes only
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::Device(at::kCPU);
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  // outputs
  at::Tensor confusion;
  double lossSum = 0;
  int64_t seen = 0;
  double seconds = 0;
  std::string error;
  bool aborted = false;
  // plumbing
  std::thread thread;
  Napi::ThreadSafeFunction progress;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
};

void runBatches(Job& job);

// A test pass evaluates with the optimizer's evaluation parameters when it has them (ASGD's
// average), swapped in and back as Torch7's 5_test.lua did.
void runPass(Job& job) {
  at::Tensor average = !job.train && job.optimizer ? job.optimizer->method->evaluationParameters() : at::Tensor();
  if (!average.defined()) return runBatches(job);
  at::NoGradGuard noGrad;
  at::Tensor cached = job.params.clone();
  job.params.copy_(average);
  try {
    runBatches(job);
  } catch (...) {
    job.params.copy_(cached);
    throw;
  }
  job.params.copy_(cached);
}

void runBatches(Job& job) {
  auto start = std::chrono::steady_clock::now();
  auto lastReport = start;
  int64_t n = job.inputs.size(0);
  job.model->setTraining(job.train);
  at::Tensor order = job.train && job.shuffle ? at::randperm(n, at::kLong) : at::arange(n, at::kLong);
  at::Tensor confusion = at::zeros({job.classes * job.classes}, at::TensorOptions().dtype(at::kLong).device(job.device));
  std::unique_ptr<at::NoGradGuard> noGrad;
  if (!job.train) noGrad = std::make_unique<at::NoGradGuard>();
  int64_t begin = 0, end = 0;
  at::Tensor y;
  auto countBatch = [&](const at::Tensor& output, const at::Tensor& loss) {
    at::Tensor predicted = output.detach().argmax(1);
    confusion.add_(at::bincount(y * job.classes + predicted, {}, job.classes * job.classes));
    job.lossSum += loss.item<double>() * static_cast<double>(end - begin);
  };
  for (begin = 0; begin < n; begin += job.batchSize) {
    if (job.cancelled->load()) {
      job.aborted = true;
      break;
    }
    end = std::min(begin + job.batchSize, n);
    at::Tensor index = order.slice(0, begin, end);
    at::Tensor x = job.inputs.index_select(0, index).to(job.device, job.dtype);
    if (job.train && !job.augmentations.empty()) x = augmentBatch(x, job.augmentations);
    y = job.targets.index_select(0, index).to(job.device, at::kLong);
    // Torch7's feval: loss and gradients averaged over the minibatch. The confusion matrix and the
    // running loss count each minibatch once, at its first evaluation (Torch7 counted every
    // evaluation, so CG and LBFGS counted samples several times).
    bool first = true;
    auto feval = [&](const at::Tensor& point) -> std::pair<double, at::Tensor> {
      if (point.data_ptr() != job.params.data_ptr()) job.params.copy_(point);
      job.grads.zero_();
      at::Tensor output;
      {
        at::AutoGradMode gradMode(true);
        output = job.model->forward(x);
        // A batch of one may come out as a single sample (View decides by element count, as Torch7).
        if (output.dim() == 1) output = output.unsqueeze(0);
        at::Tensor loss = job.criterion->sampleMeanLoss(output, y);
        loss.backward();
        double value = loss.item<double>();
        if (!std::isfinite(value)) fail("the loss became " + std::to_string(value) + " (diverged: lower the learning rate)");
        if (first) {
          countBatch(output, loss);
          first = false;
        }
        return {value, job.grads};
      }
    };
    if (job.train) {
      job.optimizer->method->step(feval, job.params);
    } else {
      at::Tensor output = job.model->forward(x);
      if (output.dim() == 1) output = output.unsqueeze(0);
      countBatch(output, job.criterion->sampleMeanLoss(output, y));
    }
    job.seen = end;
    auto now = std::chrono::steady_clock::now();
    if (now - lastReport > std::chrono::milliseconds(100) || end == n) {
      lastReport = now;
      auto* p = new Progress{end, n, job.lossSum / static_cast<double>(end)};
      if (job.progress.NonBlockingCall(p, [](Napi::Env env, Napi::Function fn, Progress* p) {
            Napi::Object o = Napi::Object::New(env);
            o.Set("done", Napi::Number::New(env, static_cast<double>(p->done)));
            o.Set("total", Napi::Number::New(env, static_cast<double>(p->total)));
            o.Set("loss", Napi::Number::New(env, p->loss));
            delete p;
            fn.Call({o});
          }) != napi_ok)
        delete p;
    }
  }
  job.confusion = confusion.view({job.classes, job.classes}).cpu();
  job.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void settle(Napi::Env env, Job* job) {
  job->thread.join();
  if (!job->error.empty()) {
    job->deferred->Reject(torchError(env, job->train ? "train" : "test", job->error).Value());
  } else {
    Napi::Object result = Napi::Object::New(env);
    result.Set("confusion", wrapTensor(env, job->confusion));
    result.Set("loss", Napi::Number::New(env, job->seen > 0 ? job->lossSum / static_cast<double>(job->seen) : 0));
    result.Set("samples", Napi::Number::New(env, static_cast<double>(job->seen)));
    result.Set("seconds", Napi::Number::New(env, job->seconds));
    result.Set("aborted", Napi::Boolean::New(env, job->aborted));
    job->deferred->Resolve(result);
  }
  if (job->optimizer) job->optimizer->busy.unlock();
  delete job;
}

// runPass({ model, criterion, optimizer?, params?, grads?, inputs, targets, batchSize, classes,
//           shuffle, dtype, device }, onProgress) → { promise, cancel }
Napi::Value runPassEntry(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) fail("expected (options, onProgress)");
  Napi::Object o = info[0].As<Napi::Object>();
  auto job = std::make_unique<Job>();
  auto get = [&](const char* key) { return o.Get(key); };
  auto tensorOf = [&](const char* key) { return tensorValue(env, get(key), key); };
  job->model = moduleFromValue(env, get("model")).module;
  job->criterion = criterionFromValue(env, get("criterion")).criterion;
  job->inputs = tensorOf("inputs");
  job->targets = tensorOf("targets");
  if (job->inputs.size(0) != job->targets.size(0))
    fail(std::to_string(job->inputs.size(0)) + " inputs but " + std::to_string(job->targets.size(0)) + " targets");
  job->batchSize = get("batchSize").As<Napi::Number>().Int64Value();
  job->classes = get("classes").As<Napi::Number>().Int64Value();
  job->shuffle = get("shuffle").As<Napi::Boolean>().Value();
  job->dtype = parseDtype(get("dtype").As<Napi::String>().Utf8Value());
  job->device = parseDevice(get("device").As<Napi::String>().Utf8Value());
  Napi::Value optimizer = get("optimizer");
  job->train = get("train").ToBoolean().Value();
  job->augmentations = augmentationsFrom(get("augment"));
  if (!optimizer.IsUndefined() && !optimizer.IsNull()) {
    job->optimizer = optimizerFromValue(env, optimizer);
    if (job->optimizer == nullptr) fail("expected a native optimizer");
    job->params = tensorOf("params");
    job->grads = tensorOf("grads");
    if (!job->optimizer->busy.try_lock()) fail("this optimizer is already used by a running pass");
    job->optimizerRef = Napi::Persistent(optimizer);  // keeps it alive while the thread runs
  } else if (job->train) {
    fail("a training pass needs an optimizer");
  }
  job->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise promise = job->deferred->Promise();
  auto cancelled = job->cancelled;
  Job* raw = job.release();
  raw->progress = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "nodetorch-pass", 0, 1, raw,
                                                [](Napi::Env env, Job* j) { settle(env, j); });
  int threads = at::get_num_threads();
  raw->thread = std::thread([raw, threads]() {
    // OpenMP's thread count is per calling thread: give this one the count set by setNumThreads.
    at::init_num_threads();
    at::set_num_threads(threads);
    try {
      runPass(*raw);
    } catch (const c10::Error& e) {
      raw->error = e.what_without_backtrace();
    } catch (const std::exception& e) {
      raw->error = e.what();
    } catch (...) {
      raw->error = "unknown native error";
    }
    raw->progress.Release();
  });
  Napi::Object out = Napi::Object::New(env);
  out.Set("promise", promise);
  out.Set("cancel", Napi::Function::New(env, [cancelled](const Napi::CallbackInfo& i) {
            cancelled->store(true);
            return i.Env().Undefined();
          }));
  return out;
}

}  // namespace

void registerTrainPass(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"runPass", runPassEntry},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
