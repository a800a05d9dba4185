#include <gas/models/registry.h>

#include <gas/models/appnp.h>
#include <gas/models/gat.h>
#include <gas/models/gcn.h>
#include <gas/models/gcn2.h>
#include <gas/models/gin.h>
#include <gas/models/pna.h>
#include <gas/models/sage.h>

#include "util/lookup.h"

#include <map>

namespace gas {
namespace models {
namespace {

using Parser = std::function<ModelBuilder(const ConfigNode&)>;

// Keys every architecture block shares.
struct Common {
  int64_t num_layers, hidden;
  double dropout;

  explicit Common(const ConfigNode& a, int64_t default_layers = 2, int64_t default_hidden = 64)
      : num_layers(a.get_int_at_least("num_layers", default_layers, 1)),
        hidden(a.get_int_at_least("hidden_channels", default_hidden, 1)),
        dropout(a.get_double("dropout", 0.0)) {
    if (dropout < 0.0 || dropout >= 1.0) a.fail("dropout", "must be in [0, 1), got " + std::to_string(dropout));
  }
};

template <typename Impl>
ModelBuilder builder(std::function<std::shared_ptr<Impl>(const ModelSpec&)> make) {
  return [make](const ModelSpec& s) -> std::shared_ptr<ScalableGNNImpl> { return make(s); };
}

ModelBuilder parse_gcn(const ConfigNode& a) {
  const Common c(a);
  const bool drop_input = a.get_bool("drop_input", true), batch_norm = a.get_bool("batch_norm", false),
             residual = a.get_bool("residual", false), linear = a.get_bool("linear", false);
  return builder<GCNImpl>([=](const ModelSpec& s) {
    return std::make_shared<GCNImpl>(s.num_nodes, GCNOptions(s.in_channels, c.hidden, s.out_channels, c.num_layers)
                                                      .dropout(c.dropout)
                                                      .drop_input(drop_input)
                                                      .batch_norm(batch_norm)
                                                      .residual(residual)
                                                      .linear(linear));
  });
}

ModelBuilder parse_gat(const ConfigNode& a) {
  const Common c(a, 2, 8);
  const int64_t hidden_heads = a.get_int_at_least("hidden_heads", 8, 1),
                out_heads = a.get_int_at_least("out_heads", 1, 1);
  return builder<GATImpl>([=](const ModelSpec& s) {
    return std::make_shared<GATImpl>(s.num_nodes, GATOptions(s.in_channels, c.hidden, s.out_channels, c.num_layers)
                                                      .hidden_heads(hidden_heads)
                                                      .out_heads(out_heads)
                                                      .dropout(c.dropout));
  });
}

ModelBuilder parse_appnp(const ConfigNode& a) {
  const Common c(a, 10);
  const double alpha = a.get_double("alpha", 0.1);
  if (alpha < 0 || alpha > 1) a.fail("alpha", "must be in [0, 1], got " + std::to_string(alpha));
  return builder<APPNPImpl>([=](const ModelSpec& s) {
    return std::make_shared<APPNPImpl>(
        s.num_nodes, APPNPOptions(s.in_channels, c.hidden, s.out_channels, c.num_layers, alpha).dropout(c.dropout));
  });
}

ModelBuilder parse_gcn2(const ConfigNode& a) {
  const Common c(a, 8);
  const double alpha = a.get_double("alpha", 0.1), theta = a.get_double("theta", 0.5);
  if (alpha < 0 || alpha > 1) a.fail("alpha", "must be in [0, 1], got " + std::to_string(alpha));
  if (!(theta > 0)) a.fail("theta", "must be positive, got " + std::to_string(theta));
  const bool shared = a.get_bool("shared_weights", true), drop_input = a.get_bool("drop_input", true),
             batch_norm = a.get_bool("batch_norm", false), residual = a.get_bool("residual", false);
  return builder<GCN2Impl>([=](const ModelSpec& s) {
    return std::make_shared<GCN2Impl>(s.num_nodes,
                                      GCN2Options(s.in_channels, c.hidden, s.out_channels, c.num_layers, alpha, theta)
                                          .shared_weights(shared)
                                          .dropout(c.dropout)
                                          .drop_input(drop_input)
                                          .batch_norm(batch_norm)
                                          .residual(residual));
  });
}

template <typename Impl>
ModelBuilder parse_pna_family(const ConfigNode& a) {
  const Common c(a, 3);
  const auto aggregators = a.get_string_list("aggregators", {"mean", "min", "max", "std"});
  const auto scalers = a.get_string_list("scalers", {"identity", "amplification", "attenuation"});
  const int64_t towers = a.get_int_at_least("towers", 1, 1);
  if (c.hidden % towers != 0) a.fail("towers", "hidden_channels must be a multiple of towers");
  const bool drop_input = a.get_bool("drop_input", true), batch_norm = a.get_bool("batch_norm", false),
             residual = a.get_bool("residual", false);
  // Unknown aggregator or scaler names fail now rather than after loading the data.
  nn::PNAConv(nn::PNAConvOptions(1, towers, aggregators, scalers, at::ones({1})).towers(towers));
  return builder<Impl>([=](const ModelSpec& s) {
    return std::make_shared<Impl>(
        s.num_nodes, PNAOptions(s.in_channels, c.hidden, s.out_channels, c.num_layers, aggregators, scalers, s.degree)
                         .towers(towers)
                         .dropout(c.dropout)
                         .drop_input(drop_input)
                         .batch_norm(batch_norm)
                         .residual(residual));
  });
}

ModelBuilder parse_gin(const ConfigNode& a) {
  const Common c(a, 3);
  const bool residual = a.get_bool("residual", false), train_eps = a.get_bool("train_eps", true);
  return builder<GINImpl>([=](const ModelSpec& s) {
    return std::make_shared<GINImpl>(s.num_nodes, GINOptions(s.in_channels, c.hidden, s.out_channels, c.num_layers)
                                                      .dropout(c.dropout)
                                                      .residual(residual)
                                                      .train_eps(train_eps));
  });
}

ModelBuilder parse_sage(const ConfigNode& a) {
  const Common c(a);
  const bool drop_input = a.get_bool("drop_input", true), batch_norm = a.get_bool("batch_norm", false),
             residual = a.get_bool("residual", false);
  return builder<SAGEImpl>([=](const ModelSpec& s) {
    return std::make_shared<SAGEImpl>(s.num_nodes, SAGEOptions(s.in_channels, c.hidden, s.out_channels, c.num_layers)
                                                       .dropout(c.dropout)
                                                       .drop_input(drop_input)
                                                       .batch_norm(batch_norm)
                                                       .residual(residual));
  });
}

const std::map<std::string, Parser>& registry() {
  static const std::map<std::string, Parser> parsers = {
      {"gcn", parse_gcn},
      {"gat", parse_gat},
      {"appnp", parse_appnp},
      {"gcn2", parse_gcn2},
      {"pna", parse_pna_family<PNAImpl>},
      {"pna_jk", parse_pna_family<PNAJKImpl>},
      {"gin", parse_gin},
      {"sage", parse_sage},
  };
  return parsers;
}

}  // namespace

ModelBuilder model_from_config(const std::string& name, const ConfigNode& architecture) {
  return util::lookup(registry(), name, "model")(architecture);
}

std::vector<std::string> model_names() { return util::keys_of(registry()); }

}  // namespace models
}  // namespace gas
