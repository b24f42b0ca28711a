// SPDX-License-Identifier: MIT
#include "reports/text.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace lg {

namespace {

// Length of the escape sequence starting at s[i] (s[i] == ESC), so it can be skipped whole.
size_t escape_length(std::string_view s, size_t i) {
  size_t n = s.size();
  if (i + 1 >= n) return 1;
  char k = s[i + 1];
  if (k == '[') {  // CSI: parameters and intermediates, then one final byte 0x40-0x7E
    size_t j = i + 2;
    while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x3F) j++;
    while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2F) j++;
    if (j < n && (unsigned char)s[j] >= 0x40 && (unsigned char)s[j] <= 0x7E) j++;
    return j - i;
  }
  if (k == ']' || k == 'P' || k == '_' || k == '^' || k == 'X') {  // OSC/DCS/...: to BEL or ESC '\'
    size_t j = i + 2;
    while (j < n) {
      if (s[j] == '\a') return j + 1 - i;
      if (s[j] == '\x1b' && j + 1 < n && s[j + 1] == '\\') return j + 2 - i;
      if (s[j] == '\n') return j - i;  // unterminated: do not eat the rest of the log
      j++;
    }
    return j - i;
  }
  // Two- or three-byte sequences: ESC ( B, ESC =, ESC 7 ...
  if (k >= 0x20 && k <= 0x2F && i + 2 < n) return 3;
  return 2;
}

// Decodes one UTF-8 code point at s[i]; returns its length, or 0 when invalid.
size_t utf8_decode(std::string_view s, size_t i, unsigned& cp) {
  unsigned char c = s[i];
  size_t len;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) {
    cp = c & 0x1F;
    len = 2;
  } else if ((c & 0xF0) == 0xE0) {
    cp = c & 0x0F;
    len = 3;
  } else if ((c & 0xF8) == 0xF0) {
    cp = c & 0x07;
    len = 4;
  } else
    return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; k++) {
    unsigned char d = s[i + k];
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid UTF-8.
  static const unsigned kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c == 0x1b) {
      i += escape_length(s, i);
      continue;
    }
    if (c == '\r') {  // CR LF -> LF; a lone CR (progress bars) -> LF
      out += '\n';
      i += (i + 1 < s.size() && s[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c < 0x20 && c != '\n' && c != '\t') {
      i++;
      continue;
    }
    if (c == 0x7F) {
      i++;
      continue;
    }
    unsigned cp;
    size_t len = utf8_decode(s, i, cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      i++;
      continue;
    }
    // C1 controls and the XML non-characters U+FFFE/U+FFFF are dropped too.
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
      i += len;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string clean_line(std::string_view s) {
  std::string out = clean_text(s);
  for (char& c : out)
    if (c == '\n' || c == '\t') c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string tail_bytes(std::string_view s, size_t max_bytes, bool& cut) {
  cut = s.size() > max_bytes;
  if (!cut) return std::string(s);
  size_t start = s.size() - max_bytes;
  size_t nl = s.find('\n', start);
  if (nl != std::string_view::npos && nl + 1 < s.size() && nl - start < max_bytes / 4) {
    start = nl + 1;
  } else {
    while (start < s.size() && ((unsigned char)s[start] & 0xC0) == 0x80) start++;
  }
  return std::string(s.substr(start));
}

std::string junit_seconds(double s) {
  if (!(s > 0) || std::isinf(s)) s = 0;
  char buf[48];
  snprintf(buf, sizeof buf, "%.3f", s);  // the harness never calls setlocale: '.' always
  return buf;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty();
    for (char c : a)
      if (!(isalnum((unsigned char)c) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos))
        plain = false;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    out += '\'';
  }
  return out;
}

std::string file_safe(std::string_view s) {
  std::string out;
  for (char c : s) out += (isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (out.empty() || out[0] == '.') out = "_" + out;  // no hidden or empty names
  return out;
}

}  // namespace lg
