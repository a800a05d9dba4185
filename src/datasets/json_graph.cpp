#include "datasets/json_graph.h"

#include "util/system.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>
#include <stdexcept>

namespace gas {
namespace json_graph {
namespace {

using json = nlohmann::json;

// One JSON scalar.
struct Scalar {
  enum class Type { Null, Bool, Int, Unsigned, Float, String } type = Type::Null;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;

  std::string describe() const {
    switch (type) {
      case Type::Null:
        return "null";
      case Type::Bool:
        return i ? "true" : "false";
      case Type::Int:
        return std::to_string(i);
      case Type::Unsigned:
        return std::to_string(u);
      case Type::Float:
        return std::to_string(f);
      case Type::String:
        return "a string";
    }
    return "?";
  }
};

// Turns nlohmann's SAX events into calls that know where they are: the
// frames of the enclosing containers (for an object, the key being read; for
// an array, the index of the element being read). A reader overrides
// scalar(), open() and close(); depth() is the number of enclosing
// containers, so a value of the top-level object has depth 1.
class Walker {
 public:
  explicit Walker(std::string source) : source_(std::move(source)) {}
  virtual ~Walker() = default;

  // nlohmann's SAX interface.
  bool null() { return leaf(Scalar{}); }
  bool boolean(bool v) { return leaf(Scalar{Scalar::Type::Bool, v ? 1 : 0}); }
  bool number_integer(int64_t v) { return leaf(Scalar{Scalar::Type::Int, v}); }
  bool number_unsigned(uint64_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) return leaf(Scalar{Scalar::Type::Int, static_cast<int64_t>(v)});
    Scalar s{Scalar::Type::Unsigned};
    s.u = v;
    return leaf(s);
  }
  bool number_float(double v, const std::string&) {
    Scalar s{Scalar::Type::Float};
    s.f = v;
    return leaf(s);
  }
  bool string(std::string&) { return leaf(Scalar{Scalar::Type::String}); }
  bool binary(json::binary_t&) { return leaf(Scalar{Scalar::Type::String}); }
  bool start_object(std::size_t) { return enter(false); }
  bool key(std::string& k) {
    stack_.back().key = k;
    return true;
  }
  bool end_object() { return leave(false); }
  bool start_array(std::size_t) { return enter(true); }
  bool end_array() { return leave(true); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    // nlohmann's messages start with "[json.exception.parse_error.101] ".
    std::string message = e.what();
    const size_t bracket = message.find("] ");
    if (message.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) message = message.substr(bracket + 2);
    fail("malformed JSON: " + message);
  }

  [[noreturn]] void fail(const std::string& message) const { throw std::runtime_error(source_ + ": " + message); }

  /// "features[3][7]": the position of the value being read.
  std::string where() const {
    std::string out;
    for (const Frame& f : stack_) {
      if (f.array)
        out += "[" + std::to_string(f.index) + "]";
      else
        out += (out.empty() ? "" : ".") + f.key;
    }
    return out.empty() ? "the top level" : out;
  }

 protected:
  virtual void scalar(const Scalar& v) = 0;
  virtual void open(bool array) {}
  virtual void close(bool array) {}

  int depth() const { return static_cast<int>(stack_.size()); }
  /// The key being read in the object at `level` (0: the top-level object).
  const std::string& key_at(int level) const { return stack_[level].key; }
  /// The index of the element being read in the array at `level`.
  int64_t index_at(int level) const { return stack_[level].index; }

  int64_t integer(const Scalar& v) const {
    if (v.type != Scalar::Type::Int) fail(where() + ": expected an integer, got " + v.describe());
    return v.i;
  }
  int64_t non_negative(const Scalar& v) const {
    const int64_t i = integer(v);
    if (i < 0) fail(where() + ": expected a non-negative integer, got " + std::to_string(i));
    return i;
  }
  uint8_t flag(const Scalar& v) const {
    if ((v.type != Scalar::Type::Bool && v.type != Scalar::Type::Int) || v.i < 0 || v.i > 1)
      fail(where() + ": expected true/false or 0/1, got " + v.describe());
    return static_cast<uint8_t>(v.i);
  }
  double number(const Scalar& v) const {
    switch (v.type) {
      case Scalar::Type::Int:
        return static_cast<double>(v.i);
      case Scalar::Type::Unsigned:
        return static_cast<double>(v.u);
      case Scalar::Type::Float:
        return v.f;
      default:
        fail(where() + ": expected a number, got " + v.describe());
    }
  }

