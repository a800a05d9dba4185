#pragma once
// String helpers for messages and command lines.

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

/// "a,b,,c" -> {"a", "b", "", "c"}.
inline std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == separator) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

template <typename Value>
std::vector<std::string> keys_of(const std::map<std::string, Value>& map) {
  std::vector<std::string> keys;
  for (const auto& kv : map) keys.push_back(kv.first);
  return keys;
}

}  // namespace util
}  // namespace gas
