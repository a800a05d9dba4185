#include "datasets/pickle.h"

#include "datasets/npy.h"
#include "util/system.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace gas {
namespace pickle {
namespace {

using Kind = Value::Kind;

ValuePtr make(Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

ValuePtr make_int(int64_t i) {
  auto v = make(Kind::Int);
  v->i = i;
  return v;
}

ValuePtr make_bytes(std::string s) {
  auto v = make(Kind::Bytes);
  v->bytes = std::move(s);
  return v;
}

// Classes a dataset pickle may reference. Anything else is refused, so the
// reader never has to guess what an unknown object means.
const std::set<std::string>& allowed_globals() {
  static const std::set<std::string> names = {
      "numpy.core.multiarray._reconstruct",
      "numpy._core.multiarray._reconstruct",
      "numpy.ndarray",
      "numpy.dtype",
      "scipy.sparse.csr.csr_matrix",
      "scipy.sparse._csr.csr_matrix",
      "collections.defaultdict",
      "collections.OrderedDict",
      "__builtin__.list",
      "builtins.list",
      "__builtin__.object",
      "builtins.object",
      "copy_reg._reconstructor",
      "copyreg._reconstructor",
  };
  return names;
}

bool is_reconstruct(const std::string& name) {
  return name == "numpy.core.multiarray._reconstruct" || name == "numpy._core.multiarray._reconstruct";
}

class Machine {
 public:
  Machine(const std::string& data, const std::string& source) : data_(data), source_(source) {}

  ValuePtr run() {
    for (;;) {
      const size_t at = pos_;
      const uint8_t op = byte();
      switch (op) {
        case 0x80:
          byte();
          break;  // PROTO
        case 0x95:
          take(8);
          break;   // FRAME
        case '.':  // STOP
          if (stack_.size() != 1)
            fail(at, "pickle ends with " + std::to_string(stack_.size()) + " values on the stack");
          return stack_.back();
        case '(':
          marks_.push_back(stack_.size());
          break;
        case '0':
          pop(at);
          break;
        case '1':
          pop_mark(at);
          break;
        case '2':
          push(top(at));
          break;
        case 'N':
          push(make(Kind::None));
          break;
        case 0x88:
        case 0x89: {
          auto v = make(Kind::Bool);
          v->i = op == 0x88;
          push(v);
          break;
        }
        case 'I': {  // INT, text; "01"/"00" are True/False in protocol 0
          const std::string line = read_line();
          if (line == "01" || line == "00") {
            auto v = make(Kind::Bool);
            v->i = line == "01";
            push(v);
          } else {
            push(make_int(parse_int(line, at)));
          }
          break;
        }
        case 'L': {
          std::string line = read_line();
          if (!line.empty() && line.back() == 'L') line.pop_back();
          push(make_int(parse_int(line, at)));
          break;
        }
        case 'J':
          push(make_int(static_cast<int32_t>(le(4))));
          break;
        case 'K':
          push(make_int(static_cast<int64_t>(le(1))));
          break;
        case 'M':
          push(make_int(static_cast<int64_t>(le(2))));
          break;
        case 0x8a:
        case 0x8b: {  // LONG1, LONG4: little-endian two's complement
          const uint64_t n = le(op == 0x8a ? 1 : 4);
          if (n > 8) fail(at, "integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
          const std::string b = take(n);
          uint64_t u = 0;
          for (size_t k = 0; k < n; ++k) u |= static_cast<uint64_t>(static_cast<uint8_t>(b[k])) << (8 * k);
          if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);
          push(make_int(static_cast<int64_t>(u)));
          break;
        }
        case 'G': {  // BINFLOAT, big-endian
          const std::string b = take(8);
          uint64_t u = 0;
          for (int k = 0; k < 8; ++k) u = (u << 8) | static_cast<uint8_t>(b[k]);
          auto v = make(Kind::Float);
          std::memcpy(&v->f, &u, 8);
          push(v);
          break;
        }
        case 'F': {
          auto v = make(Kind::Float);
          const std::string line = read_line();
          try {
            v->f = std::stod(line);
          } catch (const std::exception&) {
            fail(at, "malformed float '" + line + "'");
          }
          push(v);
          break;
        }
        case 'T':
        case 'X':
        case 'B':
          push(make_bytes(take(le(4))));
          break;
        case 'U':
        case 0x8c:
        case 'C':
          push(make_bytes(take(le(1))));
          break;
        case 0x8d:
        case 0x8e:
          push(make_bytes(take(le(8))));
          break;
        case ')':
          push(make(Kind::Tuple));
          break;
        case 't':
          push(sequence(Kind::Tuple, pop_mark(at)));
          break;
        case 0x85:
        case 0x86:
        case 0x87: {
          const size_t n = op - 0x84;
          if (stack_.size() < n + base()) fail(at, "tuple of " + std::to_string(n) + " needs more values");
          std::vector<ValuePtr> items(stack_.end() - n, stack_.end());
          stack_.resize(stack_.size() - n);
          push(sequence(Kind::Tuple, std::move(items)));
          break;
        }
        case ']':
          push(make(Kind::List));
          break;
        case 'l':
          push(sequence(Kind::List, pop_mark(at)));
          break;
        case 'a': {
          ValuePtr item = pop(at);
          list_of(top(at), at)->items.push_back(item);
          break;
        }
        case 'e': {
          std::vector<ValuePtr> items = pop_mark(at);
          ValuePtr list = list_of(top(at), at);
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        case '}':
          push(make(Kind::Dict));
          break;
        case 'd': {
          auto dict = make(Kind::Dict);
          add_pairs(dict, pop_mark(at), at);
          push(dict);
          break;
        }
        case 's': {
          ValuePtr value = pop(at);
          ValuePtr key = pop(at);
          add_pairs(dict_of(top(at), at), {key, value}, at);
          break;
        }
        case 'u': {
          std::vector<ValuePtr> items = pop_mark(at);
          add_pairs(dict_of(top(at), at), items, at);
          break;
        }
        case 'c': {
          const std::string module = read_line();
          const std::string name = read_line();
          push(global(module + "." + name, at));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          ValuePtr name = pop(at);
          ValuePtr module = pop(at);
          if (name->kind != Kind::Bytes || module->kind != Kind::Bytes) fail(at, "STACK_GLOBAL needs two strings");
          push(global(module->bytes + "." + name->bytes, at));
          break;
        }
        case 'R': {
          ValuePtr args = pop(at);
          ValuePtr callable = pop(at);
          push(call(callable, args, at));
          break;
        }
        case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
          ValuePtr args = pop(at);
          ValuePtr cls = pop(at);
          if (cls->kind != Kind::Global) fail(at, "NEWOBJ on a non-class");
          auto obj = make(Kind::Object);
          obj->bytes = cls->bytes;
          obj->args = args;
          push(obj);
          break;
        }
        case 'b': {
          ValuePtr state = pop(at);
          ValuePtr obj = top(at);
          if (obj->kind == Kind::Object) {
            obj->state = state;
          } else if (obj->kind == Kind::Dict && state->kind == Kind::Dict) {
            // A copy first: the state may be the dict itself (DUP, BUILD),
            // and inserting a vector's range into itself reads freed memory.
            // The only op that copies entries: a dict built into itself
            // doubles with each byte (a 207-byte input asked for 512 MB), so
            // the entries copied, like those a pickle spells out, are at
            // most its bytes.
            copied_ += state->entries.size();
            if (copied_ > data_.size())
              fail(at, "BUILD copies " + std::to_string(copied_) + " dict entries in all, more than the pickle's " +
                           std::to_string(data_.size()) + " bytes could hold");
            const auto entries = state->entries;
            obj->entries.insert(obj->entries.end(), entries.begin(), entries.end());
          } else {
            fail(at, "BUILD on a value that takes no state");
          }
          break;
        }
        case 'p':
          memo_[parse_int(read_line(), at)] = top(at);
          break;
        case 'q':
          memo_[le(1)] = top(at);
          break;
        case 'r':
          memo_[le(4)] = top(at);
          break;
        case 0x94:
          memo_[static_cast<int64_t>(memo_.size())] = top(at);
          break;
        case 'g':
          push(get(parse_int(read_line(), at), at));
          break;
        case 'h':
          push(get(le(1), at));
          break;
        case 'j':
          push(get(le(4), at));
          break;
        default: {
          std::ostringstream msg;
          msg << "unsupported pickle opcode 0x" << std::hex << static_cast<int>(op);
          fail(at, msg.str());
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& message) const {
    throw std::runtime_error(source_ + ": corrupt or unsupported pickle at byte " + std::to_string(at) + ": " +
                             message);
  }

  uint8_t byte() {
    if (pos_ >= data_.size()) fail(pos_, "unexpected end of file (truncated?)");
    return static_cast<uint8_t>(data_[pos_++]);
  }

  std::string take(uint64_t n) {
    if (n > data_.size() - pos_)
      fail(pos_, "a field of " + std::to_string(n) + " bytes runs past the end of the file (truncated?)");
    std::string out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  uint64_t le(int n) {
    const std::string b = take(n);
    uint64_t u = 0;
    for (int k = n - 1; k >= 0; --k) u = (u << 8) | static_cast<uint8_t>(b[k]);
    return u;
  }

  std::string read_line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string::npos) fail(pos_, "unterminated text field (truncated?)");
    std::string line = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }

  int64_t parse_int(const std::string& text, size_t at) const {
    try {
      size_t used = 0;
      const int64_t v = std::stoll(text, &used);
      if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    fail(at, "malformed integer '" + text + "'");
  }

  size_t base() const { return marks_.empty() ? 0 : marks_.back(); }

  void push(ValuePtr v) {
    arena_.push_back(v);
    stack_.push_back(std::move(v));
  }

  ValuePtr pop(size_t at) {
    if (stack_.size() <= base()) fail(at, "stack underflow");
    ValuePtr v = stack_.back();
    stack_.pop_back();
    return v;
  }

  const ValuePtr& top(size_t at) const {
    if (stack_.size() <= base()) fail(at, "stack underflow");
    return stack_.back();
  }

  std::vector<ValuePtr> pop_mark(size_t at) {
    if (marks_.empty()) fail(at, "no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return items;
  }

  static ValuePtr sequence(Kind kind, std::vector<ValuePtr> items) {
    auto v = make(kind);
    v->items = std::move(items);
    return v;
  }

  ValuePtr list_of(const ValuePtr& v, size_t at) const {
    if (v->kind != Kind::List) fail(at, "append to a non-list");
    return v;
  }

  ValuePtr dict_of(const ValuePtr& v, size_t at) const {
    if (v->kind != Kind::Dict) fail(at, "setitem on a non-dict");
    return v;
  }

  void add_pairs(const ValuePtr& dict, const std::vector<ValuePtr>& items, size_t at) const {
    if (items.size() % 2 != 0) fail(at, "odd number of values for dict items");
    for (size_t k = 0; k < items.size(); k += 2) dict->entries.emplace_back(items[k], items[k + 1]);
  }

  ValuePtr global(const std::string& name, size_t at) const {
    if (!allowed_globals().count(name)) fail(at, "refusing to load Python object '" + name + "'");
    auto v = make(Kind::Global);
    v->bytes = name;
    return v;
  }

  ValuePtr get(uint64_t index, size_t at) const {
    const auto it = memo_.find(static_cast<int64_t>(index));
    if (it == memo_.end()) fail(at, "reference to unknown memo entry " + std::to_string(index));
    return it->second;
  }

  ValuePtr call(const ValuePtr& callable, const ValuePtr& args, size_t at) const {
    if (callable->kind != Kind::Global) fail(at, "REDUCE on a non-callable");
    if (args->kind != Kind::Tuple) fail(at, "REDUCE arguments are not a tuple");
    const std::string& name = callable->bytes;
    if (name == "collections.defaultdict" || name == "collections.OrderedDict") return make(Kind::Dict);
    auto obj = make(Kind::Object);
    obj->args = args;
    if (is_reconstruct(name)) {
      obj->bytes = "numpy.ndarray";
    } else if (name == "copy_reg._reconstructor" || name == "copyreg._reconstructor") {
      if (args->items.empty() || args->items[0]->kind != Kind::Global) fail(at, "malformed _reconstructor call");
      obj->bytes = args->items[0]->bytes;
    } else {
      obj->bytes = name;
    }
    return obj;
  }

  const std::string& data_;
  const std::string& source_;
  size_t pos_ = 0;
  size_t copied_ = 0;  // dict entries copied by BUILD
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<int64_t, ValuePtr> memo_;
  std::vector<ValuePtr> arena_;  // every value pushed; see dismantle()

 public:
  // A pickle can build cyclic values (a list appended to itself through the
  // memo), which shared_ptr would leak, and arbitrarily deep ones (nested
  // tuples, one opcode per level), whose recursive destruction would
  // overflow the stack. Every value passes through push(), so emptying them
  // all while the arena holds them makes their destruction flat. `keep`
  // (the result, checked acyclic and shallow) is spared.
  void dismantle(const std::unordered_set<const Value*>& keep = {}) {
    for (const ValuePtr& v : arena_) {
      if (keep.count(v.get())) continue;
      v->items.clear();
      v->entries.clear();
      v->args.reset();
      v->state.reset();
    }
    arena_.clear();
  }
};

template <typename F>
void for_each_child(const Value& v, F&& f) {
  for (const ValuePtr& item : v.items) f(item);
  for (const auto& [key, value] : v.entries) {
    f(key);
    f(value);
  }
  if (v.args) f(v.args);
  if (v.state) f(v.state);
}

// Values reachable from `root`; throws when they form a cycle or nest
// deeper than any dataset pickle does.
std::unordered_set<const Value*> reachable_tree(const ValuePtr& root, const std::string& source) {
  constexpr size_t kMaxDepth = 1000;
  std::unordered_set<const Value*> done, open;
  std::vector<std::pair<const Value*, std::vector<const Value*>>> path;  // node, children left to visit
  auto enter = [&](const Value* v) {
    if (open.count(v)) throw std::runtime_error(source + ": recursive (self-referencing) values are not supported");
    if (done.count(v)) return;
    if (path.size() >= kMaxDepth)
      throw std::runtime_error(source + ": values nested deeper than " + std::to_string(kMaxDepth) + " levels");
    std::vector<const Value*> children;
    for_each_child(*v, [&](const ValuePtr& c) { children.push_back(c.get()); });
    open.insert(v);
    path.emplace_back(v, std::move(children));
  };
  enter(root.get());
  while (!path.empty()) {
    auto& [node, children] = path.back();
    if (children.empty()) {
      open.erase(node);
      done.insert(node);
      path.pop_back();
      continue;
    }
    const Value* next = children.back();
    children.pop_back();
    enter(next);
  }
  return done;
}

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": " + what);
}

const ValuePtr& item(const ValuePtr& tuple, size_t k, const std::string& source, const char* what) {
  if (tuple->kind != Kind::Tuple || tuple->items.size() <= k) bad(source, std::string("malformed ") + what);
  return tuple->items[k];
}

int64_t int_of(const ValuePtr& v, const std::string& source, const char* what) {
  if (v->kind != Kind::Int && v->kind != Kind::Bool) bad(source, std::string("expected an integer for ") + what);
  return v->i;
}

const ValuePtr* dict_get(const ValuePtr& dict, const std::string& key) {
  for (const auto& [k, v] : dict->entries)
    if (k->kind == Kind::Bytes && k->bytes == key) return &v;
  return nullptr;
}

}  // namespace

ValuePtr load(const std::string& data, const std::string& source) {
  if (data.empty()) bad(source, "empty file");
  Machine machine(data, source);
  try {
    ValuePtr result = machine.run();
    machine.dismantle(reachable_tree(result, source));
    return result;
  } catch (...) {
    machine.dismantle();
    throw;
  }
}

ValuePtr load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path + "': " + util::errno_message());
  std::ostringstream buf;
  buf << in.rdbuf();
  return load(buf.str(), path);
}

int64_t NdArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {

template <typename T>
T read_raw(const std::string& data, int64_t i) {
  T v;
  std::memcpy(&v, data.data() + i * sizeof(T), sizeof(T));
  return v;
}

// Every element of `a` read as In and cast to Out.
template <typename Out, typename In>
std::vector<Out> cast_all(const NdArray& a) {
  std::vector<Out> out(a.numel());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<Out>(read_raw<In>(a.data, static_cast<int64_t>(i)));
  return out;
}

// The elements as Out, from any dtype as_ndarray accepts.
template <typename Out>
std::vector<Out> convert(const NdArray& a) {
  const bool is_unsigned = a.kind == 'u' || a.kind == 'b';
  if (a.kind == 'f') return a.itemsize == 4 ? cast_all<Out, float>(a) : cast_all<Out, double>(a);
  switch (a.itemsize) {
    case 1:
      return is_unsigned ? cast_all<Out, uint8_t>(a) : cast_all<Out, int8_t>(a);
    case 2:
      return is_unsigned ? cast_all<Out, uint16_t>(a) : cast_all<Out, int16_t>(a);
    case 4:
      return is_unsigned ? cast_all<Out, uint32_t>(a) : cast_all<Out, int32_t>(a);
    default:
      return is_unsigned ? cast_all<Out, uint64_t>(a) : cast_all<Out, int64_t>(a);
  }
}

}  // namespace

std::vector<double> NdArray::as_double() const { return convert<double>(*this); }

std::vector<int64_t> NdArray::as_int64() const {
  if (kind == 'f') throw std::runtime_error("expected an integer array, got floating point");
  return convert<int64_t>(*this);
}

NdArray as_ndarray(const ValuePtr& v, const std::string& source) {
  if (v->kind != Kind::Object || v->bytes != "numpy.ndarray" || !v->state) bad(source, "expected a numpy array");
  const ValuePtr& state = v->state;
  // (version, shape, dtype, is_fortran, raw bytes)
  const ValuePtr& shape = item(state, 1, source, "numpy array state");
  const ValuePtr& dtype = item(state, 2, source, "numpy array state");
  const bool fortran = int_of(item(state, 3, source, "numpy array state"), source, "fortran flag") != 0;
  const ValuePtr& raw = item(state, 4, source, "numpy array state");
  if (shape->kind != Kind::Tuple) bad(source, "malformed numpy array shape");
  if (dtype->kind != Kind::Object || dtype->bytes != "numpy.dtype" || !dtype->args)
    bad(source, "malformed numpy dtype");
  const ValuePtr& code = item(dtype->args, 0, source, "numpy dtype");
  if (code->kind != Kind::Bytes || code->bytes.size() < 2) bad(source, "malformed numpy dtype code");
  if (raw->kind != Kind::Bytes) bad(source, "numpy array of Python objects is not supported");

  NdArray a;
  a.kind = code->bytes[0];
  try {
    a.itemsize = std::stoi(code->bytes.substr(1));
  } catch (const std::exception&) {
    bad(source, "unsupported numpy dtype '" + code->bytes + "'");
  }
  // Half precision is not among the conversions below.
  if (!npy::supported(a.kind, a.itemsize) || (a.kind == 'f' && a.itemsize == 2))
    bad(source, "unsupported numpy dtype '" + code->bytes + "'");
  for (const ValuePtr& d : shape->items) {
    const int64_t n = int_of(d, source, "array shape");
    if (n < 0) bad(source, "negative array dimension");
    a.shape.push_back(n);
  }
  // Reject sizes whose product would overflow before comparing with the data.
  int64_t numel = 1;
  for (int64_t d : a.shape) {
    if (d != 0 && numel > (int64_t{1} << 48) / d) bad(source, "array shape too large");
    numel *= d;
  }
  if (static_cast<int64_t>(raw->bytes.size()) != numel * a.itemsize)
    bad(source, "numpy array data holds " + std::to_string(raw->bytes.size()) + " bytes, shape and dtype need " +
                    std::to_string(numel * a.itemsize) + " (truncated or corrupt)");
  a.data = raw->bytes;
  if (dtype->state && dtype->state->kind == Kind::Tuple && dtype->state->items.size() > 1) {
    const ValuePtr& order = dtype->state->items[1];
    if (order->kind == Kind::Bytes && order->bytes == ">" && a.itemsize > 1)
      for (int64_t i = 0; i < numel; ++i)
        std::reverse(a.data.begin() + i * a.itemsize, a.data.begin() + (i + 1) * a.itemsize);
  }
  if (fortran && a.shape.size() == 2) {
    const int64_t r = a.shape[0], c = a.shape[1], s = a.itemsize;
    std::string c_order(a.data.size(), '\0');
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) std::memcpy(&c_order[(i * c + j) * s], &a.data[(j * r + i) * s], s);
    a.data = std::move(c_order);
  } else if (fortran && a.shape.size() > 2) {
    bad(source, "Fortran-ordered arrays of more than 2 dimensions are not supported");
  }
  return a;
}

CsrMatrix as_csr_matrix(const ValuePtr& v, const std::string& source) {
  if (v->kind != Kind::Object || v->bytes.find("csr_matrix") == std::string::npos || !v->state ||
      v->state->kind != Kind::Dict)
    bad(source, "expected a scipy.sparse CSR matrix");
  const ValuePtr* shape = dict_get(v->state, "_shape");
  const ValuePtr* indptr = dict_get(v->state, "indptr");
  const ValuePtr* indices = dict_get(v->state, "indices");
  const ValuePtr* data = dict_get(v->state, "data");
  if (!shape || !indptr || !indices || !data) bad(source, "CSR matrix lacks _shape, indptr, indices or data");
  CsrMatrix m;
  m.rows = int_of(item(*shape, 0, source, "CSR shape"), source, "CSR rows");
  m.cols = int_of(item(*shape, 1, source, "CSR shape"), source, "CSR columns");
  m.indptr = as_ndarray(*indptr, source);
  m.indices = as_ndarray(*indices, source);
  m.data = as_ndarray(*data, source);
  if (m.rows < 0 || m.cols < 0) bad(source, "negative CSR shape");
  if (m.indptr.shape.size() != 1 || m.indptr.numel() != m.rows + 1)
    bad(source,
        "CSR indptr has " + std::to_string(m.indptr.numel()) + " entries for " + std::to_string(m.rows) + " rows");
  if (m.indices.numel() != m.data.numel()) bad(source, "CSR indices and data differ in length");
  return m;
}

std::map<int64_t, std::vector<int64_t>> as_int_list_dict(const ValuePtr& v, const std::string& source) {
  if (v->kind != Kind::Dict) bad(source, "expected a dict of adjacency lists");
  std::map<int64_t, std::vector<int64_t>> out;
  for (const auto& [key, value] : v->entries) {
    const int64_t k = int_of(key, source, "adjacency key");
    if (value->kind != Kind::List && value->kind != Kind::Tuple)
      bad(source, "adjacency list of node " + std::to_string(k) + " is not a list");
    std::vector<int64_t>& list = out[k];
    for (const ValuePtr& n : value->items) list.push_back(int_of(n, source, "neighbour id"));
  }
  return out;
}

}  // namespace pickle
}  // namespace gas
