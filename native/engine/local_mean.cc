// SpatialSubtractiveNormalization fused on the CPU. In ATen operations a step ran a channel sum, a
// one-plane convolution, a division and a subtraction forward and five more operations backward,
// twice per step in the study's convnet; at batch 1 the two one-plane 7×7 convolutions cost oneDNN
// as much setting up as the model's own (`npm run bench -- --profile`). The local mean of one
// plane is a few thousand multiply-adds: here it is computed directly, one pass over x each way.
#include "local_mean.h"

#include "engine.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <type_traits>

namespace nodetorch {

namespace {

// Sums in float (double for double input), as ATen accumulates 16-bit types.
template <typename scalar_t>
using LmAcc = std::conditional_t<std::is_same<scalar_t, double>::value, double, float>;

struct LmShape {
  int64_t N, C, H, W;
  bool nhwc;
};

int64_t lmGrain(const LmShape& s) { return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, s.C * s.H * s.W)); }

// Σ_c of one sample's planes, per pixel (t = h·W + w).
template <typename scalar_t>
void lmChannelSums(const scalar_t* x, const LmShape& s, LmAcc<scalar_t>* sums) {
  int64_t pixels = s.H * s.W;
  if (s.nhwc) {
    for (int64_t t = 0; t < pixels; ++t) {
      const scalar_t* px = x + t * s.C;
      // eight running sums, so that the loop vectorises (a single sum would be a serial chain)
      LmAcc<scalar_t> lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t c = 0;
      for (; c + 8 <= s.C; c += 8)
        for (int64_t k = 0; k < 8; ++k) lanes[k] += px[c + k];
      LmAcc<scalar_t> total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
      for (; c < s.C; ++c) total += px[c];
      sums[t] = total;
    }
    return;
  }
  std::fill(sums, sums + pixels, LmAcc<scalar_t>(0));
  for (int64_t c = 0; c < s.C; ++c) {
    const scalar_t* plane = x + c * pixels;
    for (int64_t t = 0; t < pixels; ++t) sums[t] += plane[t];
  }
}

// One pass of a separable kernel's factor over an H×W plane: along the rows or down the columns
// (zero padding, the same size out), or its adjoint (the factor flipped).
template <typename acc_t>
void lmCorrelateAxis(const acc_t* in, acc_t* out, int64_t H, int64_t W, const std::vector<double>& factor, bool alongRows, bool adjoint) {
  int64_t size = static_cast<int64_t>(factor.size()), pad = size / 2, length = alongRows ? W : H, stride = alongRows ? 1 : W;
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w = 0; w < W; ++w) {
      int64_t p = alongRows ? w : h;
      acc_t total = 0;
      for (int64_t j = 0; j < size; ++j) {
        int64_t q = adjoint ? p - j + pad : p + j - pad;
        if (q >= 0 && q < length) total += static_cast<acc_t>(factor[j]) * in[h * W + w + (q - p) * stride];
      }
      out[h * W + w] = total;
    }
}

// out = K ⋆ in on one H×W plane (a correlation, as ATen's conv2d, zero padding kH/2, kW/2, the same
// size out), or its adjoint (K flipped), which carries a gradient back.
template <typename acc_t>
void lmCorrelate(const acc_t* in, acc_t* out, acc_t* scratch, int64_t H, int64_t W, const LocalMeanKernel& k, bool adjoint) {
  if (!k.rows.empty()) {
    // a separable kernel (the study's k⊗k): along the rows into scratch, then down the columns
    lmCorrelateAxis(in, scratch, H, W, k.rows, true, adjoint);
    lmCorrelateAxis(scratch, out, H, W, k.columns, false, adjoint);
    return;
  }
  int64_t padH = k.kH / 2, padW = k.kW / 2;
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w = 0; w < W; ++w) {
      acc_t total = 0;
      for (int64_t a = 0; a < k.kH; ++a) {
        int64_t hh = adjoint ? h - a + padH : h + a - padH;
        if (hh < 0 || hh >= H) continue;
        for (int64_t b = 0; b < k.kW; ++b) {
          int64_t ww = adjoint ? w - b + padW : w + b - padW;
          if (ww >= 0 && ww < W) total += static_cast<acc_t>(k.weights[a * k.kW + b]) * in[hh * W + ww];
        }
      }
      out[h * W + w] = total;
    }
}

// out = in + shift, one shift per pixel for every channel.
template <typename scalar_t>
void lmShiftPixels(const scalar_t* in, const LmAcc<scalar_t>* shift, scalar_t* out, const LmShape& s) {
  int64_t pixels = s.H * s.W;
  if (s.nhwc) {
    for (int64_t t = 0; t < pixels; ++t)
      for (int64_t c = 0; c < s.C; ++c) out[t * s.C + c] = static_cast<scalar_t>(static_cast<LmAcc<scalar_t>>(in[t * s.C + c]) + shift[t]);
    return;
  }
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t t = 0; t < pixels; ++t)
      out[c * pixels + t] = static_cast<scalar_t>(static_cast<LmAcc<scalar_t>>(in[c * pixels + t]) + shift[t]);
}

