// A flat-object JSON reader that parses in place: a string without escapes
// is a view into the line, one with escapes is decoded into the arena, and
// any other value is kept as its JSON text. nlohmann::json would allocate
// a tree per line, which costs more than the rest of the pipeline.
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/produce/jsonl_plain.h"
#include "core/produce/parser.h"
#include "core/sls/crypto.h"

namespace slsflow {

namespace {

class JsonlParser : public Parser {
 public:
  explicit JsonlParser(bool plain_fast_path) : plain_fast_path_(plain_fast_path) {}

  ParseOutcome Parse(std::string_view line, ParsedLog* out, std::string* error) override {
    if (plain_fast_path_ && ParsePlainJsonObject(line, out, &quotes_)) return ParseOutcome::kLog;
    return ParseGeneral(line, out, error);
  }

  ParseOutcome ParseFirstLine(std::string_view rest, size_t* line_len, ParsedLog* out, std::string* error) override {
    if (plain_fast_path_ && ParsePlainJsonLine(rest, line_len, out, &quotes_)) return ParseOutcome::kLog;
    *line_len = LineLength(rest);
    return ParseGeneral(rest.substr(0, *line_len), out, error);
  }

 private:
  ParseOutcome ParseGeneral(std::string_view line, ParsedLog* out, std::string* error) {
    p_ = start_ = line.data();
    end_ = line.data() + line.size();
    out_ = out;
    error_ = error;
    SkipWs();
    if (p_ == end_) return ParseOutcome::kSkip;
    out->arena.reserve(line.size() + 16);
    if (*p_ != '{') return Fail("expected a JSON object");
    ++p_;
    SkipWs();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        SkipWs();
        std::string_view key, value;
        if (p_ >= end_ || *p_ != '"') return Fail("expected a string key");
        if (!ReadString(&key)) return ParseOutcome::kInvalid;
        SkipWs();
        if (p_ >= end_ || *p_ != ':') return Fail("expected ':' after a key");
        ++p_;
        SkipWs();
        if (p_ < end_ && *p_ == '"' ? !ReadString(&value) : !ReadValue(&value)) return ParseOutcome::kInvalid;
        Status st = out->AddField(key, value);
        if (!st.ok()) return Fail(st.message());
        SkipWs();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        if (p_ < end_ && *p_ == '}') {
          ++p_;
          break;
        }
        return Fail("expected ',' or '}'");
      }
    }
    SkipWs();
    if (p_ != end_) return Fail("text after the JSON object");
    // An object without content keys is valid JSON but not a log SLS
    // stores: the limits check refuses it, so it is dead-lettered like any
    // other log SLS would refuse, instead of stopping the input.
    return ParseOutcome::kLog;
  }

  ParseOutcome Fail(const std::string& why) {
    *error_ = "invalid JSON at column " + std::to_string(Column()) + ": " + why;
    return ParseOutcome::kInvalid;
  }
  bool FailB(const std::string& why) {
    Fail(why);
    return false;
  }
  size_t Column() const { return static_cast<size_t>(p_ - start_) + 1; }

