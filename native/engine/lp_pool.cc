// SpatialLPPooling (p = 2) fused on the CPU. Written as Torch7 wrote it, Square → average pooling →
// MulConstant(kW·kH) → Sqrt, a step ran eight ATen operations over the convnet's largest
// activations (two reading and writing 128×64×28×28 floats each way), and in channels-last
// layout three of them copied their operands to NCHW and back: 17% of a batch-128 step
// (`npm run bench -- --profile`). Here each direction is one pass, in the input's own layout.
#include "lp_pool.h"

#include "engine.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace nodetorch {

namespace {

struct LpWindow {
  int64_t kH, kW, dH, dW;
};

// Sums of squares in float (double for double input), as ATen accumulates 16-bit types.
template <typename scalar_t>
using LpAcc = std::conditional_t<std::is_same<scalar_t, double>::value, double, float>;

// The pool's geometry: N, C, H, W of the input and Ho, Wo of the output.
struct LpShape {
  int64_t N, C, H, W, Ho, Wo;
  LpShape(const at::Tensor& x, const LpWindow& w)
      : N(x.size(0)), C(x.size(1)), H(x.size(2)), W(x.size(3)), Ho((x.size(2) - w.kH) / w.dH + 1), Wo((x.size(3) - w.kW) / w.dW + 1) {}
};

// Work per parallel task of at least ATen's grain, counted in input elements.
int64_t lpGrain(int64_t elementsPerTask) { return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, elementsPerTask)); }

// NCHW: every (n, c) plane on its own, an output row at a time (the loops over a row have no
// branches, so that they vectorise).
template <typename scalar_t>
void lpForwardPlanes(const scalar_t* x, scalar_t* y, const LpShape& s, const LpWindow& w) {
  at::parallel_for(0, s.N * s.C, lpGrain(s.H * s.W), [&](int64_t begin, int64_t end) {
    std::vector<LpAcc<scalar_t>> sums(s.Wo), squares(s.W);
    for (int64_t p = begin; p < end; ++p) {
      const scalar_t* xp = x + p * s.H * s.W;
      scalar_t* yp = y + p * s.Ho * s.Wo;
      for (int64_t i = 0; i < s.Ho; ++i) {
        std::fill(sums.begin(), sums.end(), LpAcc<scalar_t>(0));
        for (int64_t a = 0; a < w.kH; ++a) {
          const scalar_t* row = xp + (i * w.dH + a) * s.W;
          // the row's squares first (a contiguous loop), then the windows' sums of them
          for (int64_t t = 0; t < s.W; ++t) {
            LpAcc<scalar_t> v = row[t];
            squares[t] = v * v;
          }
          for (int64_t j = 0; j < s.Wo; ++j)
            for (int64_t b = 0; b < w.kW; ++b) sums[j] += squares[j * w.dW + b];
        }
        for (int64_t j = 0; j < s.Wo; ++j) yp[i * s.Wo + j] = static_cast<scalar_t>(std::sqrt(sums[j]));
      }
    }
  });
}

