#include "train_schedule.h"

#include "addon_entries.h"

#include <algorithm>
#include <cmath>

namespace nodetorch {

double Schedule::factor(int64_t i) const {
  switch (kind) {
    case Kind::None:
      return 1;
    case Kind::Step:
      return std::pow(gamma, static_cast<double>(i / stepSize));
    case Kind::MultiStep:  // PyTorch: gamma to the number of milestones <= i (bisect_right)
      return std::pow(gamma, static_cast<double>(std::upper_bound(milestones.begin(), milestones.end(), i) - milestones.begin()));
    case Kind::Exponential:
      return std::pow(gamma, static_cast<double>(i));
    case Kind::Cosine: {
      if (i < warmup) return warmupFactor + (1 - warmupFactor) * static_cast<double>(i) / static_cast<double>(warmup);
      // after `total` the rate stays at its minimum (PyTorch's closed form would rise again)
      double progress = std::min(1.0, static_cast<double>(i - warmup) / static_cast<double>(std::max<int64_t>(1, total - warmup)));
      return minFactor + (1 - minFactor) * (1 + std::cos(M_PI * progress)) / 2;
    }
    case Kind::OneCycle: {
      // PyTorch's OneCycleLR (two phases, anneal_strategy 'cos') on the peak rate: from 1/divFactor
      // up to 1 until step pctStart·total − 1, then down to 1/(divFactor·finalDivFactor) at step
      // total − 1, where it stays (PyTorch refuses to step further).
      auto anneal = [](double from, double to, double pct) { return to + (from - to) / 2 * (std::cos(M_PI * pct) + 1); };
      double initial = 1 / divFactor, lowest = initial / finalDivFactor;
      double peakStep = pctStart * static_cast<double>(total) - 1, last = static_cast<double>(total - 1);
      double step = std::min(static_cast<double>(i), last);
      if (step <= peakStep) return anneal(initial, 1, step / peakStep);
      return anneal(1, lowest, (step - peakStep) / (last - peakStep));
    }
  }
  return 1;
}

Schedule scheduleFrom(Napi::Value value) {
  Schedule s;
  if (value.IsUndefined() || value.IsNull()) return s;
  if (!value.IsObject()) fail("internal: a schedule must be an object");
  Napi::Object o = value.As<Napi::Object>();
  auto number = [&](const char* key) {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) fail(std::string("internal: the schedule has no number '") + key + "'");
    return v.As<Napi::Number>().DoubleValue();
  };
  std::string kind = o.Get("kind").ToString().Utf8Value();
  if (kind == "step") {
    s.kind = Schedule::Kind::Step;
    s.stepSize = static_cast<int64_t>(number("stepSize"));
    s.gamma = number("gamma");
  } else if (kind == "multistep") {
    s.kind = Schedule::Kind::MultiStep;
    Napi::Value list = o.Get("milestones");
    if (!list.IsArray()) fail("internal: the schedule has no milestones");
    Napi::Array a = list.As<Napi::Array>();
    for (uint32_t k = 0; k < a.Length(); k++) s.milestones.push_back(a.Get(k).As<Napi::Number>().Int64Value());
    s.gamma = number("gamma");
  } else if (kind == "exponential") {
    s.kind = Schedule::Kind::Exponential;
    s.gamma = number("gamma");
  } else if (kind == "cosine") {
    s.kind = Schedule::Kind::Cosine;
    s.total = static_cast<int64_t>(number("total"));
    s.warmup = static_cast<int64_t>(number("warmup"));
    s.minFactor = number("minFactor");
    s.warmupFactor = number("warmupFactor");
  } else if (kind == "onecycle") {
    s.kind = Schedule::Kind::OneCycle;
    s.total = static_cast<int64_t>(number("total"));
    s.pctStart = number("pctStart");
    s.divFactor = number("divFactor");
    s.finalDivFactor = number("finalDivFactor");
  } else {
    fail("internal: unknown schedule kind '" + kind + "'");
  }
  return s;
}

namespace {

// scheduleFactor(schedule, index) → the factor at that step or epoch
Napi::Value scheduleFactor(const Napi::CallbackInfo& info) {
  Schedule s = scheduleFrom(info[0]);
  return Napi::Number::New(info.Env(), s.factor(intArg(info, 1, "index")));
}

}  // namespace

void registerTrainSchedule(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"scheduleFactor", scheduleFactor},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
