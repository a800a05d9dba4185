#pragma once
// String helpers for messages.

#include <gas/config.h>

#include <map>
#include <string>
#include <vector>

namespace gas {
namespace util {

/// "a, b, c".
inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

template <typename Value>
std::vector<std::string> keys_of(const std::map<std::string, Value>& map) {
  std::vector<std::string> keys;
  for (const auto& kv : map) keys.push_back(kv.first);
  return keys;
}

/// The entry `name` of a registry, or a ConfigError "unknown <what> 'name'
/// (known: ...)".
template <typename Value>
const Value& lookup(const std::map<std::string, Value>& registry, const std::string& name, const char* what) {
  const auto it = registry.find(name);
  if (it == registry.end())
    throw ConfigError(std::string("unknown ") + what + " '" + name + "' (known: " + join(keys_of(registry)) + ")");
  return it->second;
}

}  // namespace util
}  // namespace gas
