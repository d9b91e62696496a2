// The registry of optimizer methods and the helpers they share.
#include "optim_method.h"

namespace nodetorch {

static std::map<std::string, OptimFactory>& registry() {
  static std::map<std::string, OptimFactory> methods;  // filled by static initialisers at load
  return methods;
}

bool registerOptimMethod(const char* name, OptimFactory factory) {
  registry()[name] = factory;
  return true;
}

std::unique_ptr<OptimMethod> createOptimMethod(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (auto& [key, _] : registry()) known += (known.empty() ? "" : ", ") + key;
    fail("unknown optimizer '" + name + "'; expected one of " + known);
  }
  std::unique_ptr<OptimMethod> method = it->second();
  method->name = name;
  return method;
}

double restoredScalar(const std::map<std::string, double>& scalars, const std::string& key) {
  auto it = scalars.find(key);
  if (it == scalars.end()) fail("the saved optimizer state has no '" + key + "'");
  return it->second;
}

at::Tensor restoredTensor(const std::map<std::string, at::Tensor>& tensors, const std::string& key) {
  auto it = tensors.find(key);
  return it == tensors.end() ? at::Tensor() : it->second;
}

std::vector<at::Tensor> restoredTensors(const std::map<std::string, at::Tensor>& tensors, const std::vector<std::string>& keys) {
  std::vector<at::Tensor> out;
  for (const auto& key : keys) {
    at::Tensor t = restoredTensor(tensors, key);
    if (t.defined()) out.push_back(t);
  }
  if (out.empty() || out.size() == keys.size()) return out;
  std::string names;
  for (const auto& key : keys) names += (names.empty() ? "'" : ", '") + key + "'";
  fail("the saved optimizer state holds only some of its tensors " + names + "; it needs all of them or none");
}

}  // namespace nodetorch
