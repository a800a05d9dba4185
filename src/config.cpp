#include <gas/config.h>

#include <gas/build_info.h>

#include "util/strings.h"
#include "util/system.h"

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace gas {

struct ConfigNode::Impl {
  YAML::Node node;  // yaml-cpp nodes alias: edits through a child reach the root
  std::string path;
  std::string source;
  // Full dotted path -> where a value set programmatically came from.
  std::shared_ptr<std::map<std::string, std::string>> origins;
  std::set<std::string> read;
  std::map<std::string, std::shared_ptr<Impl>> children;
};

namespace {

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

nlohmann::json to_json_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = to_json_value(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : n) out.push_back(to_json_value(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      if (n.Tag() == "!") return n.Scalar();  // quoted: a string whatever it looks like
      const std::string& s = n.Scalar();
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      int64_t i;
      if (YAML::convert<int64_t>::decode(n, i)) return i;
      double d;
      if (YAML::convert<double>::decode(n, d)) return d;
      return s;
    }
    default:
      return nullptr;
  }
}

YAML::Node parse_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::ostringstream msg;
    msg << source;
    if (!e.mark.is_null()) msg << ":" << e.mark.line + 1 << ":" << e.mark.column + 1;
    msg << ": invalid YAML: " << e.msg;
    throw ConfigError(msg.str());
  }
}

}  // namespace

ConfigNode::ConfigNode() : impl_(std::make_shared<Impl>()) {
  impl_->node = YAML::Node(YAML::NodeType::Map);
  impl_->origins = std::make_shared<std::map<std::string, std::string>>();
}

ConfigNode::ConfigNode(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConfigNode ConfigNode::parse(const std::string& text, const std::string& source) {
  ConfigNode out;
  YAML::Node node = parse_yaml(text, source);
  if (node.IsNull()) node = YAML::Node(YAML::NodeType::Map);
  if (!node.IsMap()) throw ConfigError(source + ": expected a mapping of keys at the top level, got " + kind_of(node));
  out.impl_->node = node;
  out.impl_->source = source;
  return out;
}

ConfigNode ConfigNode::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot open config file '" + path + "': " + util::errno_message());
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

const std::string& ConfigNode::path() const { return impl_->path; }

std::string ConfigNode::where(const std::string& key) const {
  const std::string full = join_path(impl_->path, key);
  if (auto it = impl_->origins->find(full); it != impl_->origins->end()) return it->second + ": " + full;
  const YAML::Node& cnode = impl_->node;
  YAML::Mark mark = cnode.Mark();
  if (cnode.IsMap())
    for (const auto& kv : cnode)
      if (kv.first.Scalar() == key) mark = kv.first.Mark();
  std::ostringstream out;
  out << (impl_->source.empty() ? "<config>" : impl_->source);
  if (!mark.is_null()) out << ":" << mark.line + 1 << ":" << mark.column + 1;
  out << ": " << full;
  return out.str();
}

bool ConfigNode::has(const std::string& key) const {
  const YAML::Node& cnode = impl_->node;
  return cnode.IsMap() && cnode[key].IsDefined();
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : impl_->node) out.push_back(kv.first.Scalar());
  return out;
}

void ConfigNode::fail(const std::string& key, const std::string& message) const {
  throw ConfigError(where(key) + ": " + message);
}

void ConfigNode::accept(const std::string& key) const { impl_->read.insert(key); }

namespace {

template <typename T>
T scalar_as(const ConfigNode& self, const YAML::Node& v, const std::string& key, const char* expected) {
  if (!v.IsScalar()) self.fail(key, std::string("expected ") + expected + ", got " + kind_of(v));
  T out;
  if (!YAML::convert<T>::decode(v, out)) self.fail(key, std::string("expected ") + expected + ", got " + kind_of(v));
  return out;
}

}  // namespace

#define GAS_CONFIG_GETTERS(T, Name, expected)                    \
  T ConfigNode::Name(const std::string& key) const {             \
    accept(key);                                                 \
    if (!has(key)) fail(key, "required key is missing");         \
    const YAML::Node& cnode = impl_->node;                       \
    return scalar_as<T>(*this, cnode[key], key, expected);       \
  }                                                              \
  T ConfigNode::Name(const std::string& key, T fallback) const { \
    accept(key);                                                 \
    if (!has(key)) return fallback;                              \
    const YAML::Node& cnode = impl_->node;                       \
    return scalar_as<T>(*this, cnode[key], key, expected);       \
  }

GAS_CONFIG_GETTERS(int64_t, get_int, "an integer")
GAS_CONFIG_GETTERS(double, get_double, "a number")
#undef GAS_CONFIG_GETTERS

bool ConfigNode::get_bool(const std::string& key, bool fallback) const {
  accept(key);
  if (!has(key)) return fallback;
  const YAML::Node& cnode = impl_->node;
  return scalar_as<bool>(*this, cnode[key], key, "true or false");
}

std::string ConfigNode::get_string(const std::string& key) const {
  accept(key);
  if (!has(key)) fail(key, "required key is missing");
  const YAML::Node& cnode = impl_->node;
  return scalar_as<std::string>(*this, cnode[key], key, "a string");
}

std::string ConfigNode::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : (accept(key), fallback);
}

std::optional<double> ConfigNode::get_optional_double(const std::string& key) const {
  accept(key);
  if (!has(key)) return std::nullopt;
  const YAML::Node& cnode = impl_->node;
  const YAML::Node v = cnode[key];
  if (v.IsNull()) return std::nullopt;
  if (v.IsScalar() && (lower(v.Scalar()) == "none" || lower(v.Scalar()) == "null")) return std::nullopt;
  return scalar_as<double>(*this, v, key, "a number or null");
}

