// Python str semantics on UTF-8 text for the Jinja builtins: case mapping, strip, split, splitlines, replace,
// int()/float() parsing and round().
#pragma once

#include "tokenizer/jinja_value.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ws::jinja {

/// The string in `v`; fails naming `what` for any other type (an undefined value fails with its hint).
const std::string& needString(const Value& v, const char* what);
/// The integer (or bool) in `v`; fails naming `what` otherwise.
std::int64_t needInt(const Value& v, const char* what);

/// str.upper()/lower(): ASCII letters; non-ASCII letters with case fail (we carry no Unicode case tables),
/// caseless text such as CJK passes through.
std::string caseMap(const std::string& s, bool upper);
/// str.capitalize().
std::string capitalize(const std::string& s);
/// str.title().
std::string pyTitle(const std::string& s);
/// The title filter (words start after "-", whitespace and opening brackets).
std::string filterTitle(const std::string& s);
/// str.strip/lstrip/rstrip(chars): `chars` none or undefined strips Python whitespace.
std::string strip(const std::string& s, const Value& chars, bool left, bool right);
/// str.split/rsplit(sep, maxsplit): `sepV` none splits on runs of whitespace.
ValueList split(const std::string& s, const Value& sepV, std::int64_t maxsplit, bool fromRight);
/// str.splitlines(keepends).
std::vector<std::string> splitLines(const std::string& s, bool keepends);
/// str.replace(from, to, count); count < 0 replaces all.
std::string replace(const std::string& s, const std::string& from, const std::string& to, std::int64_t count);
/// markupsafe.escape: & < > " ' as entities.
std::string htmlEscape(const std::string& s);
/// str.startswith/endswith with a string or a tuple of strings.
bool startsOrEndsWith(const std::string& s, const Value& what, bool start);
/// Python's int(str) in base 10; false when it is not an integer literal.
bool parseInt(const std::string& raw, std::int64_t& out);
/// Python's float(str); false when it is not a float literal.
bool parseFloat(const std::string& raw, double& out);
/// Python's round(x, digits) on a float (correctly rounded, ties to even).
double pyRound(double x, std::int64_t digits);

} // namespace ws::jinja
