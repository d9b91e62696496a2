// Torch7's other convolutions and its embedding, with its argument orders, defaults, weight layouts
// and initialisations (nn/TemporalConvolution.lua, SpatialFullConvolution.lua,
// SpatialDilatedConvolution.lua, LookupTable.lua).
#include "nn_module.h"

namespace nodetorch {

namespace {

std::string shapeOf(const at::Tensor& t) { return shapeString(t.sizes()); }

// TemporalConvolution(inputFrameSize, outputFrameSize, kW, dW = 1): a 1-D convolution over frames
// of nInputFrame × inputFrameSize (or N × nInputFrame × inputFrameSize); Torch7's weight is
// outputFrameSize × (kW·inputFrameSize), frame by frame.
struct TemporalConvolution : Module {
  int64_t in, out, kW, dW;
  at::Tensor weight, bias;
  explicit TemporalConvolution(const Options& o)
      : in(o.integer("inputFrameSize")), out(o.integer("outputFrameSize")), kW(o.integer("kW")), dW(o.integer("dW")) {
    weight = at::empty({out, kW * in}, at::kDouble);
    bias = at::empty({out}, at::kDouble);
    resetUniform(weight, bias, kW * in);
  }
  std::string type() const override { return "TemporalConvolution"; }
  at::Tensor forward(const at::Tensor& x) override {
    bool single = x.dim() == 2;
    if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != in)
      fail("TemporalConvolution expects nInputFrame×" + std::to_string(in) + " or N×nInputFrame×" + std::to_string(in) + ", got shape " +
           shapeOf(x));
    if (x.size(-2) < kW)
      fail("TemporalConvolution: " + std::to_string(x.size(-2)) + " frames are fewer than the kernel's " + std::to_string(kW));
    at::Tensor batch = (single ? x.unsqueeze(0) : x).transpose(1, 2);  // N × in × frames
    at::Tensor w = weight.view({out, kW, in}).permute({0, 2, 1});      // out × in × kW
    at::Tensor y = at::conv1d(batch, w, bias, {dW}).transpose(1, 2);   // N × frames' × out
    return single ? y.squeeze(0) : y;
  }
  std::vector<at::Tensor*> parameters() override { return {&weight, &bias}; }
};

// SpatialFullConvolution(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH, adjW, adjH): the
// transposed convolution; weight nInputPlane × nOutputPlane × kH × kW.
struct SpatialFullConvolution : WeightAndBias {
  int64_t nIn, nOut, kW, kH, dW, dH, padW, padH, adjW, adjH;
  explicit SpatialFullConvolution(const Options& o)
      : nIn(o.integer("nInputPlane")),
        nOut(o.integer("nOutputPlane")),
        kW(o.integer("kW")),
        kH(o.integer("kH")),
        dW(o.integer("dW")),
        dH(o.integer("dH")),
        padW(o.integer("padW")),
        padH(o.integer("padH")),
        adjW(o.integer("adjW")),
        adjH(o.integer("adjH")) {
    weight = at::empty({nIn, nOut, kH, kW}, at::kDouble);
    bias = at::empty({nOut}, at::kDouble);
    resetUniform(weight, bias, nIn * kH * kW);
  }
  std::string type() const override { return "SpatialFullConvolution"; }
  at::Tensor forward(const at::Tensor& x) override {
    bool single = x.dim() == 3;
    if ((x.dim() != 3 && x.dim() != 4) || x.size(-3) != nIn)
      fail("SpatialFullConvolution expects " + std::to_string(nIn) + "×H×W or N×" + std::to_string(nIn) + "×H×W input, got shape " +
           shapeOf(x));
    at::Tensor y = at::conv_transpose2d(single ? x.unsqueeze(0) : x, weight, bias, {dH, dW}, {padH, padW}, {adjH, adjW});
    return single ? y.squeeze(0) : y;
  }
};

// SpatialDilatedConvolution(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH, dilationW, dilationH).
struct SpatialDilatedConvolution : WeightAndBias {
  int64_t nIn, nOut, kW, kH, dW, dH, padW, padH, dilW, dilH;
  explicit SpatialDilatedConvolution(const Options& o)
      : nIn(o.integer("nInputPlane")),
        nOut(o.integer("nOutputPlane")),
        kW(o.integer("kW")),
        kH(o.integer("kH")),
        dW(o.integer("dW")),
        dH(o.integer("dH")),
        padW(o.integer("padW")),
        padH(o.integer("padH")),
        dilW(o.integer("dilationW")),
        dilH(o.integer("dilationH")) {
    weight = at::empty({nOut, nIn, kH, kW}, at::kDouble);
    bias = at::empty({nOut}, at::kDouble);
    resetUniform(weight, bias, nIn * kH * kW);
  }
  std::string type() const override { return "SpatialDilatedConvolution"; }
  at::Tensor forward(const at::Tensor& x) override {
    bool single = x.dim() == 3;
    if ((x.dim() != 3 && x.dim() != 4) || x.size(-3) != nIn)
      fail("SpatialDilatedConvolution expects " + std::to_string(nIn) + "×H×W or N×" + std::to_string(nIn) + "×H×W input, got shape " +
           shapeOf(x));
    if (x.size(-2) + 2 * padH < dilH * (kH - 1) + 1 || x.size(-1) + 2 * padW < dilW * (kW - 1) + 1)
      fail("SpatialDilatedConvolution: the dilated kernel is larger than the padded input " + shapeOf(x));
    at::Tensor y = at::conv2d(single ? x.unsqueeze(0) : x, weight, bias, {dH, dW}, {padH, padW}, {dilH, dilW});
    return single ? y.squeeze(0) : y;
  }
};

// LookupTable(nIndex, nOutput, paddingIndex): rows of an nIndex × nOutput table, N(0, 1) at first,
// at 0-based indices (integers, or whole numbers in a float tensor) of any shape (output: the indices' shape × nOutput). The row at
// paddingIndex (−1: none) starts at zero and is never trained, as PyTorch's padding_idx.
struct LookupTable : Module {
  int64_t nIndex, nOutput, padding;
  at::Tensor weight;
  explicit LookupTable(const Options& o) : nIndex(o.integer("nIndex")), nOutput(o.integer("nOutput")), padding(o.integer("paddingIndex")) {
    at::NoGradGuard noGrad;
    weight = at::randn({nIndex, nOutput}, at::kDouble);
    if (padding >= 0) weight[padding].zero_();
  }
  std::string type() const override { return "LookupTable"; }
  at::Tensor forward(const at::Tensor& x) override {
    if (x.scalar_type() == at::kBool) fail("LookupTable takes integer indices, not bool");
    // the Trainer's loop hands the model its inputs in the model's dtype: whole numbers are indices
    if (at::isFloatingType(x.scalar_type()) && !at::equal(x, x.floor()))
      fail("LookupTable takes whole-number indices, but some are fractional or NaN");
    at::Tensor indices = x.to(weight.device(), at::kLong);
    if (indices.numel() > 0 && (indices.min().item<int64_t>() < 0 || indices.max().item<int64_t>() >= nIndex))
      fail("LookupTable(" + std::to_string(nIndex) + ", " + std::to_string(nOutput) + "): indices must be in [0, " +
           std::to_string(nIndex - 1) + "] (0-based)");
    return at::embedding(weight, indices, padding);
  }
  std::vector<at::Tensor*> parameters() override { return {&weight}; }
};

NODETORCH_REGISTER_MODULE(TemporalConvolution, "TemporalConvolution",
                          [](const Options& o) -> ModulePtr { return std::make_shared<TemporalConvolution>(o); });
NODETORCH_REGISTER_MODULE(SpatialFullConvolution, "SpatialFullConvolution",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialFullConvolution>(o); });
NODETORCH_REGISTER_MODULE(SpatialDilatedConvolution, "SpatialDilatedConvolution",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialDilatedConvolution>(o); });
NODETORCH_REGISTER_MODULE(LookupTable, "LookupTable", [](const Options& o) -> ModulePtr { return std::make_shared<LookupTable>(o); });

}  // namespace

}  // namespace nodetorch
