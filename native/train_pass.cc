// One pass over a dataset (a training epoch or a test pass) off the event loop: batches are
// gathered, run forward/backward, stepped by the optimizer and counted into a confusion matrix in
// C++ on the pass's own thread; progress reaches JavaScript through a thread-safe function; an
// abort flag stops the pass between batches; the Promise settles when the thread is done.
//
// Why its own std::thread rather than node-addon-api's AsyncProgressQueueWorker (libuv's pool):
// Node tears an environment down (worker.terminate()) only after every pool request has finished,
// so a terminated worker_thread waited for the rest of the epoch (54 s measured for a 20000-sample
// epoch); with its own thread, an environment cleanup hook stops the pass at the next batch.
#include "addon_entries.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <functional>
#include <iomanip>
#include <memory>
#include <sstream>
#include <thread>

#include "addon_runtime.h"
#include "addon_warnings.h"
#include "train_augment.h"
#include "train_precision.h"
#include "train_schedule.h"
#include "boxed.h"
#include "dist_group.h"
#include "nn_module_api.h"
#include "optim_api.h"

#include <torch/csrc/autograd/profiler_legacy.h>
#include "tensor_handle.h"

namespace nodetorch {

namespace {

// Thrown by an evaluation of a cancelled pass, inside an optimizer's step (L-BFGS, CG).
struct StepCancelled {};

struct Progress {
  int64_t done, total;
  double loss;
  // With reportEachStep: the step just taken (1-based within the pass) and its loss; else step 0.
  int64_t step = 0;
  double stepLoss = 0;
};

struct Job {
  // inputs
  ModulePtr model;
  CriterionPtr criterion;
  OptimizerHandle* optimizer = nullptr;        // null for a test pass
  std::unique_lock<std::mutex> optimizerLock;  // held from the entry point until the Job is freed
  at::Tensor params, grads, inputs, targets;
  int64_t batchSize = 1, classes = 10;
  bool train = true, shuffle = true;
  // Regression: real targets, shaped like the output per sample; the pass sums |error| and error²
  // instead of counting a confusion matrix.
  bool regression = false;
  std::vector<Augmentation> augmentations;  // training passes only
  // The learning rate's factor: rateScale (per-epoch schedules, ReduceLROnPlateau) times a per-step
  // schedule's factor at firstStep + the steps taken so far.
  double rateScale = 1;
  Schedule schedule;
  // Gradient clipping (0: off), applied to the gradient every evaluation returns to the optimizer,
  // after the ranks' average: each component to [-clipValue, clipValue], then the whole vector
  // scaled by min(1, clipNorm / (‖g‖₂ + 1e-6)) (PyTorch's clip_grad_value_ and clip_grad_norm_).
  double clipNorm = 0, clipValue = 0;
  // Report after every training step (for per-batch callbacks), not only every 100 ms.
  bool reportEachStep = false;
  // Mixed precision: the forward pass and the loss under autocast to this dtype (none: float32),
  // and for float16 training a dynamic loss scale (in and out: it lives across passes).
  c10::optional<at::ScalarType> autocast;
  bool scaleLoss = false;
  LossScale lossScale;
  int64_t skippedSteps = 0;
  // Weight averaging (the Trainer's `ema`): after every training step the average moves toward the
  // parameters as PyTorch's AveragedModel with get_ema_multi_avg_fn(decay) (its first update copies
  // them; in and out: it lives across passes). A test pass evaluates with it once it has updates.
  at::Tensor average;
  double averageDecay = 0;
  int64_t averageUpdates = 0;
  int64_t firstStep = 0;
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::Device(at::kCPU);
  // A channels-last model (model.to({ memoryFormat: 'channelsLast' })): 4-D batches are converted
  // once here, so that every convolution runs on NHWC data (oneDNN's fast path, bf16 above all).
  bool channelsLast = false;
  // The pass option `profile`: LibTorch's legacy profiler (the same on 1.13 and 2.x) records every
  // operator of the first profileBatches batches (0: none; a bound keeps a batch-1 epoch's millions
  // of events out of memory) into `trace`, a Chrome trace that TypeScript summarises per operator;
  // profiledBatches and profiledSeconds say what it covers.
  int64_t profileBatches = 0, profiledBatches = 0;
  double profiledSeconds = 0;
  std::string trace;
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  // The sample order when the caller gives it (a rank's shard of an epoch; a streamed chunk's order
  // is its own): int64 indices into inputs. Undefined: all samples, shuffled if `shuffle`.
  at::Tensor order;
  // Data-parallel training: every evaluation's gradient and loss are averaged over the group's ranks.
  std::shared_ptr<DistGroup> group;
  GroupClaim groupClaim;  // the pass is the group's only user until it settles
  // outputs
  at::Tensor confusion;  // classification
  at::Tensor errors;     // regression: Σ|output − target|, Σ(output − target)², element count
  double lossSum = 0;
  int64_t seen = 0, steps = 0;
  // Each step's loss (its first evaluation's) and learning-rate factor, for per-step curves.
  std::vector<double> stepLosses, stepRates;
  double seconds = 0;
  bool aborted = false;
};

using Report = std::function<void(const Progress&)>;
void runBatches(Job& job, const Report& report);

// A test pass evaluates with the Trainer's weight average, or the optimizer's evaluation parameters
// when it has them (ASGD's average), swapped in and back as Torch7's 5_test.lua did.
void runPass(Job& job, const Report& report) {
  at::Tensor average;
  if (!job.train)
    average = job.average.defined() ? job.average : job.optimizer ? job.optimizer->method->evaluationParameters() : at::Tensor();
  if (!average.defined()) return runBatches(job, report);
  at::NoGradGuard noGrad;
  at::Tensor cached = job.params.clone();
  job.params.copy_(average);
  try {
    runBatches(job, report);
  } catch (...) {
    job.params.copy_(cached);
    throw;
  }
  job.params.copy_(cached);
}

// Rows of a dataset tensor in a pass's order. Data already on the GPU (as PyTorch users keep MNIST)
// is indexed there: the order, a CPU tensor, goes to it.
at::Tensor selectRows(const at::Tensor& data, const at::Tensor& index) {
  return data.index_select(0, data.device() == index.device() ? index : index.to(data.device()));
}

void runBatches(Job& job, const Report& report) {
  auto start = std::chrono::steady_clock::now();
  // TypeScript modules waiting for JavaScript give up when this pass is cancelled
  struct CancelFlag {
    explicit CancelFlag(const std::atomic<bool>* flag) { passCancelFlag() = flag; }
    ~CancelFlag() { passCancelFlag() = nullptr; }
  } cancelFlag(job.cancelled.get());
  auto lastReport = start;
  job.model->setTraining(job.train);
  at::Tensor order = job.order.defined()        ? job.order
                     : job.train && job.shuffle ? at::randperm(job.inputs.size(0), at::kLong)
                                                : at::arange(job.inputs.size(0), at::kLong);
  int64_t n = order.size(0);
  at::Tensor confusion =
      at::zeros({job.regression ? 1 : job.classes * job.classes}, at::TensorOptions().dtype(at::kLong).device(job.device));
  at::Tensor errors = at::zeros({2}, at::TensorOptions().dtype(at::kDouble).device(job.device));
  int64_t errorElements = 0;
  std::unique_ptr<at::NoGradGuard> noGrad;
  if (!job.train) noGrad = std::make_unique<at::NoGradGuard>();
  int64_t begin = 0, end = 0;
  at::Tensor y;
  // Regression targets take the output's shape (N targets for an N×1 output); the counts must agree.
  auto shapedTarget = [&](const at::Tensor& output) {
    if (!job.regression) return y;
    if (y.numel() != output.numel())
      fail("the model outputs " + shapeString(output.sizes()) + " per batch but the batch has targets of shape " + shapeString(y.sizes()) +
           "; the model must output as many values per sample as there are targets");
    return y.view(output.sizes());
  };
  // Why a loss is NaN or Inf, in words: the samples whose inputs hold NaN or Inf (in the data, or
  // made by an augmentation), the parameters, or else divergence.
  auto nonFiniteLoss = [&](double value, const at::Tensor& x, const at::Tensor& index) {
    std::string head = "the loss is " + std::to_string(value) + " on samples " + std::to_string(begin + 1) + ".." + std::to_string(end) +
                       " of this pass: ";
    auto badSamples = [&](const at::Tensor& t) {
      at::Tensor rows = at::isfinite(t).logical_not().reshape({t.size(0), -1}).any(1).nonzero().view(-1).cpu();
      // in the data's order, not the pass's shuffled one
      at::Tensor which = std::get<0>(index.cpu().index_select(0, rows).sort());
      std::string list;
      for (int64_t k = 0; k < std::min<int64_t>(which.numel(), 5); ++k) list += (k ? ", " : "") + std::to_string(which[k].item<int64_t>());
      if (which.numel() > 5) list += ", … (" + std::to_string(which.numel()) + " samples)";
      return list;
    };
    at::Tensor raw = selectRows(job.inputs, index);
    std::string inData = badSamples(raw);
    if (!inData.empty())
      fail(head + "the inputs of samples " + inData +
           " (0-based indices in the data) hold NaN or Inf; clean the data (inputs.isfinite() finds them)");
    bool augmenting = job.train && !job.augmentations.empty();
    std::string made = badSamples(x);
    if (!made.empty() && augmenting)
      fail(head + "the augmentation made NaN or Inf inputs for samples " + made +
           " (0-based indices in the data); lower the augmentation's std");
    if (!made.empty())
      fail(head + "the inputs of samples " + made + " (0-based indices in the data) became NaN or Inf when converted to the model's " +
           dtypeName(job.dtype) + " (values beyond its range)");
    // finite inputs too large for the model: noise with a huge std overflows the first layer
    double largest = x.abs().max().item<double>(), before = raw.abs().max().item<double>();
    auto brief = [](double v) {
      std::ostringstream out;
      out << std::setprecision(3) << v;
      return out.str();
    };
    if (augmenting && largest > 1e6 * std::max(1.0, before))
      fail(head + "the augmentation made inputs as large as " + brief(largest) + " (the data's largest is " + brief(before) +
           "), which the model's output overflows on; lower the augmentation's std");
    if (!at::isfinite(job.params).all().item<bool>())
      fail(head + "the model's parameters hold NaN or Inf (training diverged: lower the learning rate)");
    fail(head + "the inputs and parameters are finite (training diverged: lower the learning rate)");
  };
  // value: the batch's loss, read once (a training step has read it already)
  auto countBatch = [&](const at::Tensor& output, double value, const at::Tensor& x, const at::Tensor& index) {
    if (!std::isfinite(value)) nonFiniteLoss(value, x, index);
    job.lossSum += value * static_cast<double>(end - begin);
    if (job.regression) {
      at::Tensor difference = (output.detach() - shapedTarget(output)).to(at::kDouble);
      errors.add_(at::stack({difference.abs().sum(), difference.square().sum()}));
      errorElements += output.numel();
      return;
    }
    // A prediction beyond the matrix would be counted in the next row (a wrong accuracy, no error).
    if (output.dim() != 2 || output.size(1) != job.classes)
      fail("the model outputs " + shapeString(output.sizes()) + " per batch, " + std::to_string(output.dim() == 2 ? output.size(1) : 0) +
           " scores per sample, but the Trainer counts " + std::to_string(job.classes) +
           " classes; set the Trainer's classes to the model's output size");
    at::Tensor predicted = output.detach().argmax(1);
    if (!confusion.is_cpu()) {
      confusion.add_(at::bincount(y * job.classes + predicted, {}, job.classes * job.classes));
      return;
    }
    // On the CPU a batch's counts are added in place: a loop over batchSize values instead of four
    // tensor operations, whose dispatch costs more than their work at batch 1.
    at::Tensor targets = y.contiguous();
    const int64_t* target = targets.data_ptr<int64_t>();
    const int64_t* guess = predicted.data_ptr<int64_t>();
    int64_t* counts = confusion.data_ptr<int64_t>();
    for (int64_t i = 0; i < predicted.numel(); ++i) {
      if (target[i] < 0 || target[i] >= job.classes)
        fail("a target of samples " + std::to_string(begin + 1) + ".." + std::to_string(end) + " in this pass's order is " +
             std::to_string(target[i]) + ", outside the classes 0.." + std::to_string(job.classes - 1));
      counts[target[i] * job.classes + guess[i]] += 1;
    }
  };
  // On this thread only (CPU autograd runs on the calling thread): the forward and backward passes'
  // operators and the optimizer's, each timed as a whole, intra-op threads included. Declared after
  // `trace`, so that an exception ends the recording (on this thread) before the stream goes.
  std::ostringstream trace;
  std::unique_ptr<torch::autograd::profiler::RecordProfile> recording;
  auto profileStart = std::chrono::steady_clock::now();
  auto stopProfile = [&]() {
    if (!recording) return;
    // the batches' time, not that of writing their events out
    job.profiledSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - profileStart).count();
    recording.reset();  // writes the events
    job.trace = trace.str();
  };
  if (job.profileBatches > 0) recording = std::make_unique<torch::autograd::profiler::RecordProfile>(trace);
  // L-BFGS and CG evaluate until their budget (maxIter, maxEval) runs out: a cancelled pass stops
  // them between evaluations too, and undoes the step (not in a data-parallel job, whose ranks
  // evaluate together)
  const bool stepsCancellable = job.train && !job.group && (job.optimizer->method->name == "lbfgs" || job.optimizer->method->name == "cg");
  for (begin = 0; begin < n; begin += job.batchSize) {
    if (job.cancelled->load()) {
      job.aborted = true;
      break;
    }
    end = std::min(begin + job.batchSize, n);
    at::Tensor index = order.slice(0, begin, end);
    at::Tensor x = selectRows(job.inputs, index).to(job.device, job.dtype);
    if (job.train && !job.augmentations.empty()) x = augmentBatch(x, job.augmentations);
    // clone(ChannelsLast), not contiguous(): with one input plane both layouts hold the same memory
    // and only the strides tell LibTorch which convolution to run
    if (job.channelsLast && x.dim() == 4) x = x.clone(at::MemoryFormat::ChannelsLast);
    y = selectRows(job.targets, index).to(job.device, job.regression ? job.dtype : at::kLong);
    // Torch7's feval: loss and gradients averaged over the minibatch. The confusion matrix and the
    // running loss count each minibatch once, at its first evaluation (Torch7 counted every
    // evaluation, so CG and LBFGS counted samples several times).
    bool first = true;
    std::vector<double> stepLoss;  // the step's first evaluation's loss
    auto feval = [&](const at::Tensor& point) -> std::pair<double, at::Tensor> {
      if (!first && stepsCancellable && job.cancelled->load()) throw StepCancelled{};
      if (point.data_ptr() != job.params.data_ptr()) job.params.copy_(point);
      job.grads.zero_();
      at::Tensor output, loss;
      {
        at::AutoGradMode gradMode(true);
        {
          AutocastScope autocast(job.device.type(), job.autocast);
          output = job.model->forward(x);
          // A batch of one may come out as a single sample (View decides by element count, as Torch7).
          if (output.dim() == 1) output = output.unsqueeze(0);
          loss = job.criterion->sampleMeanLoss(output, shapedTarget(output));
        }
        // backward outside autocast, as PyTorch runs it: each op's backward in its forward's dtype
        if (job.scaleLoss)
          (loss.to(at::kFloat) * job.lossScale.scale).backward();
        else
          loss.backward();
        double value = loss.item<double>();
        if (!std::isfinite(value)) nonFiniteLoss(value, x, index);
        if (first) {
          countBatch(output, value, x, index);
          first = false;
        }
        if (job.scaleLoss) job.grads.div_(job.lossScale.scale);
        // every rank evaluates its shard of the global minibatch; the optimizer sees their average
        if (job.group) value = reduceGradient(*job.group, job.grads, value, job.firstStep + job.steps);
        if (stepLoss.empty()) stepLoss.push_back(value);
        // an overflow in any rank's scaled gradient is in the average too: every rank skips the step
        if (job.scaleLoss && !at::isfinite(job.grads).all().item<bool>()) throw SkippedStep{};
        if (job.clipValue > 0) job.grads.clamp_(-job.clipValue, job.clipValue);
        if (job.clipNorm > 0) {
          double norm = job.grads.norm().item<double>();
          job.grads.mul_(std::min(1.0, job.clipNorm / (norm + 1e-6)));
        }
        return {value, job.grads};
      }
    };
    if (job.train) {
      job.optimizer->method->rateScale = job.rateScale * job.schedule.factor(job.firstStep + job.steps);
      // a skipped or cancelled step leaves the parameters as they were (nag moves them before
      // evaluating); the pass ends after the steps it took
      at::Tensor before = job.scaleLoss || stepsCancellable ? job.params.detach().clone() : at::Tensor();
      try {
        job.optimizer->method->step(feval, job.params);
        if (job.scaleLoss) job.lossScale.update(false);
      } catch (const SkippedStep&) {
        at::NoGradGuard noGrad;
        job.params.copy_(before);
        job.skippedSteps += 1;
        job.lossScale.update(true);
      } catch (const StepCancelled&) {
        at::NoGradGuard noGrad;
        job.params.copy_(before);
        job.aborted = true;
        break;
      }
      if (job.average.defined()) {
        at::NoGradGuard noGrad;
        if (job.averageUpdates == 0)
          job.average.copy_(job.params);
        else
          job.average.lerp_(job.params, 1 - job.averageDecay);  // PyTorch's _foreach_lerp_
        job.averageUpdates += 1;
      }
      job.steps += 1;
      job.stepLosses.push_back(stepLoss.empty() ? NAN : stepLoss[0]);
      job.stepRates.push_back(job.optimizer->method->rateScale);
    } else {
      AutocastScope autocast(job.device.type(), job.autocast);
      at::Tensor output = job.model->forward(x);
      if (output.dim() == 1) output = output.unsqueeze(0);
      countBatch(output, job.criterion->sampleMeanLoss(output, shapedTarget(output)).item<double>(), x, index);
    }
    job.seen = end;
    if (recording && ++job.profiledBatches >= job.profileBatches) stopProfile();
    auto now = std::chrono::steady_clock::now();
    if (job.train && job.reportEachStep) {
      report(Progress{end, n, job.lossSum / static_cast<double>(end), job.steps, job.stepLosses.back()});
    } else if (now - lastReport > std::chrono::milliseconds(100) || end == n) {
      lastReport = now;
      report(Progress{end, n, job.lossSum / static_cast<double>(end)});
    }
  }
  stopProfile();
  if (job.regression) {
    job.errors = at::cat({errors.cpu(), at::tensor({static_cast<double>(errorElements)}, at::kDouble)});
  } else {
    job.confusion = confusion.view({job.classes, job.classes}).cpu();
  }
  job.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs a Job on its own thread. It owns the Job, holds the optimizer's lock from start to settle,
// and is deleted when the thread-safe function finalizes (after the thread ends).
class PassRunner {
 public:
  PassRunner(Napi::Env env, std::unique_ptr<Job> job) : env_(env), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {}

