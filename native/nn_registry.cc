// The registries of module and criterion types (each class registers itself beside its definition)
// and the named options they are built from.
#include <map>

#include "nn_module.h"

namespace nodetorch {

Napi::Value Options::get(const char* key) const {
  Napi::Value v = object_.Get(key);
  if (v.IsUndefined()) fail(std::string("internal: option '") + key + "' is missing (lib/nn fills every option)");
  return v;
}

double Options::number(const char* key) const { return get(key).As<Napi::Number>().DoubleValue(); }

bool Options::flag(const char* key) const { return get(key).ToBoolean().Value(); }

std::string Options::text(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsString()) fail(std::string("internal: option '") + key + "' is not a string");
  return v.As<Napi::String>().Utf8Value();
}

std::vector<double> Options::numbers(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsArray()) fail(std::string("internal: option '") + key + "' is not an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t k = 0; k < a.Length(); ++k) out.push_back(a.Get(k).As<Napi::Number>().DoubleValue());
  return out;
}

template <typename Factory>
static std::map<std::string, Factory>& registry() {
  static std::map<std::string, Factory> types;  // filled by static initialisers at load
  return types;
}

template <typename Factory>
static Factory lookup(const std::string& what, const std::string& type) {
  auto& types = registry<Factory>();
  auto it = types.find(type);
  if (it == types.end()) fail("unknown " + what + " type '" + type + "'");
  return it->second;
}

bool registerModuleType(const char* type, ModuleFactory factory) {
  registry<ModuleFactory>()[type] = factory;
  return true;
}

bool registerCriterionType(const char* type, CriterionFactory factory) {
  registry<CriterionFactory>()[type] = factory;
  return true;
}

ModulePtr createModule(const std::string& type, const Options& options) {
  ModulePtr m = lookup<ModuleFactory>("module", type)(options);
  for (at::Tensor* p : m->parameters()) p->set_requires_grad(true);
  return m;
}

CriterionPtr createCriterion(const std::string& type, const Options& options) {
  return lookup<CriterionFactory>("criterion", type)(options);
}

}  // namespace nodetorch
