#include <gas/models/registry.h>

#include <gas/models/gcn.h>

#include "util/strings.h"

#include <map>

namespace gas {
namespace models {
namespace {

using Parser = std::function<ModelBuilder(const ConfigNode&)>;

ModelBuilder parse_gcn(const ConfigNode& a) {
  const int64_t num_layers = a.get_int_at_least("num_layers", 2, 1);
  const int64_t hidden = a.get_int_at_least("hidden_channels", 64, 1);
  const double dropout = a.get_double("dropout", 0.0);
  if (dropout < 0.0 || dropout >= 1.0) a.fail("dropout", "must be in [0, 1), got " + std::to_string(dropout));
  const bool drop_input = a.get_bool("drop_input", true);
  const bool batch_norm = a.get_bool("batch_norm", false);
  const bool residual = a.get_bool("residual", false);
  const bool linear = a.get_bool("linear", false);
  return [=](const ModelSpec& s) -> std::shared_ptr<ScalableGNNImpl> {
    return std::make_shared<GCNImpl>(s.num_nodes, GCNOptions(s.in_channels, hidden, s.out_channels, num_layers)
                                                      .dropout(dropout)
                                                      .drop_input(drop_input)
                                                      .batch_norm(batch_norm)
                                                      .residual(residual)
                                                      .linear(linear));
  };
}

const std::map<std::string, Parser>& registry() {
  static const std::map<std::string, Parser> parsers = {{"gcn", parse_gcn}};
  return parsers;
}

}  // namespace

ModelBuilder model_from_config(const std::string& name, const ConfigNode& architecture) {
  return util::lookup(registry(), name, "model")(architecture);
}

std::vector<std::string> model_names() { return util::keys_of(registry()); }

}  // namespace models
}  // namespace gas