  // Starts the pass. Until the thread-safe function exists a failure throws (the caller deletes the
  // runner, which frees the Job and its optimizer lock); after that, nothing throws: a thread that
  // cannot start rejects the promise through the usual settle().
  void start(Napi::Function onProgress, Napi::Value optimizer) {
    if (job_->optimizer) optimizerRef_ = Napi::Persistent(optimizer);  // keeps it alive while the pass runs
    progress_ =
        Napi::ThreadSafeFunction::New(env_, onProgress, "nodetorch-pass", 0, 1, this, [](Napi::Env, PassRunner* self) { self->settle(); });
    // Registered after the thread-safe function, so it runs before that one's teardown (hooks run
    // in reverse order): the pass stops at the next batch and the finaliser's join is short.
    napi_add_env_cleanup_hook(env_, cancel, job_->cancelled.get());
    int threads = passThreads();
    try {
      thread_ = std::thread([this, threads]() { run(threads); });
    } catch (const std::exception& e) {
      error_ = std::string("cannot start the pass's thread: ") + e.what();
      errorCode_ = ErrorCode::Internal;
      progress_.Release();
    }
  }

  Napi::Promise promise() { return deferred_.Promise(); }
  std::shared_ptr<std::atomic<bool>> cancelled() { return job_->cancelled; }