// gx = Σ over the windows holding x: g · x / y (0 where y = 0). Each plane's gradient is zeroed
// just before it is summed, while it is in cache.
template <typename scalar_t>
void lpBackwardPlanes(const scalar_t* x, const scalar_t* y, const scalar_t* g, scalar_t* gx, const LpShape& s, const LpWindow& w) {
  at::parallel_for(0, s.N * s.C, lpGrain(s.H * s.W), [&](int64_t begin, int64_t end) {
    std::vector<LpAcc<scalar_t>> factors(s.Wo), spread(s.Wo * w.kW);
    for (int64_t p = begin; p < end; ++p) {
      const scalar_t* xp = x + p * s.H * s.W;
      scalar_t* gxp = gx + p * s.H * s.W;
      const scalar_t* yp = y + p * s.Ho * s.Wo;
      const scalar_t* gp = g + p * s.Ho * s.Wo;
      std::fill(gxp, gxp + s.H * s.W, scalar_t(0));
      for (int64_t i = 0; i < s.Ho; ++i) {
        for (int64_t j = 0; j < s.Wo; ++j) {
          LpAcc<scalar_t> yv = yp[i * s.Wo + j];
          factors[j] = yv > 0 ? static_cast<LpAcc<scalar_t>>(gp[i * s.Wo + j]) / yv : LpAcc<scalar_t>(0);
        }
        // windows side by side (dW = kW, as the study's 2×2 every 2): the row's factor per input
        // column, so that the loop below runs over contiguous columns
        bool tiled = w.dW == w.kW;
        if (tiled)
          for (int64_t t = 0; t < s.Wo * w.kW; ++t) spread[t] = factors[t / w.kW];
        for (int64_t a = 0; a < w.kH; ++a) {
          const scalar_t* row = xp + (i * w.dH + a) * s.W;
          scalar_t* gradRow = gxp + (i * w.dH + a) * s.W;
          if (tiled) {
            for (int64_t t = 0; t < s.Wo * w.kW; ++t)
              gradRow[t] = static_cast<scalar_t>(gradRow[t] + spread[t] * static_cast<LpAcc<scalar_t>>(row[t]));
            continue;
          }
          for (int64_t j = 0; j < s.Wo; ++j)
            for (int64_t b = 0; b < w.kW; ++b)
              gradRow[j * w.dW + b] =
                  static_cast<scalar_t>(gradRow[j * w.dW + b] + factors[j] * static_cast<LpAcc<scalar_t>>(row[j * w.dW + b]));
        }
      }
    }
  });
}

// NHWC: the channels are innermost, so every loop over them is contiguous (and vectorises).
template <typename scalar_t>
void lpForwardPixels(const scalar_t* x, scalar_t* y, const LpShape& s, const LpWindow& w) {
  at::parallel_for(0, s.N * s.Ho, lpGrain(s.Wo * s.C * w.kH * w.kW), [&](int64_t begin, int64_t end) {
    std::vector<LpAcc<scalar_t>> sums(s.C);
    for (int64_t q = begin; q < end; ++q) {
      int64_t n = q / s.Ho, i = q % s.Ho;
      for (int64_t j = 0; j < s.Wo; ++j) {
        std::fill(sums.begin(), sums.end(), LpAcc<scalar_t>(0));
        for (int64_t a = 0; a < w.kH; ++a)
          for (int64_t b = 0; b < w.kW; ++b) {
            const scalar_t* xp = x + ((n * s.H + i * w.dH + a) * s.W + j * w.dW + b) * s.C;
            for (int64_t c = 0; c < s.C; ++c) {
              LpAcc<scalar_t> v = xp[c];
              sums[c] += v * v;
            }
          }
        scalar_t* yp = y + ((n * s.Ho + i) * s.Wo + j) * s.C;
        for (int64_t c = 0; c < s.C; ++c) yp[c] = static_cast<scalar_t>(std::sqrt(sums[c]));
      }
    }
  });
}

// Per sample (windows may overlap within one), its gradient zeroed just before it is summed.
template <typename scalar_t>
void lpBackwardPixels(const scalar_t* x, const scalar_t* y, const scalar_t* g, scalar_t* gx, const LpShape& s, const LpWindow& w) {
  at::parallel_for(0, s.N, lpGrain(s.H * s.W * s.C), [&](int64_t begin, int64_t end) {
    std::vector<LpAcc<scalar_t>> factors(s.C);
    for (int64_t n = begin; n < end; ++n) {
      std::fill(gx + n * s.H * s.W * s.C, gx + (n + 1) * s.H * s.W * s.C, scalar_t(0));
      for (int64_t i = 0; i < s.Ho; ++i)
        for (int64_t j = 0; j < s.Wo; ++j) {
          const scalar_t* yp = y + ((n * s.Ho + i) * s.Wo + j) * s.C;
          const scalar_t* gp = g + ((n * s.Ho + i) * s.Wo + j) * s.C;
          for (int64_t c = 0; c < s.C; ++c) {
            LpAcc<scalar_t> yv = yp[c];
            factors[c] = yv > 0 ? static_cast<LpAcc<scalar_t>>(gp[c]) / yv : LpAcc<scalar_t>(0);
          }
          for (int64_t a = 0; a < w.kH; ++a)
            for (int64_t b = 0; b < w.kW; ++b) {
              int64_t pixel = ((n * s.H + i * w.dH + a) * s.W + j * w.dW + b) * s.C;
              for (int64_t c = 0; c < s.C; ++c)
                gx[pixel + c] = static_cast<scalar_t>(gx[pixel + c] + factors[c] * static_cast<LpAcc<scalar_t>>(x[pixel + c]));
            }
        }
    }
  });
}

