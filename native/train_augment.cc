#include "addon_entries.h"
#include "train_augment.h"

#include "tensor_handle.h"

namespace nodetorch {

at::Tensor rotateImages(const at::Tensor& x, const at::Tensor& angles, RotateMode mode) {
  if (x.dim() != 4) fail("rotate expects an N×C×H×W batch, got shape " + shapeString(x.sizes()));
  if (angles.dim() != 1 || angles.size(0) != x.size(0))
    fail("rotate needs one angle per image: " + std::to_string(angles.numel()) + " angles for " + std::to_string(x.size(0)) + " images");
  at::NoGradGuard noGrad;
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  if (mode == RotateMode::Bilinear) {
    auto opts = at::TensorOptions().dtype(at::kDouble).device(x.device());
    at::Tensor theta = angles.to(at::kFloat).to(opts).view({n, 1, 1});
    at::Tensor cosT = theta.cos(), sinT = theta.sin();
    double xc = (w - 1) / 2.0, yc = (h - 1) / 2.0;
    at::Tensor i = at::arange(w, opts).view({1, 1, w}) - xc;
    at::Tensor j = at::arange(h, opts).view({1, h, 1}) - yc;
    at::Tensor srcX = cosT * i - sinT * j + xc, srcY = cosT * j + sinT * i + yc;
    at::Tensor grid = at::stack({srcX * (2.0 / std::max<int64_t>(w - 1, 1)) - 1, srcY * (2.0 / std::max<int64_t>(h - 1, 1)) - 1}, 3);
    return at::grid_sampler(x, grid.to(x.scalar_type()), /*bilinear*/ 0, /*zeros*/ 0, /*align_corners*/ true);
  }
  // Torch7's image.rotate (generic/image.c) computes in C floats: theta, sin and cos (of the float
  // angle, in double, stored as float), the centre, the source coordinates (((c·i) − (s·j)) + xc,
  // one float rounding per operation, as these tensor ops), and the copied value (a float even
  // for double images). Only round() sees the coordinates as doubles.
  auto f32 = at::TensorOptions().dtype(at::kFloat).device(x.device());
  at::Tensor theta = angles.to(f32).view({n, 1, 1});
  at::Tensor cosT = theta.to(at::kDouble).cos().to(at::kFloat), sinT = theta.to(at::kDouble).sin().to(at::kFloat);
  const float xc = static_cast<float>((w - 1) / 2.0), yc = static_cast<float>((h - 1) / 2.0);
  at::Tensor i = at::arange(w, f32).view({1, 1, w}) - xc;  // destination column offsets
  at::Tensor j = at::arange(h, f32).view({1, h, 1}) - yc;  // destination row offsets
  at::Tensor srcX = cosT * i - sinT * j + xc;              // N×H×W
  at::Tensor srcY = cosT * j + sinT * i + yc;
  // C's round() on the double value: half away from zero.
  auto roundC = [](const at::Tensor& f) {
    at::Tensor v = f.to(at::kDouble);
    return v.sign() * (v.abs() + 0.5).floor();
  };
  at::Tensor ii = roundC(srcX).to(at::kLong), jj = roundC(srcY).to(at::kLong);
  at::Tensor inside = (ii >= 0) & (ii < w) & (jj >= 0) & (jj < h);
  at::Tensor index = (jj.clamp(0, h - 1) * w + ii.clamp(0, w - 1)).view({n, 1, h * w}).expand({n, c, h * w});
  at::Tensor out = x.reshape({n, c, h * w}).gather(2, index).view({n, c, h, w});
  if (out.scalar_type() != at::kFloat) out = out.to(at::kFloat).to(x.scalar_type());
  return out * inside.view({n, 1, h, w}).to(x.scalar_type());
}

at::Tensor augmentBatch(const at::Tensor& x, const std::vector<Augmentation>& augmentations) {
  at::Tensor out = x;
  for (const Augmentation& a : augmentations) {
    if (a.std == 0) continue;
    if (a.kind == Augmentation::Kind::Rotate) {
      at::Tensor angles = at::randn({x.size(0)}, at::kDouble) * a.std;  // θ ~ N(0, σ²) per sample
      out = rotateImages(out, angles, a.mode);
    } else {
      out = out + (at::randn(out.sizes(), at::TensorOptions().dtype(out.scalar_type())) * a.std).to(out.device());
    }
  }
  return out;
}

std::vector<Augmentation> augmentationsFrom(Napi::Value list) {
  std::vector<Augmentation> out;
  if (list.IsUndefined() || list.IsNull()) return out;
  if (!list.IsArray()) fail("expected an array of augmentations");
  Napi::Array array = list.As<Napi::Array>();
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Object o = array.Get(k).As<Napi::Object>();
    std::string kind = o.Get("kind").As<Napi::String>().Utf8Value();
    Augmentation a{kind == "rotate" ? Augmentation::Kind::Rotate : Augmentation::Kind::Noise,
                   o.Get("std").As<Napi::Number>().DoubleValue()};
    if (kind != "rotate" && kind != "noise") fail("unknown augmentation '" + kind + "'");
    if (kind == "rotate" && o.Get("mode").IsString() && o.Get("mode").As<Napi::String>().Utf8Value() == "bilinear")
      a.mode = RotateMode::Bilinear;
    out.push_back(a);
  }
  return out;
}

namespace {

RotateMode modeArg(const Napi::CallbackInfo& info, size_t i) {
  std::string mode = stringArg(info, i, "mode");
  if (mode == "nearest") return RotateMode::Nearest;
  if (mode == "bilinear") return RotateMode::Bilinear;
  fail("unknown rotation mode '" + mode + "'; expected 'nearest' or 'bilinear'");
}

// rotate(x, angles, mode): x is C×H×W or N×C×H×W; angles a tensor of N radians.
Napi::Value rotate(const Napi::CallbackInfo& info) {
  at::Tensor& x = tensorArg(info, 0, "images");
  at::Tensor& angles = tensorArg(info, 1, "angles");
  bool single = x.dim() == 3;
  at::Tensor out = rotateImages(single ? x.unsqueeze(0) : x, angles.reshape({-1}), modeArg(info, 2));
  return wrapTensor(info.Env(), single ? out.squeeze(0) : out);
}

// augment(x, augmentations): random augmentation of a batch, as the training loop applies it.
Napi::Value augment(const Napi::CallbackInfo& info) {
  at::Tensor& x = tensorArg(info, 0, "images");
  bool single = x.dim() == 3;
  at::Tensor out = augmentBatch(single ? x.unsqueeze(0) : x, augmentationsFrom(info[1]));
  return wrapTensor(info.Env(), single ? out.squeeze(0) : out);
}

}  // namespace

void registerTrainAugment(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {{"rotate", rotate}, {"augment", augment}};
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