 private:
  void run(int threads) {
    // OpenMP's thread count is per calling thread: this one gets setNumThreads' count (the
    // JavaScript thread computes with one; see addon_runtime.cc).
    setThisThreadsCount(threads);
    collectWarnings();
    try {
      runPass(*job_, [this](const Progress& p) { report(p); });
    } catch (const std::exception& e) {
      error_ = reason(e);
      errorCode_ = classify(e);
    }
    warnings_ = takeWarnings();
    progress_.Release();
  }

  void report(const Progress& progress) {
    auto* p = new Progress(progress);
    auto call = [this](Napi::Env env, Napi::Function fn, Progress* p) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("done", Napi::Number::New(env, static_cast<double>(p->done)));
      o.Set("total", Napi::Number::New(env, static_cast<double>(p->total)));
      if (p->step > 0) {
        o.Set("step", Napi::Number::New(env, static_cast<double>(p->step)));
        o.Set("stepLoss", Napi::Number::New(env, p->stepLoss));
      }
      o.Set("loss", Napi::Number::New(env, p->loss));
      delete p;
      if (callbackThrew_) return;
      try {
        fn.Call({o});
      } catch (const Napi::Error& e) {
        // the progress callback threw: stop the pass and reject with that error
        callbackThrew_ = true;
        callbackError_ = e.Message().empty() ? "an exception without a message" : e.Message();
        job_->cancelled->store(true);
      }
    };
    if (progress_.NonBlockingCall(p, call) != napi_ok) delete p;  // closing: nobody to tell
  }