 private:
  struct Frame {
    bool array = false;
    std::string key;
    int64_t index = 0;
  };

  bool leaf(const Scalar& v) {
    if (stack_.empty()) fail("expected a JSON object at the top level, got " + v.describe());
    scalar(v);
    ++stack_.back().index;
    return true;
  }
  bool enter(bool array) {
    if (stack_.empty() && array) fail("expected a JSON object at the top level, got a list");
    open(array);
    stack_.push_back(Frame{array, "", 0});
    return true;
  }
  bool leave(bool array) {
    stack_.pop_back();
    close(array);
    if (!stack_.empty()) ++stack_.back().index;
    return true;
  }

  std::string source_;
  std::vector<Frame> stack_;
};

template <typename Reader>
void parse_text(Reader& reader, const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) reader.fail("empty file");
  json::sax_parse(text, &reader);
}

template <typename Reader>
void parse_file(Reader& reader, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) reader.fail("cannot open: " + util::errno_message());
  in >> std::ws;
  if (in.peek() == std::ifstream::traits_type::eof()) reader.fail("empty file");
  json::sax_parse(in, &reader);
}

// A list of lists streamed into a flat array: counts rows and checks that
// every row has the same length (unless ragged).
struct Rows {
  bool seen = false;
  int64_t rows = 0;
  int64_t width = -1;
  int64_t current = 0;
};

class WikiCsReader : public Walker {
 public:
  using Walker::Walker;

  WikiCs finish() {
    for (const char* k : {"features", "labels", "links", "train_masks", "val_masks", "stopping_masks", "test_mask"})
      if (!lists_[k].seen) fail(std::string("missing key '") + k + "'");
    const int64_t n = lists_["features"].rows;
    if (n == 0) fail("'features' is empty: the graph has no nodes");
    out_.num_nodes = n;
    out_.num_features = lists_["features"].width;
    auto check_size = [&](const char* key, int64_t size) {
      if (size != n)
        fail(std::string("'") + key + "' has " + std::to_string(size) + " entries for " + std::to_string(n) +
             " nodes (rows of 'features')");
    };
    check_size("labels", static_cast<int64_t>(out_.labels.size()));
    check_size("links", lists_["links"].rows);
    check_size("test_mask", static_cast<int64_t>(out_.test_mask.size()));
    out_.num_splits = lists_["train_masks"].rows;
    for (const char* k : {"train_masks", "val_masks", "stopping_masks"}) {
      const Rows& r = lists_[k];
      if (r.rows != out_.num_splits || r.rows == 0)
        fail(std::string("'") + k + "' holds " + std::to_string(r.rows) + " splits, 'train_masks' " +
             std::to_string(out_.num_splits) + " (expected the same, at least one)");
      check_size(k, r.width);
    }
    for (size_t e = 0; e < out_.links.size(); ++e)
      if (out_.links[e] >= n) {
        const int64_t node =
            std::upper_bound(out_.link_ptr.begin(), out_.link_ptr.end(), e) - out_.link_ptr.begin() - 1;
        fail("links[" + std::to_string(node) + "] names node " + std::to_string(out_.links[e]) + ", outside [0, " +
             std::to_string(n) + ")");
      }
    out_.link_ptr.push_back(static_cast<int64_t>(out_.links.size()));
    return std::move(out_);
  }

 protected:
  // Depth of the numbers under each key: 2 for a list, 3 for a list of lists.
  static int value_depth(const std::string& key) {
    if (key == "labels" || key == "test_mask") return 2;
    if (key == "features" || key == "links" || key == "train_masks" || key == "val_masks" || key == "stopping_masks")
      return 3;
    return 0;
  }