// The layout a fused pass runs in: channels-last where x is laid out so (and is not also plainly
// contiguous, as a one-channel tensor is), else NCHW.
bool lpChannelsLast(const at::Tensor& x) { return !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast); }

at::Tensor lpForward(const at::Tensor& input, const LpWindow& w) {
  bool nhwc = lpChannelsLast(input);
  at::Tensor x = nhwc ? input : input.contiguous();
  LpShape s(x, w);
  at::Tensor y =
      at::empty({s.N, s.C, s.Ho, s.Wo}, x.options().memory_format(nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "SpatialLPPooling", [&] {
    if (nhwc)
      lpForwardPixels(x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), s, w);
    else
      lpForwardPlanes(x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), s, w);
  });
  return y;
}

at::Tensor lpBackward(const at::Tensor& x, const at::Tensor& y, const at::Tensor& grad, const LpWindow& w) {
  // the forward pass's layout (x is its input as given); the gradient may come in another
  bool nhwc = lpChannelsLast(x);
  at::MemoryFormat format = nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  at::Tensor xc = x.contiguous(format), yc = y.contiguous(format), g = grad.contiguous(format);
  LpShape s(xc, w);
  at::Tensor gx = at::empty_like(xc, xc.options().memory_format(format));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, xc.scalar_type(), "SpatialLPPooling backward", [&] {
    if (nhwc)
      lpBackwardPixels(xc.data_ptr<scalar_t>(), yc.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>(), s, w);
    else
      lpBackwardPlanes(xc.data_ptr<scalar_t>(), yc.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>(), s, w);
  });
  return gx;
}

struct SpatialLPPoolingFunction : torch::autograd::Function<SpatialLPPoolingFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, int64_t kH, int64_t kW, int64_t dH, int64_t dW) {
    at::Tensor y = lpForward(x, {kH, kW, dH, dW});
    ctx->save_for_backward({x, y});
    ctx->saved_data["window"] = std::vector<int64_t>{kH, kW, dH, dW};
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    std::vector<int64_t> k = ctx->saved_data["window"].toIntVector();
    LpWindow w{k[0], k[1], k[2], k[3]};
    // nodetorch's backward passes build no graph (create_graph is never set); a second derivative
    // would be silently wrong, so it is an error
    if (at::GradMode::is_enabled()) fail("SpatialLPPooling: no second derivative (a backward pass that builds a graph)");
    at::Tensor gx = lpBackward(saved[0], saved[1], grads[0], w);
    return {gx, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// sqrt with Torch7's nn.Sqrt backward: 0.5·g/y, and 0 where y = 0 (autograd's would be inf·0 = NaN).
struct SqrtZeroSafe : torch::autograd::Function<SqrtZeroSafe> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& s) {
    at::Tensor y = s.sqrt();
    ctx->save_for_backward({y});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    at::Tensor y = ctx->get_saved_variables()[0];
    return {at::where(y > 0, grads[0] * 0.5 / y, at::zeros_like(y))};
  }
};

bool lpFusable(const at::Tensor& x) {
  at::ScalarType t = x.scalar_type();
  return x.is_cpu() && (t == at::kFloat || t == at::kDouble || t == at::kBFloat16 || t == at::kHalf);
}

}  // namespace

at::Tensor lpPool2d(const at::Tensor& x, int64_t kH, int64_t kW, int64_t dH, int64_t dW) {
  // named in profiles (the pass option `profile`): a function of its own is no ATen operator
  RECORD_FUNCTION("nodetorch::SpatialLPPooling", std::vector<c10::IValue>());
  if (lpFusable(x)) return SpatialLPPoolingFunction::apply(x, kH, kW, dH, dW);
  at::Tensor sums = at::avg_pool2d(x.square(), {kH, kW}, {dH, dW}) * static_cast<double>(kW * kH);
  return SqrtZeroSafe::apply(sums);
}

}  // namespace nodetorch
