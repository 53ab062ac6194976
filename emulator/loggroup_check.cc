#include "emulator/loggroup_check.h"

namespace slsflow::emulator {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : p_(reinterpret_cast<const uint8_t*>(s.data())), end_(p_ + s.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* v) {
    uint64_t out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      uint8_t b = *p_++;
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = out;
        return true;
      }
    }
    return false;  // more than 10 bytes
  }
  bool Bytes(std::string_view* out) {
    uint64_t n = 0;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return true;
  }
  bool Skip(size_t n) {
    if (n > static_cast<size_t>(end_ - p_)) return false;
    p_ += n;
    return true;
  }
  // Skips an unknown field of `wire` type, as protobuf does; a stray end
  // group and wire types 6 and 7 are malformed.
  bool SkipField(uint32_t field, uint32_t wire, int depth = 0) {
    uint64_t v = 0;
    std::string_view b;
    switch (wire) {
      case 0: return Varint(&v);
      case 1: return Skip(8);
      case 2: return Bytes(&b);
      case 3: return SkipGroup(field, depth + 1);
      case 5: return Skip(4);
      default: return false;
    }
  }
  // The deprecated group encoding: fields up to the matching end tag.
  bool SkipGroup(uint32_t group_field, int depth) {
    if (depth > 100) return false;  // protobuf's recursion limit
    for (;;) {
      uint32_t field = 0, wire = 0;
      if (!Tag(&field, &wire)) return false;
      if (wire == 4) return field == group_field;
      if (!SkipField(field, wire, depth)) return false;
    }
  }
  // Next tag; false at a malformed tag. Field number 0 is malformed.
  bool Tag(uint32_t* field, uint32_t* wire) {
    uint64_t t = 0;
    if (!Varint(&t) || t > 0xffffffffu || (t >> 3) == 0) return false;
    *field = static_cast<uint32_t>(t >> 3);
    *wire = static_cast<uint32_t>(t & 7);
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// LogContent and LogTag: required bytes Key = 1, Value = 2.
bool CheckPair(std::string_view s) {
  Reader r(s);
  bool key = false, value = false;
  while (!r.done()) {
    uint32_t field = 0, wire = 0;
    if (!r.Tag(&field, &wire)) return false;
    if ((field == 1 || field == 2) && wire == 2) {
      std::string_view b;
      if (!r.Bytes(&b)) return false;
      (field == 1 ? key : value) = true;
    } else if (!r.SkipField(field, wire)) {
      return false;
    }
  }
  return key && value;
}

bool CheckLog(std::string_view s) {
  Reader r(s);
  bool time = false;
  while (!r.done()) {
    uint32_t field = 0, wire = 0;
    if (!r.Tag(&field, &wire)) return false;
    if (field == 1 && wire == 0) {
      uint64_t v = 0;
      if (!r.Varint(&v)) return false;
      time = true;
    } else if (field == 2 && wire == 2) {
      std::string_view b;
      if (!r.Bytes(&b) || !CheckPair(b)) return false;
    } else if (!r.SkipField(field, wire)) {
      return false;
    }
  }
  return time;
}

}  // namespace

bool CheckLogGroup(std::string_view raw, uint32_t* log_count) {
  Reader r(raw);
  uint32_t logs = 0;
  while (!r.done()) {
    uint32_t field = 0, wire = 0;
    if (!r.Tag(&field, &wire)) return false;
    if ((field == 1 || field == 6) && wire == 2) {
      std::string_view b;
      if (!r.Bytes(&b)) return false;
      if (field == 1) {
        if (!CheckLog(b)) return false;
        ++logs;
      } else if (!CheckPair(b)) {
        return false;
      }
    } else if (!r.SkipField(field, wire)) {
      return false;
    }
  }
  *log_count = logs;
  return true;
}

}  // namespace slsflow::emulator