  void SkipWs() {
    // Most often there is none, or one space after ':' and ','.
    if (p_<end_&& static_cast<unsigned char>(*p_)> ' ') [[likely]]
      return;
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Read4Hex(uint32_t* cp) {
    if (end_ - p_ < 4) return FailB("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int d = HexDigit(p_[i]);
      if (d < 0) return FailB("bad \\u escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    p_ += 4;
    *cp = v;
    return true;
  }

  static void AppendUtf8(std::string* s, uint32_t cp) {
    if (cp < 0x80) {
      s->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      s->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      s->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // Skips bytes that need no attention in a string: not '"', '\\' or a
  // control character; 16 at a time, since strings are most of a line. Notes
  // any byte >= 0x80 in high_, so that only non-ASCII strings pay for UTF-8
  // validation (bytes outside strings must be ASCII JSON syntax anyway).
  // p and the high flag live in locals: as members they were stored and
  // reloaded every round, a dependency chain that cost more than the SIMD.
  void SkipPlain() {
    const char* p = p_;
    const char* const end = end_;
    bool high = false;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                  _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));  // unsigned v <= 0x1f
      unsigned highs = static_cast<unsigned>(_mm_movemask_epi8(v));
      unsigned m = static_cast<unsigned>(_mm_movemask_epi8(stop));
      if (m) {
        // Only the bytes before the stop belong to this run.
        int at = __builtin_ctz(m);
        high_ |= high | ((highs & ((1u << at) - 1)) != 0);
        p_ = p + at;
        return;
      }
      high |= highs != 0;
      p += 16;
    }
#endif
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      uint64_t q = w ^ (kOnes * '"'), s = w ^ (kOnes * '\\');
      // A zero byte in q/s, or a byte < 0x20 in w, sets its high bit here.
      uint64_t hit = ((q - kOnes) & ~q) | ((s - kOnes) & ~s) | ((w - kOnes * 0x20) & ~w);
      if (hit & kHigh) break;
      high |= (w & kHigh) != 0;
      p += 8;
    }
    high_ |= high;
    p_ = p;
  }

  // At the opening quote. Views into the line when there is nothing to
  // unescape, which is the common case: that path is inlined, since a
  // line's cost is mostly per string, not per byte.
  __attribute__((always_inline)) bool ReadString(std::string_view* out) {
    ++p_;
    const char* start = p_;
    high_ = false;
    SkipPlain();
    if (p_ < end_ && *p_ == '"') [[likely]] {
      *out = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return !high_ || Utf8Ok(start);
    }
    return ReadStringRest(start, out);
  }

  // ReadString past SkipPlain: a tail too short for the wide loops, escapes,
  // or an error.
  __attribute__((noinline)) bool ReadStringRest(const char* start, std::string_view* out) {
    while (p_ < end_) {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return Utf8Ok(start);
      }
      if (c == '\\') break;
      if (c < 0x20) return FailB("control character inside a string");
      high_ |= c >= 0x80;
      ++p_;
    }
    if (p_ >= end_) return FailB("unterminated string");
    std::string& arena = out_->arena;
    size_t at = arena.size();
    arena.append(start, static_cast<size_t>(p_ - start));
    while (p_ < end_) {
      char c = *p_;
      if (c == '"') {
        ++p_;
        *out = std::string_view(arena.data() + at, arena.size() - at);
        return Utf8Ok(start);
      }
      if (static_cast<unsigned char>(c) < 0x20) return FailB("control character inside a string");
      if (c != '\\') {
        const char* run = p_;
        SkipPlain();
        while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) {
          high_ |= static_cast<unsigned char>(*p_) >= 0x80;
          ++p_;
        }
        arena.append(run, static_cast<size_t>(p_ - run));
        continue;
      }
      if (++p_ >= end_) break;
      char e = *p_++;
      switch (e) {
        case '"':
          arena.push_back('"');
          break;
        case '\\':
          arena.push_back('\\');
          break;
        case '/':
          arena.push_back('/');
          break;
        case 'b':
          arena.push_back('\b');
          break;
        case 'f':
          arena.push_back('\f');
          break;
        case 'n':
          arena.push_back('\n');
          break;
        case 'r':
          arena.push_back('\r');
          break;
        case 't':
          arena.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Read4Hex(&cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) return FailB("lone low surrogate in \\u escape");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return FailB("lone high surrogate in \\u escape");
            p_ += 2;
            if (!Read4Hex(&lo)) return false;
            if (lo < 0xdc00 || lo > 0xdfff) return FailB("bad surrogate pair in \\u escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          AppendUtf8(&arena, cp);
          break;
        }
        default:
          return FailB(std::string("bad escape \\") + e);
      }
    }
    return FailB("unterminated string");
  }

  // The raw text of the string just read, [start, closing quote), when it
  // held any byte >= 0x80. Escapes are ASCII, so checking the raw text is
  // checking what it decodes to.
  bool Utf8Ok(const char* start) {
    if (!high_) return true;
    if (IsValidUtf8(std::string_view(start, static_cast<size_t>(p_ - 1 - start)))) return true;
    return FailB("a string is not valid UTF-8, which SLS refuses");
  }

  // Skips any JSON value, checking its syntax, with a depth limit so a
  // hostile line cannot exhaust the stack.
  bool SkipValue(int depth) {
    if (depth > 64) return FailB("nesting deeper than 64");
    SkipWs();
    if (p_ >= end_) return FailB("missing value");
    char c = *p_;
    if (c == '"') {
      // Decoding into the arena would waste it; parse on a throwaway view.
      size_t mark = out_->arena.size();
      std::string_view ignored;
      bool ok = ReadString(&ignored);
      out_->arena.resize(mark);
      return ok;
    }
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++p_;
      SkipWs();
      if (p_ < end_ && *p_ == close) {
        ++p_;
        return true;
      }
      for (;;) {
        if (c == '{') {
          SkipWs();
          if (p_ >= end_ || *p_ != '"') return FailB("expected a string key");
          if (!SkipValue(depth + 1)) return false;
          SkipWs();
          if (p_ >= end_ || *p_ != ':') return FailB("expected ':'");
          ++p_;
        }
        if (!SkipValue(depth + 1)) return false;
        SkipWs();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        if (p_ < end_ && *p_ == close) {
          ++p_;
          return true;
        }
        return FailB(std::string("expected ',' or '") + close + "'");
      }
    }
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return SkipNumber();
  }

  bool Literal(const char* word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return FailB("unknown literal");
    p_ += n;
    return true;
  }

  bool SkipNumber() {
    const char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') return FailB("bad value");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') return FailB("bad number");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') return FailB("bad number");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    return p_ > s;
  }

  // {"base64":"..."} / {"hex":"..."} is how consume writes bytes that are
  // not UTF-8; anything else that is not a string keeps its JSON text.
  __attribute__((noinline)) bool ReadValue(std::string_view* out) {
    if (p_ >= end_) return FailB("missing value");
    if (*p_ == '"') return ReadString(out);
    const char* start = p_;
    if (*p_ == '{') {
      int binary = TryBinaryObject(out);
      if (binary > 0) return true;
      if (binary < 0) return false;
    }
    p_ = start;
    if (!SkipValue(0)) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  // 1: decoded; 0: not a binary object; -1: a binary object with bad text.
  int TryBinaryObject(std::string_view* out) {
    const char* save = p_;
    size_t mark = out_->arena.size();
    auto give_up = [&] {
      p_ = save;
      out_->arena.resize(mark);
      return 0;
    };
    ++p_;
    SkipWs();
    if (p_ >= end_ || *p_ != '"') return give_up();
    std::string_view name, text;
    if (!ReadString(&name)) return give_up();
    if (name != "base64" && name != "hex") return give_up();
    SkipWs();
    if (p_ >= end_ || *p_ != ':') return give_up();
    ++p_;
    SkipWs();
    if (p_ >= end_ || *p_ != '"' || !ReadString(&text)) return give_up();
    SkipWs();
    if (p_ >= end_ || *p_ != '}') return give_up();
    ++p_;
    scratch_.clear();
    if (name == "base64") {
      if (!Base64Decode(text, &scratch_)) return FailB("bad base64 in {\"base64\":...}") ? 1 : -1;
    } else {
      if (text.size() % 2 != 0) return FailB("odd length in {\"hex\":...}") ? 1 : -1;
      for (size_t i = 0; i < text.size(); i += 2) {
        int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
        if (hi < 0 || lo < 0) return FailB("bad digit in {\"hex\":...}") ? 1 : -1;
        scratch_.push_back(static_cast<char>(hi * 16 + lo));
      }
    }
    out_->arena.resize(mark);  // drop the decoded name/text, keep the bytes
    *out = ArenaAppend(&out_->arena, scratch_);
    out_->has_binary = true;
    return 1;
  }

  const char* p_ = nullptr;
  const char* end_ = nullptr;
  const char* start_ = nullptr;
  ParsedLog* out_ = nullptr;
  std::string* error_ = nullptr;
  std::string scratch_;
  const bool plain_fast_path_;
  std::vector<uint32_t> quotes_;  // the fast path's scratch (produce_jsonl_plain.h)
  bool high_ = false;             // the current string has a byte >= 0x80
};

}  // namespace

std::unique_ptr<Parser> MakeJsonlParser() {
  return std::make_unique<JsonlParser>(true);
}
std::unique_ptr<Parser> MakeGeneralJsonlParser() {
  return std::make_unique<JsonlParser>(false);
}

}  // namespace slsflow
