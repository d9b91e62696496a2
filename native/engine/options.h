// The options a module, criterion or optimizer is built or configured from: named values, decoded
// once from JavaScript at the native entry (decodeOptions in nn_module_api.cc) or written directly
// in C++ (the engine's tests). TypeScript (lib/nn, lib/optim) validated them and filled every
// default, so each factory reads every key it needs into its own typed fields, once.
#pragma once
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace nodetorch {

class Options {
 public:
  using Entry = std::variant<double, bool, std::string, std::vector<double>>;
  Options() = default;
  Options(std::initializer_list<std::pair<const std::string, Entry>> entries) : values_(entries) {}
  Options& set(const std::string& key, Entry value) {
    values_[key] = std::move(value);
    return *this;
  }
  bool has(const char* key) const { return values_.find(key) != values_.end(); }

  double number(const char* key) const;
  int64_t integer(const char* key) const { return static_cast<int64_t>(number(key)); }
  bool flag(const char* key) const;
  std::vector<double> numbers(const char* key) const;
  std::string text(const char* key) const;

 private:
  const Entry& get(const char* key) const;
  std::map<std::string, Entry, std::less<>> values_;  // transparent: looked up by const char* without a string
};

}  // namespace nodetorch