  // On the main thread, once the thread has released the thread-safe function (or at teardown).
  void settle() {
    if (thread_.joinable()) thread_.join();
    napi_remove_env_cleanup_hook(env_, cancel, job_->cancelled.get());
    if (job_->optimizerLock.owns_lock()) job_->optimizerLock.unlock();
    job_->groupClaim.release();
    // Settling calls into JavaScript, which fails while the environment is being torn down; then
    // nobody is left to tell, and the failure must not escape (it would abort the process).
    try {
      emitWarnings(env_, warnings_);
      std::string error = callbackThrew_ ? "onProgress threw: " + callbackError_ : error_;
      if (!error.empty()) {
        ErrorCode code = callbackThrew_ ? ErrorCode::InvalidArgument : errorCode_;
        deferred_.Reject(torchError(env_, job_->train ? "train" : "test", error, code).Value());
      } else {
        Napi::Object result = Napi::Object::New(env_);
        if (job_->regression)
          result.Set("errors", wrapTensor(env_, job_->errors));
        else
          result.Set("confusion", wrapTensor(env_, job_->confusion));
        result.Set("loss", Napi::Number::New(env_, job_->seen > 0 ? job_->lossSum / static_cast<double>(job_->seen) : 0));
        result.Set("samples", Napi::Number::New(env_, static_cast<double>(job_->seen)));
        result.Set("steps", Napi::Number::New(env_, static_cast<double>(job_->steps)));
        result.Set("seconds", Napi::Number::New(env_, job_->seconds));
        result.Set("aborted", Napi::Boolean::New(env_, job_->aborted));
        auto numbers = [&](const std::vector<double>& v) {
          Napi::Float64Array a = Napi::Float64Array::New(env_, v.size());
          std::copy(v.begin(), v.end(), a.Data());
          return a;
        };
        result.Set("stepLosses", numbers(job_->stepLosses));
        result.Set("stepRates", numbers(job_->stepRates));
        if (job_->scaleLoss) {
          result.Set("lossScale", Napi::Number::New(env_, job_->lossScale.scale));
          result.Set("lossScaleGoodSteps", Napi::Number::New(env_, static_cast<double>(job_->lossScale.goodSteps)));
          result.Set("skippedSteps", Napi::Number::New(env_, static_cast<double>(job_->skippedSteps)));
        }
        if (job_->profileBatches > 0) {
          result.Set("trace", Napi::String::New(env_, job_->trace));
          result.Set("profiledBatches", Napi::Number::New(env_, static_cast<double>(job_->profiledBatches)));
          result.Set("profiledSeconds", Napi::Number::New(env_, job_->profiledSeconds));
        }
        if (job_->train && job_->average.defined())
          result.Set("averageUpdates", Napi::Number::New(env_, static_cast<double>(job_->averageUpdates)));
        deferred_.Resolve(result);
      }
    } catch (const Napi::Error&) {
    }
    delete this;
  }

