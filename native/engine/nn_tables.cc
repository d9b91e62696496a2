// Torch7's table modules and the containers that make tables (nn/ConcatTable.lua, ParallelTable.lua,
// Concat.lua, CAddTable.lua, CMulTable.lua, JoinTable.lua, SplitTable.lua, SelectTable.lua,
// Narrow.lua, Identity.lua). Dimensions and indices are 1-based, as Torch7's; with nInputDims, an
// input of more dimensions is a batch and the dimension moves one along, as Torch7's.
#include "nn_module.h"

namespace nodetorch {

namespace {

const std::vector<Value>& entries(const Value& v, const std::string& who) {
  if (v.isTensor()) fail(who + " takes a table (a list of tensors), not a tensor of shape " + shapeString(v.tensor.sizes()));
  if (v.list.empty()) fail(who + " takes a table of at least one entry, not an empty one");
  return v.list;
}

std::vector<at::Tensor> tensors(const Value& v, const std::string& who) {
  std::vector<at::Tensor> out;
  for (const Value& e : entries(v, who)) {
    if (!e.isTensor()) fail(who + " takes a table of tensors, but an entry is a table " + e.shape());
    out.push_back(e.tensor);
  }
  return out;
}

struct ConcatTable : Container {
  std::string type() const override { return "ConcatTable"; }
  Value apply(const Value& input) override {
    std::vector<Value> out;
    for (size_t k = 0; k < modules.size(); ++k) out.push_back(child(k, input));
    return Value::table(std::move(out));
  }
};

struct ParallelTable : Container {
  std::string type() const override { return "ParallelTable"; }
  Value apply(const Value& input) override {
    const auto& in = entries(input, "ParallelTable");
    if (in.size() != modules.size())
      fail("ParallelTable holds " + std::to_string(modules.size()) + " modules but got a table of " + std::to_string(in.size()) +
           " entries");
    std::vector<Value> out;
    for (size_t k = 0; k < modules.size(); ++k) out.push_back(child(k, in[k]));
    return Value::table(std::move(out));
  }
};

// Concat(dimension): every module on the same input, the outputs joined along the dimension.
struct Concat : Container {
  int64_t dim;
  explicit Concat(int64_t dim) : dim(dim) {}
  std::string type() const override { return "Concat"; }
  Value apply(const Value& input) override {
    if (modules.empty()) fail("Concat holds no modules");
    std::vector<at::Tensor> outs;
    for (size_t k = 0; k < modules.size(); ++k) {
      Value v = child(k, input);
      if (!v.isTensor()) fail("Concat: module " + std::to_string(k + 1) + " outputs a table " + v.shape() + ", not a tensor");
      outs.push_back(v.tensor);
    }
    return at::cat(outs, torch7Dimension("Concat", dim, 0, outs[0]));
  }
};

struct Identity : Module {
  std::string type() const override { return "Identity"; }
  Value apply(const Value& input) override { return input; }
};

struct CAddTable : Module {
  std::string type() const override { return "CAddTable"; }
  Value apply(const Value& input) override {
    auto ts = tensors(input, "CAddTable");
    at::Tensor sum = ts[0];
    for (size_t k = 1; k < ts.size(); ++k) sum = sum + ts[k];
    return sum;
  }
};

struct CMulTable : Module {
  std::string type() const override { return "CMulTable"; }
  Value apply(const Value& input) override {
    auto ts = tensors(input, "CMulTable");
    at::Tensor product = ts[0];
    for (size_t k = 1; k < ts.size(); ++k) product = product * ts[k];
    return product;
  }
};

struct JoinTable : Module {
  int64_t dim, nInputDims;
  JoinTable(int64_t dim, int64_t nInputDims) : dim(dim), nInputDims(nInputDims) {}
  std::string type() const override { return "JoinTable"; }
  Value apply(const Value& input) override {
    auto ts = tensors(input, "JoinTable");
    return at::cat(ts, torch7Dimension("JoinTable", dim, nInputDims, ts[0]));
  }
};

struct SplitTable : Module {
  int64_t dim, nInputDims;
  SplitTable(int64_t dim, int64_t nInputDims) : dim(dim), nInputDims(nInputDims) {}
  std::string type() const override { return "SplitTable"; }
  Value apply(const Value& input) override {
    if (!input.isTensor()) fail("SplitTable takes a tensor, not a table " + input.shape());
    std::vector<Value> out;
    for (const at::Tensor& t : input.tensor.unbind(torch7Dimension("SplitTable", dim, nInputDims, input.tensor))) out.emplace_back(t);
    return Value::table(std::move(out));
  }
};

// SelectTable(index): entry index (1-based; −1 is the last).
struct SelectTable : Module {
  int64_t index;
  explicit SelectTable(int64_t index) : index(index) {}
  std::string type() const override { return "SelectTable"; }
  Value apply(const Value& input) override {
    const auto& in = entries(input, "SelectTable");
    int64_t n = static_cast<int64_t>(in.size());
    int64_t k = index < 0 ? n + index : index - 1;
    if (k < 0 || k >= n) fail("SelectTable(" + std::to_string(index) + ") of a table of " + std::to_string(n) + " entries");
    return in[k];
  }
};

// Narrow(dimension, offset, length): length entries from offset (1-based) along the dimension; a
// negative length counts from the end (−1: to the last), as Torch7's.
struct Narrow : Module {
  int64_t dim, offset, length;
  Narrow(int64_t dim, int64_t offset, int64_t length) : dim(dim), offset(offset), length(length) {}
  std::string type() const override { return "Narrow"; }
  at::Tensor forward(const at::Tensor& x) override {
    int64_t d = torch7Dimension("Narrow", dim, 0, x);
    int64_t size = x.size(d);
    int64_t n = length < 0 ? size - offset + length + 2 : length;
    if (offset < 1 || n < 1 || offset - 1 + n > size)
      fail("Narrow(" + std::to_string(dim) + ", " + std::to_string(offset) + ", " + std::to_string(length) +
           ") is outside an input of shape " + shapeString(x.sizes()));
    return x.narrow(d, offset - 1, n);
  }
};

// nngraph's gModule: a directed acyclic graph of modules. Its modules are the graph's nodes in
// topological order; node k takes the outputs of its parents (one: that value; several: the table
// of them, in order), where parent −1 − j is the graph's input j. The graph's input is a value
// (one input) or a table of them; its output the value of its output node, or a table of them.
struct GModule : Container {
  int64_t nInputs;
  std::vector<std::vector<int64_t>> parents;
  std::vector<int64_t> outputs;
  GModule(const Options& o) : nInputs(o.integer("nInputs")) {
    std::vector<double> counts = o.numbers("parentCounts"), flat = o.numbers("parents");
    size_t at = 0;
    for (double count : counts) {
      std::vector<int64_t> p;
      for (int64_t k = 0; k < static_cast<int64_t>(count); ++k) p.push_back(static_cast<int64_t>(flat.at(at++)));
      parents.push_back(std::move(p));
    }
    for (double out : o.numbers("outputs")) outputs.push_back(static_cast<int64_t>(out));
  }
  std::string type() const override { return "gModule"; }
  Value apply(const Value& input) override {
    if (modules.size() != parents.size())
      fail("gModule: " + std::to_string(parents.size()) + " nodes but " + std::to_string(modules.size()) + " modules");
    std::vector<Value> inputs;
    if (nInputs == 1)
      inputs.push_back(input);
    else {
      if (input.isTensor() || static_cast<int64_t>(input.list.size()) != nInputs)
        fail("gModule has " + std::to_string(nInputs) + " inputs: it takes a table of " + std::to_string(nInputs) + " values, not " +
             input.shape());
      inputs = input.list;
    }
    std::vector<Value> values(modules.size());
    auto valueOf = [&](int64_t k) -> const Value& {
      return k < 0 ? inputs.at(static_cast<size_t>(-1 - k)) : values.at(static_cast<size_t>(k));
    };
    for (size_t k = 0; k < modules.size(); ++k) {
      const auto& from = parents[k];
      Value in;
      if (from.size() == 1)
        in = valueOf(from[0]);
      else {
        std::vector<Value> table;
        for (int64_t p : from) table.push_back(valueOf(p));
        in = Value::table(std::move(table));
      }
      values[k] = child(k, in);
    }
    if (outputs.size() == 1) return valueOf(outputs[0]);
    std::vector<Value> out;
    for (int64_t k : outputs) out.push_back(valueOf(k));
    return Value::table(std::move(out));
  }
};

NODETORCH_REGISTER_MODULE(GModule, "gModule", [](const Options& o) -> ModulePtr { return std::make_shared<GModule>(o); });
NODETORCH_REGISTER_MODULE(ConcatTable, "ConcatTable", [](const Options&) -> ModulePtr { return std::make_shared<ConcatTable>(); });
NODETORCH_REGISTER_MODULE(ParallelTable, "ParallelTable", [](const Options&) -> ModulePtr { return std::make_shared<ParallelTable>(); });
NODETORCH_REGISTER_MODULE(Concat, "Concat", [](const Options& o) -> ModulePtr { return std::make_shared<Concat>(o.integer("dimension")); });
NODETORCH_REGISTER_MODULE(Identity, "Identity", [](const Options&) -> ModulePtr { return std::make_shared<Identity>(); });
NODETORCH_REGISTER_MODULE(CAddTable, "CAddTable", [](const Options&) -> ModulePtr { return std::make_shared<CAddTable>(); });
NODETORCH_REGISTER_MODULE(CMulTable, "CMulTable", [](const Options&) -> ModulePtr { return std::make_shared<CMulTable>(); });
NODETORCH_REGISTER_MODULE(JoinTable, "JoinTable", [](const Options& o) -> ModulePtr {
  return std::make_shared<JoinTable>(o.integer("dimension"), o.integer("nInputDims"));
});
NODETORCH_REGISTER_MODULE(SplitTable, "SplitTable", [](const Options& o) -> ModulePtr {
  return std::make_shared<SplitTable>(o.integer("dimension"), o.integer("nInputDims"));
});
NODETORCH_REGISTER_MODULE(SelectTable, "SelectTable",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SelectTable>(o.integer("index")); });
NODETORCH_REGISTER_MODULE(Narrow, "Narrow", [](const Options& o) -> ModulePtr {
  return std::make_shared<Narrow>(o.integer("dimension"), o.integer("offset"), o.integer("length"));
});

}  // namespace

}  // namespace nodetorch