  void open(bool array) override {
    if (depth() == 0) return;
    const std::string& k = key_at(0);
    const int want = value_depth(k);
    if (want == 0) return;  // an ignored key
    if (!array || depth() >= want) fail(where() + ": expected " + (depth() >= want ? "a number" : "a list"));
    Rows& r = lists_[k];
    if (depth() == 1) {
      if (r.seen) fail("key '" + k + "' appears twice");
      r.seen = true;
    } else {
      r.current = 0;
      if (k == "links") out_.link_ptr.push_back(static_cast<int64_t>(out_.links.size()));
    }
  }

  void close(bool array) override {
    if (depth() != 2 || value_depth(key_at(0)) != 3) return;
    const std::string& k = key_at(0);
    Rows& r = lists_[k];
    if (k != "links" && r.width >= 0 && r.current != r.width)
      fail(k + "[" + std::to_string(r.rows) + "] has " + std::to_string(r.current) + " entries, " + k + "[0] " +
           std::to_string(r.width));
    if (r.width < 0) r.width = r.current;
    ++r.rows;
  }

  void scalar(const Scalar& v) override {
    const std::string& k = key_at(0);
    const int want = value_depth(k);
    if (want == 0) return;
    if (depth() != want) fail(where() + ": expected a list, got " + v.describe());
    ++lists_[k].current;
    if (k == "features") {
      out_.features.push_back(static_cast<float>(number(v)));
    } else if (k == "labels") {
      out_.labels.push_back(non_negative(v));
    } else if (k == "links") {
      out_.links.push_back(non_negative(v));
    } else if (k == "test_mask") {
      out_.test_mask.push_back(flag(v));
    } else {
      (k == "train_masks" ? out_.train_masks
       : k == "val_masks" ? out_.val_masks
                          : out_.stopping_masks)
          .push_back(flag(v));
    }
  }

 private:
  WikiCs out_;
  std::map<std::string, Rows> lists_;
};

int64_t node_id_of_key(const Walker& w, const std::string& key) {
  int64_t id = -1;
  const auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  if (ec != std::errc() || ptr != key.data() + key.size() || id < 0 || key.empty())
    w.fail("key '" + key.substr(0, 40) + "' is not a node id (a non-negative integer)");
  return id;
}

class ClassMapReader : public Walker {
 public:
  using Walker::Walker;

  ClassMap finish() {
    if (out_.nodes.empty()) fail("no entries: the class map is empty");
    return std::move(out_);
  }

 protected:
  void open(bool array) override {
    if (depth() == 0) return;
    if (depth() > 1 || !array) fail(where() + ": expected a class id or a list of 0/1 flags");
    entry(true);
    current_ = 0;
  }

  void close(bool array) override {
    if (depth() != 1) return;
    if (out_.nodes.size() == 1) out_.width = current_;
    if (current_ != out_.width || current_ == 0)
      fail(where() + ": has " + std::to_string(current_) + " flags, the first entry " + std::to_string(out_.width) +
           " (expected the same, at least one)");
  }

  void scalar(const Scalar& v) override {
    if (depth() == 1) {
      entry(false);
      out_.labels.push_back(non_negative(v));
    } else {
      out_.labels.push_back(flag(v));
      ++current_;
    }
  }

 private:
  void entry(bool multilabel) {
    if (!out_.nodes.empty() && multilabel != out_.multilabel)
      fail(where() + ": mixes single class ids and lists of flags");
    out_.multilabel = multilabel;
    out_.nodes.push_back(node_id_of_key(*this, key_at(0)));
  }

  ClassMap out_;
  int64_t current_ = 0;
};

class IntListsReader : public Walker {
 public:
  using Walker::Walker;
  std::map<std::string, std::vector<int64_t>> finish() { return std::move(out_); }