// Forward: y = x − (K ⋆ Σ_c x) / coef. Backward (the same shape of work): gx = g + Kᵀ ⋆ (−Σ_c g / coef).
template <typename scalar_t>
void lmRun(const scalar_t* in, const scalar_t* coef, scalar_t* out, const LmShape& s, const LocalMeanKernel& k, bool backward) {
  int64_t pixels = s.H * s.W;
  at::parallel_for(0, s.N, lmGrain(s), [&](int64_t begin, int64_t end) {
    std::vector<LmAcc<scalar_t>> sums(pixels), shift(pixels), scratch(pixels);
    for (int64_t n = begin; n < end; ++n) {
      const scalar_t* sample = in + n * s.C * pixels;
      lmChannelSums(sample, s, sums.data());
      if (backward) {
        for (int64_t t = 0; t < pixels; ++t) sums[t] = -sums[t] / static_cast<LmAcc<scalar_t>>(coef[t]);
        lmCorrelate(sums.data(), shift.data(), scratch.data(), s.H, s.W, k, true);
      } else {
        lmCorrelate(sums.data(), shift.data(), scratch.data(), s.H, s.W, k, false);
        for (int64_t t = 0; t < pixels; ++t) shift[t] = -shift[t] / static_cast<LmAcc<scalar_t>>(coef[t]);
      }
      lmShiftPixels(sample, shift.data(), out + n * s.C * pixels, s);
    }
  });
}

// The layout a fused pass runs in: channels-last where x is laid out so (and is not also plainly
// contiguous, as a one-channel tensor is), else NCHW.
at::MemoryFormat lmFormat(const at::Tensor& x) {
  return !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast) ? at::MemoryFormat::ChannelsLast
                                                                               : at::MemoryFormat::Contiguous;
}

at::Tensor lmFused(const at::Tensor& input, const LocalMeanKernel& k, const at::Tensor& coef, at::MemoryFormat format, bool backward) {
  at::Tensor x = input.contiguous(format), c = coef.contiguous();
  at::Tensor out = at::empty_like(x, x.options().memory_format(format));
  LmShape s{x.size(0), x.size(1), x.size(2), x.size(3), format == at::MemoryFormat::ChannelsLast};
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "SpatialSubtractiveNormalization",
                                  [&] { lmRun(x.data_ptr<scalar_t>(), c.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), s, k, backward); });
  return out;
}

at::Tensor lmKernelTensor(const LocalMeanKernel& k, const at::TensorOptions& options) {
  return at::tensor(k.weights, at::kDouble).view({1, 1, k.kH, k.kW}).to(options);
}

struct SpatialSubtractiveNormalizationFunction : torch::autograd::Function<SpatialSubtractiveNormalizationFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const LocalMeanKernel& k, const at::Tensor& coef) {
    at::MemoryFormat format = lmFormat(x);
    ctx->save_for_backward({coef});
    ctx->saved_data["weights"] = k.weights;
    ctx->saved_data["rows"] = k.rows;
    ctx->saved_data["columns"] = k.columns;
    ctx->saved_data["size"] = std::vector<int64_t>{k.kH, k.kW};
    ctx->saved_data["channelsLast"] = format == at::MemoryFormat::ChannelsLast;
    return lmFused(x, k, coef, format, false);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    at::Tensor coef = ctx->get_saved_variables()[0];
    std::vector<int64_t> size = ctx->saved_data["size"].toIntVector();
    LocalMeanKernel k{ctx->saved_data["weights"].toDoubleVector(), size[0],     size[1], ctx->saved_data["rows"].toDoubleVector(),
                      ctx->saved_data["columns"].toDoubleVector(), at::Tensor()};
    // nodetorch's backward passes build no graph (create_graph is never set); a second derivative
    // would be silently wrong, so it is an error
    if (at::GradMode::is_enabled()) fail("SpatialSubtractiveNormalization: no second derivative (a backward pass that builds a graph)");
    at::MemoryFormat format = ctx->saved_data["channelsLast"].toBool() ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    at::Tensor gx = lmFused(grads[0], k, coef, format, true);
    return {gx, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor subtractLocalMean(const at::Tensor& x, const LocalMeanKernel& kernel, const at::Tensor& coef) {
  // named in profiles (the pass option `profile`): a function of its own is no ATen operator
  RECORD_FUNCTION("nodetorch::SpatialSubtractiveNormalization", std::vector<c10::IValue>());
  at::ScalarType t = x.scalar_type();
  if (x.is_cpu() && (t == at::kFloat || t == at::kDouble || t == at::kBFloat16 || t == at::kHalf))
    return SpatialSubtractiveNormalizationFunction::apply(x, kernel, coef);
  at::Tensor k = kernel.tensor.defined() ? kernel.tensor : lmKernelTensor(kernel, x.options());
  at::Tensor sums = at::conv2d(x.sum(1, true), k, {}, 1, {kernel.kH / 2, kernel.kW / 2});
  return x - sums / coef;
}

}  // namespace nodetorch
