#pragma once
// Registries by name (models, datasets) answer an unknown name with the
// known ones, as a configuration error.

#include <gas/config.h>

#include "util/strings.h"

#include <map>
#include <string>

namespace gas {
namespace util {

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
