// Recurrent layers on LibTorch's fused kernels (cuDNN on a GPU): LSTM and GRU with PyTorch's
// semantics, options and parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then
// _reverse for the second direction, layer by layer), initialised U(±1/√hiddenSize). The output is
// the top layer's hidden state at every step (PyTorch's output); the final states of the last
// forward are kept for reading (finalState). Every sequence starts from zero states.
#include "nn_module.h"

namespace nodetorch {

namespace {

struct Recurrent : Module {
  std::string name;
  int64_t inputSize, hiddenSize, numLayers, gates;
  bool batchFirst, bidirectional;
  double dropout;
  std::vector<at::Tensor> weights;
  std::vector<std::string> names;
  at::Tensor lastH, lastC;
  Recurrent(std::string name, const Options& o)
      : name(std::move(name)),
        inputSize(o.integer("inputSize")),
        hiddenSize(o.integer("hiddenSize")),
        numLayers(o.integer("numLayers")),
        batchFirst(o.flag("batchFirst")),
        bidirectional(o.flag("bidirectional")),
        dropout(o.number("dropout")) {
    gates = this->name == "LSTM" ? 4 : 3;
    double bound = 1.0 / std::sqrt(static_cast<double>(hiddenSize));
    at::NoGradGuard noGrad;
    int64_t directions = bidirectional ? 2 : 1;
    for (int64_t layer = 0; layer < numLayers; ++layer) {
      for (int64_t d = 0; d < directions; ++d) {
        std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
        int64_t in = layer == 0 ? inputSize : hiddenSize * directions;
        weights.push_back(at::empty({gates * hiddenSize, in}, at::kDouble).uniform_(-bound, bound));
        weights.push_back(at::empty({gates * hiddenSize, hiddenSize}, at::kDouble).uniform_(-bound, bound));
        weights.push_back(at::empty({gates * hiddenSize}, at::kDouble).uniform_(-bound, bound));
        weights.push_back(at::empty({gates * hiddenSize}, at::kDouble).uniform_(-bound, bound));
        for (const char* kind : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) names.push_back(kind + suffix);
      }
    }
  }
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    // a single sequence (T × inputSize) is a batch of one
    bool single = x.dim() == 2;
    if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != inputSize)
      fail(name + "(" + std::to_string(inputSize) + ", " + std::to_string(hiddenSize) + ") expects " + (batchFirst ? "N×T×" : "T×N×") +
           std::to_string(inputSize) + " (or T×" + std::to_string(inputSize) + ") input, got shape " + shapeString(x.sizes()));
    at::Tensor input = single ? x.unsqueeze(batchFirst ? 0 : 1) : x;
    int64_t batch = input.size(batchFirst ? 0 : 1);
    at::Tensor h0 = at::zeros({numLayers * (bidirectional ? 2 : 1), batch, hiddenSize}, input.options().requires_grad(false));
    at::Tensor output;
    if (name == "LSTM") {
      auto result = at::lstm(input, {h0, h0}, weights, true, numLayers, dropout, training, bidirectional, batchFirst);
      output = std::get<0>(result);
      lastH = std::get<1>(result).detach();
      lastC = std::get<2>(result).detach();
    } else {
      auto result = at::gru(input, h0, weights, true, numLayers, dropout, training, bidirectional, batchFirst);
      output = std::get<0>(result);
      lastH = std::get<1>(result).detach();
    }
    return single ? output.squeeze(batchFirst ? 0 : 1) : output;
  }
  std::vector<at::Tensor*> parameters() override {
    std::vector<at::Tensor*> out;
    for (at::Tensor& w : weights) out.push_back(&w);
    return out;
  }
  std::vector<std::string> parameterNames() override { return names; }
  std::vector<std::pair<std::string, at::Tensor>> lastStates() override {
    std::vector<std::pair<std::string, at::Tensor>> out;
    if (lastH.defined()) out.emplace_back("h", lastH);
    if (lastC.defined()) out.emplace_back("c", lastC);
    return out;
  }
};

NODETORCH_REGISTER_MODULE(LSTM, "LSTM", [](const Options& o) -> ModulePtr { return std::make_shared<Recurrent>("LSTM", o); });
NODETORCH_REGISTER_MODULE(GRU, "GRU", [](const Options& o) -> ModulePtr { return std::make_shared<Recurrent>("GRU", o); });

}  // namespace

}  // namespace nodetorch