  static void cancel(void* flag) { static_cast<std::atomic<bool>*>(flag)->store(true); }

  Napi::Env env_;
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Value> optimizerRef_;
  Napi::ThreadSafeFunction progress_;
  std::thread thread_;
  std::string error_;  // written by the thread, read after join
  ErrorCode errorCode_ = ErrorCode::Internal;
  std::vector<std::string> warnings_;  // LibTorch's warnings during the pass, the same
  bool callbackThrew_ = false;         // main thread only
  std::string callbackError_;
};

// runPass({ model, criterion, optimizer?, params?, grads?, inputs, targets, batchSize, classes,
//           shuffle, dtype, device, autocast?, and for training rateScale, schedule?, firstStep,
//           gradClipNorm?, gradClipValue?, lossScale?, lossScaleGoodSteps?, average?, averageDecay?,
//           averageUpdates?, profileBatches? },
//         onProgress) → { promise, cancel }
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
  // TypeScript checked that inputs and targets have the same count; index_select checks the batch.
  job->batchSize = get("batchSize").As<Napi::Number>().Int64Value();
  job->classes = get("classes").As<Napi::Number>().Int64Value();
  job->shuffle = get("shuffle").As<Napi::Boolean>().Value();
  job->regression = get("regression").ToBoolean().Value();
  job->dtype = parseDtype(get("dtype").As<Napi::String>().Utf8Value());
  job->device = parseDevice(get("device").As<Napi::String>().Utf8Value());
  Napi::Value optimizer = get("optimizer");
  job->train = get("train").ToBoolean().Value();
  job->channelsLast = get("channelsLast").ToBoolean().Value();
  // TypeScript checked it: an integer ≥ 0
  if (get("profileBatches").IsNumber()) job->profileBatches = get("profileBatches").As<Napi::Number>().Int64Value();
  job->augmentations = augmentationsFrom(get("augment"));
  if (!get("order").IsUndefined()) {
    job->order = tensorOf("order");
    if (job->order.scalar_type() != at::kLong || job->order.dim() != 1) fail("order must be a vector of int64 sample indices");
  }
  if (!get("group").IsUndefined()) {
    job->group = groupFromValue(env, get("group"));
    if (!job->group) fail("expected a live process group (was it destroyed?)");
    job->groupClaim = GroupClaim(job->group);
  }
  if (job->train) {
    job->rateScale = get("rateScale").As<Napi::Number>().DoubleValue();
    job->schedule = scheduleFrom(get("schedule"));
    job->firstStep = get("firstStep").As<Napi::Number>().Int64Value();
    // TypeScript checked both: finite, 0 (off) or more
    if (get("gradClipNorm").IsNumber()) job->clipNorm = get("gradClipNorm").As<Napi::Number>().DoubleValue();
    if (get("gradClipValue").IsNumber()) job->clipValue = get("gradClipValue").As<Napi::Number>().DoubleValue();
    job->reportEachStep = get("reportEachStep").ToBoolean().Value();
    // TypeScript checked the scale: a positive finite number
    if (get("lossScale").IsNumber()) {
      job->scaleLoss = true;
      job->lossScale.scale = get("lossScale").As<Napi::Number>().DoubleValue();
      job->lossScale.goodSteps = get("lossScaleGoodSteps").As<Napi::Number>().Int64Value();
    }
  }
  // precision: 'bf16' | 'fp16' autocasts the forward pass (training and test passes alike)
  if (get("autocast").IsString()) {
    at::ScalarType dtype = parseDtype(get("autocast").As<Napi::String>().Utf8Value());
    checkAutocastSupported(job->device.type(), dtype);
    job->autocast = dtype;
  }
  if (!optimizer.IsUndefined() && !optimizer.IsNull()) {
    job->optimizer = optimizerFromValue(env, optimizer);
    if (job->optimizer == nullptr) fail("expected a native optimizer");
    job->params = tensorOf("params");
    job->grads = tensorOf("grads");
    job->optimizerLock = std::unique_lock<std::mutex>(job->optimizer->busy, std::try_to_lock);
    if (!job->optimizerLock.owns_lock()) fail("this optimizer is already used by a running pass");
  } else if (job->train) {
    fail("a training pass needs an optimizer");
  }
  // TypeScript made the average like params and checked the decay: in (0, 1)
  if (!get("average").IsUndefined()) {
    job->average = tensorOf("average");
    if (!job->params.defined() || !job->average.is_same_size(job->params) || job->average.scalar_type() != job->params.scalar_type() ||
        job->average.device() != job->params.device())
      fail("the weight average must be shaped like the flat parameters, with their dtype and device");
    if (job->train) {
      job->averageDecay = get("averageDecay").As<Napi::Number>().DoubleValue();
      job->averageUpdates = get("averageUpdates").As<Napi::Number>().Int64Value();
    }
  }
  auto runner = std::make_unique<PassRunner>(env, std::move(job));
  runner->start(info[1].As<Napi::Function>(), optimizer);
  Napi::Promise promise = runner->promise();
  auto cancelled = runner->cancelled();
  runner.release();  // started: it deletes itself when it settles
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