 protected:
  void open(bool array) override {
    if (depth() == 0) return;
    if (depth() > 1 || !array) fail(where() + ": expected a list of integers");
    if (!out_.emplace(key_at(0), std::vector<int64_t>{}).second) fail("key '" + key_at(0) + "' appears twice");
  }
  void scalar(const Scalar& v) override {
    if (depth() != 2) fail(where() + ": expected a list of integers, got " + v.describe());
    out_[key_at(0)].push_back(integer(v));
  }

 private:
  std::map<std::string, std::vector<int64_t>> out_;
};

class NodeLinkReader : public Walker {
 public:
  using Walker::Walker;

  NodeLink finish() {
    if (!seen_nodes_) fail("missing key 'nodes'");
    if (!seen_links_) fail("missing key 'links'");
    return std::move(out_);
  }

 protected:
  // 0: not part of the graph's structure; 1: "nodes"; 2: "links".
  int section() const {
    const std::string& k = key_at(0);
    return k == "nodes" ? 1 : (k == "links" || k == "edges") ? 2 : 0;
  }

  void open(bool array) override {
    if (depth() == 0 || section() == 0) return;
    if (depth() == 1) {
      if (!array) fail(where() + ": expected a list");
      bool& seen = section() == 1 ? seen_nodes_ : seen_links_;
      if (seen) fail("the " + std::string(section() == 1 ? "node" : "link") + " list appears twice");
      seen = true;
    } else if (depth() == 2) {
      if (array) fail(where() + ": expected an object");
      has_id_ = has_source_ = has_target_ = false;
    }
  }

  void close(bool array) override {
    if (depth() != 2 || section() == 0) return;
    if (section() == 1 && !has_id_) fail(where() + ": the node has no 'id'");
    if (section() == 2 && !(has_source_ && has_target_)) fail(where() + ": the link lacks 'source' or 'target'");
  }

  void scalar(const Scalar& v) override {
    if (depth() == 1 && key_at(0) == "directed") {
      if (v.type != Scalar::Type::Bool) fail(where() + ": expected true or false, got " + v.describe());
      out_.directed = v.i != 0;
      return;
    }
    if (section() == 0 || depth() != 3) {
      if (section() != 0 && depth() < 3) fail(where() + ": expected " + (depth() == 1 ? "a list" : "an object"));
      return;
    }
    const std::string& k = key_at(2);
    if (section() == 1 && k == "id") {
      out_.nodes.push_back(non_negative(v));
      has_id_ = true;
    } else if (section() == 2 && (k == "source" || k == "target")) {
      (k == "source" ? out_.source : out_.target).push_back(non_negative(v));
      (k == "source" ? has_source_ : has_target_) = true;
    }
  }

 private:
  NodeLink out_;
  bool seen_nodes_ = false, seen_links_ = false;
  bool has_id_ = false, has_source_ = false, has_target_ = false;
};

template <typename Reader>
auto read_with(const std::string& path) {
  Reader reader(path);
  parse_file(reader, path);
  return reader.finish();
}

template <typename Reader>
auto parse_with(const std::string& text, const std::string& source) {
  Reader reader(source);
  parse_text(reader, text);
  return reader.finish();
}

}  // namespace

WikiCs read_wikics(const std::string& path) { return read_with<WikiCsReader>(path); }
WikiCs parse_wikics(const std::string& text, const std::string& source) {
  return parse_with<WikiCsReader>(text, source);
}
ClassMap read_class_map(const std::string& path) { return read_with<ClassMapReader>(path); }
ClassMap parse_class_map(const std::string& text, const std::string& source) {
  return parse_with<ClassMapReader>(text, source);
}
std::map<std::string, std::vector<int64_t>> read_int_lists(const std::string& path) {
  return read_with<IntListsReader>(path);
}
std::map<std::string, std::vector<int64_t>> parse_int_lists(const std::string& text, const std::string& source) {
  return parse_with<IntListsReader>(text, source);
}
NodeLink read_node_link(const std::string& path) { return read_with<NodeLinkReader>(path); }
NodeLink parse_node_link(const std::string& text, const std::string& source) {
  return parse_with<NodeLinkReader>(text, source);
}

}  // namespace json_graph
}  // namespace gas
