// Reading Options: a missing or mistyped key is an internal error (TypeScript fills every option).
#include "options.h"

#include "engine.h"

namespace nodetorch {

const Options::Entry& Options::get(const char* key) const {
  auto it = values_.find(key);
  if (it == values_.end())
    fail(ErrorCode::Internal, std::string("internal: option '") + key + "' is missing (lib/nn and lib/optim fill every option)");
  return it->second;
}

[[noreturn]] static void mistyped(const char* key, const char* expected) {
  fail(ErrorCode::Internal, std::string("internal: option '") + key + "' is not " + expected);
}

double Options::number(const char* key) const {
  const Entry& v = get(key);
  if (const double* d = std::get_if<double>(&v)) return *d;
  mistyped(key, "a number");
}

bool Options::flag(const char* key) const {
  const Entry& v = get(key);
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  mistyped(key, "a boolean");
}

std::vector<double> Options::numbers(const char* key) const {
  const Entry& v = get(key);
  if (const auto* list = std::get_if<std::vector<double>>(&v)) return *list;
  mistyped(key, "an array of numbers");
}

std::string Options::text(const char* key) const {
  const Entry& v = get(key);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  mistyped(key, "a string");
}

}  // namespace nodetorch
