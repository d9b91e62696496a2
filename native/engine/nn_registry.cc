// The registries of module and criterion types (each class registers itself beside its definition).
#include <map>

#include "nn_module.h"

namespace nodetorch {

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