namespace {

template <typename T>
std::vector<T> list_as(const ConfigNode& self, const YAML::Node& v, const std::string& key, const char* expected) {
  if (!v.IsSequence()) self.fail(key, std::string("expected ") + expected + ", got " + kind_of(v));
  std::vector<T> out;
  for (const auto& item : v) out.push_back(scalar_as<T>(self, item, key, expected));
  return out;
}

}  // namespace

std::vector<int64_t> ConfigNode::get_int_list(const std::string& key, const std::vector<int64_t>& fallback) const {
  accept(key);
  if (!has(key)) return fallback;
  const YAML::Node& cnode = impl_->node;
  return list_as<int64_t>(*this, cnode[key], key, "a list of integers");
}

std::vector<std::string> ConfigNode::get_string_list(const std::string& key,
                                                     const std::vector<std::string>& fallback) const {
  accept(key);
  if (!has(key)) return fallback;
  const YAML::Node& cnode = impl_->node;
  return list_as<std::string>(*this, cnode[key], key, "a list of strings");
}

int64_t ConfigNode::get_int_at_least(const std::string& key, int64_t fallback, int64_t minimum) const {
  const int64_t v = get_int(key, fallback);
  if (v < minimum) fail(key, "must be at least " + std::to_string(minimum) + ", got " + std::to_string(v));
  return v;
}

std::string ConfigNode::get_choice(const std::string& key, const std::string& fallback,
                                   const std::vector<std::string>& choices) const {
  const std::string v = get_string(key, fallback);
  if (std::find(choices.begin(), choices.end(), v) == choices.end())
    fail(key, "unknown value '" + v + "' (valid: " + util::join(choices) + ")");
  return v;
}

ConfigNode ConfigNode::child(const std::string& key) const {
  accept(key);
  if (auto it = impl_->children.find(key); it != impl_->children.end()) return ConfigNode(it->second);
  auto impl = std::make_shared<Impl>();
  impl->path = join_path(impl_->path, key);
  impl->source = impl_->source;
  impl->origins = impl_->origins;
  const YAML::Node& cnode = impl_->node;
  if (has(key)) {
    const YAML::Node v = cnode[key];
    if (v.IsNull()) {
      impl->node = YAML::Node(YAML::NodeType::Map);
    } else if (!v.IsMap()) {
      fail(key, "expected a mapping of keys, got " + kind_of(v));
    } else {
      impl->node = impl_->node[key];
    }
  } else {
    impl->node = YAML::Node(YAML::NodeType::Map);
  }
  impl_->children[key] = impl;
  return ConfigNode(impl);
}

void ConfigNode::check_unknown() const {
  std::vector<std::string> unknown;
  for (const std::string& key : keys())
    if (!impl_->read.count(key)) unknown.push_back(key);
  if (!unknown.empty()) {
    const std::string valid = util::join({impl_->read.begin(), impl_->read.end()});
    fail(unknown.front(), "unknown key '" + unknown.front() + "'" +
                              (unknown.size() > 1 ? " (and " + std::to_string(unknown.size() - 1) + " more)" : "") +
                              "; valid keys here: " + (valid.empty() ? "none" : valid));
  }
  for (const auto& [key, child] : impl_->children) ConfigNode(child).check_unknown();
}

void ConfigNode::set(const std::string& dotted_key, const std::string& yaml_value, const std::string& origin) {
  const std::string full = join_path(impl_->path, dotted_key);
  YAML::Node value = parse_yaml(yaml_value, origin + " (" + full + "=" + yaml_value + ")");
  std::vector<std::string> parts;
  std::stringstream ss(dotted_key);
  for (std::string part; std::getline(ss, part, '.');) {
    if (part.empty()) throw ConfigError(origin + ": malformed key '" + full + "'");
    parts.push_back(part);
  }
  if (parts.empty()) throw ConfigError(origin + ": empty key");
  YAML::Node node = impl_->node;
  std::string walked = impl_->path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    walked = join_path(walked, parts[i]);
    YAML::Node next = node[parts[i]];
    if (!next.IsDefined() || next.IsNull()) {
      next = YAML::Node(YAML::NodeType::Map);
      node[parts[i]] = next;
    } else if (!next.IsMap()) {
      throw ConfigError(origin + ": cannot set '" + full + "': '" + walked + "' is " + kind_of(next) +
                        ", not a mapping");
    }
    node.reset(next);
  }
  node[parts.back()] = value;
  (*impl_->origins)[full] = origin;
}

void ConfigNode::set_child(const std::string& key, const ConfigNode& other) {
  impl_->node[key] = YAML::Clone(other.impl_->node);
  impl_->children.erase(key);
}

void ConfigNode::erase(const std::string& key) {
  if (has(key)) impl_->node.remove(key);
  impl_->children.erase(key);
}

std::string ConfigNode::to_yaml() const {
  YAML::Emitter out;
  out << impl_->node;
  return out.c_str();
}

std::string ConfigNode::to_json() const { return to_json_value(impl_->node).dump(2); }

std::pair<std::string, std::string> parse_override(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("malformed argument '" + text + "': expected key=value (e.g. dataset=cora, params.lr=0.01)");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string default_config_dir() {
  if (const char* env = std::getenv("GAS_CONFIG_DIR"); env && *env) return env;
  // An installed binary finds the configs installed beside it; a binary in the
  // build tree falls back to the source tree's.
  const std::string exe_dir = util::executable_dir();
  if (!exe_dir.empty()) {
    const std::string installed = exe_dir + "/../share/gas/configs";
    if (util::is_directory(installed)) return installed;
  }
  return GAS_SOURCE_CONFIG_DIR;
}

}  // namespace gas
