#pragma once
/// \file
/// YAML configuration with strict, self-describing validation.
///
/// Code reads a configuration through ConfigNode getters; every key asked
/// for is remembered. check_unknown() afterwards rejects keys nobody read,
/// listing the valid ones, so a typo never silently falls back to a default.
/// Errors name the file, line and key path:
///
///   configs/small/gcn.yaml:14:9: params.cora.lr: expected a number, got 'fast'

#include <gas/macros.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gas {

/// A configuration mistake: bad key, type, value or file.
class GAS_API ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GAS_API ConfigNode {
 public:
  /// An empty mapping.
  ConfigNode();
  /// Parses YAML text; `source` names it in messages.
  static ConfigNode parse(const std::string& text, const std::string& source);
  /// Reads a YAML file (its top level must be a mapping).
  static ConfigNode load_file(const std::string& path);

  /// Dotted path of this node from the root ("" for the root).
  const std::string& path() const;
  /// "file:line:col: path.key" for messages.
  std::string where(const std::string& key) const;

  bool has(const std::string& key) const;
  /// Keys of this mapping, in file order.
  std::vector<std::string> keys() const;

  // Required getters throw when the key is absent; the others return `fallback`.
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  /// null, "none" (any case) and absence all mean "not set".
  std::optional<double> get_optional_double(const std::string& key) const;
  std::vector<int64_t> get_int_list(const std::string& key, const std::vector<int64_t>& fallback) const;
  std::vector<std::string> get_string_list(const std::string& key, const std::vector<std::string>& fallback) const;

  /// get_int that also requires value >= minimum.
  int64_t get_int_at_least(const std::string& key, int64_t fallback, int64_t minimum) const;
  /// get_string restricted to `choices`.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;

  /// The mapping under `key` (an empty mapping when absent).
  ConfigNode child(const std::string& key) const;
  /// Marks `key` as understood without reading it.
  void accept(const std::string& key) const;

  /// Throws ConfigError for keys of this mapping and of every child read
  /// through child() that were never read.
  void check_unknown() const;
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

  /// Sets a dotted key (creating mappings on the way) to a YAML value given
  /// as text, e.g. set("params.lr", "0.005", "command line").
  void set(const std::string& dotted_key, const std::string& yaml_value, const std::string& origin);
  /// Replaces this node's mapping content under `key` with `other`'s.
  void set_child(const std::string& key, const ConfigNode& other);
  /// Removes a key, if present.
  void erase(const std::string& key);

  /// YAML text of this node.
  std::string to_yaml() const;
  /// JSON text of this node (scalars typed as YAML 1.2 core would read them).
  std::string to_json() const;

 private:
  struct Impl;
  explicit ConfigNode(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

/// Splits "a.b=c" into {"a.b", "c"}; throws ConfigError when malformed.
GAS_API std::pair<std::string, std::string> parse_override(const std::string& text);

/// Directory holding the shipped configs: $GAS_CONFIG_DIR if set, else the
/// installed share/gas/configs, else the source tree's configs/.
GAS_API std::string default_config_dir();

}  // namespace gas
