// Unit tests of the Jinja interpreter (engine/tokenizer/jinja*.cpp): each language feature against jinja2's
// output under transformers' settings, whitespace control, errors with line:column, limits, and fuzzed real
// templates.
#include "tokenizer/jinja.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ws::jinja::Template;
using Json = nlohmann::ordered_json;

/// The rendering, or "ERROR: <message>" for a parse or render error.
std::string render(std::string_view source, const Json& context = Json::object()) {
    auto t = Template::parse(source);
    if (!t)
        return "ERROR: " + t.status().message();
    auto r = t->render(context);
    if (!r)
        return "ERROR: " + r.status().message();
    return *r;
}

std::string render(std::string_view source, const char* contextJson) {
    return render(source, Json::parse(contextJson));
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

#define EXPECT_ERROR(text, fragment)                                                                         \
    do {                                                                                                     \
        std::string r_ = (text);                                                                             \
        EXPECT_TRUE(startsWith(r_, "ERROR: ") && r_.find(fragment) != std::string::npos) << r_;              \
    } while (0)

TEST(Jinja, TextAndOutput) {
    EXPECT_EQ(render("plain text"), "plain text");
    EXPECT_EQ(render("{{ 'a' }}{{ \"b\" }}{{ 1 }}{{ 1.5 }}"), "ab11.5");
    EXPECT_EQ(render("{{ x }}", R"({"x": "中文 ok"})"), "中文 ok");
    EXPECT_EQ(render("a{# comment #}b"), "ab");
    EXPECT_EQ(render("{% raw %}{{ not evaluated }}{% endraw %}"), "{{ not evaluated }}");
    EXPECT_EQ(render("one trailing newline goes\n"), "one trailing newline goes");
    EXPECT_EQ(render("only one\n\n"), "only one\n");
    EXPECT_EQ(render("crlf\r\nbecomes\rlf"), "crlf\nbecomes\nlf");
}

TEST(Jinja, PrintsLikePython) {
    EXPECT_EQ(render("{{ none }}|{{ None }}|{{ true }}|{{ False }}"), "None|None|True|False");
    EXPECT_EQ(render("{{ 1.0 }}|{{ 0.5 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 0.0001 }}|{{ 0.00001 }}|{{ -0.0 }}"),
              "1.0|0.5|1e+16|1000000000000000.0|0.0001|1e-05|-0.0");
    EXPECT_EQ(render("{{ 0.1 + 0.2 }}|{{ 10 / 3 }}|{{ 4 / 2 }}"),
              "0.30000000000000004|3.3333333333333335|2.0");
    EXPECT_EQ(render("{{ [1, 'a\\'b', \"x\", none, true, 1.5] }}"), "[1, \"a'b\", 'x', None, True, 1.5]");
    EXPECT_EQ(render("{{ {'a': 1, 'b': [2]} }}|{{ (1,) }}|{{ (1, 2) }}|{{ () }}"),
              "{'a': 1, 'b': [2]}|(1,)|(1, 2)|()");
    EXPECT_EQ(render("{{ x }}|{{ y.z }}", R"({"y": {}})"), "|");
}

TEST(Jinja, Literals) {
    EXPECT_EQ(render("{{ 'a' 'b' }}{{ '\\x41\\u00e9\\n\\t' }}{{ '\\q' }}"), "abAé\n\t\\q");
    EXPECT_EQ(render("{{ 1_000 }}|{{ 1.5e3 }}|{{ [1, 2,] }}|{{ {'k': 'v',} }}"),
              "1000|1500.0|[1, 2]|{'k': 'v'}");
    EXPECT_EQ(render("{{ True and true }}{{ none is none }}{{ None is none }}"), "TrueTrueTrue");
}

TEST(Jinja, Arithmetic) {
    EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}"),
              "3 -4 1 2 3.0 0.5");
    EXPECT_EQ(render("{{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 2 ** -1 }} {{ 10 - 3 - 2 }}"),
              "1024 64 4 0.5 5");
    EXPECT_EQ(render("{{ 'ab' * 2 }}{{ [1] * 2 }}{{ 2 * 'x' }}{{ true + 1 }}"), "abab[1, 1]xx2");
    EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ x ~ 2.0 }}"), "a1None2.0");
    EXPECT_EQ(render("{{ [1] + [2] }}{{ 'a' + 'b' }}"), "[1, 2]ab");
    EXPECT_ERROR(render("{{ 'a' + none }}"), "can only concatenate str (not \"NoneType\") to str");
    EXPECT_ERROR(render("{{ 'a' + 1 }}"), "can only concatenate str");
    EXPECT_ERROR(render("{{ 1 + x }}"), "'x' is undefined");
    EXPECT_ERROR(render("{{ 1 / 0 }}"), "division by zero");
    EXPECT_ERROR(render("{{ 1 // 0 }}"), "by zero");
    EXPECT_ERROR(render("{{ 9223372036854775807 + 1 }}"), "integer overflow");
    EXPECT_ERROR(render("{{ 2 ** 64 }}"), "integer overflow");
    EXPECT_ERROR(render("{{ 99999999999999999999 }}"), "larger than 2^63-1");
    EXPECT_ERROR(render("{{ '%s' % 1 }}"), "not supported");
}

TEST(Jinja, ComparisonsAndLogic) {
    EXPECT_EQ(render("{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 1 == 1.0 }}{{ '1' == 1 }}{{ [1, 2] < [1, 3] }}{{ [1] "
                     "== [1] }}"),
              "TrueFalseTrueFalseTrueTrue");
    EXPECT_EQ(
        render("{{ 'a' in 'cat' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'abc' }}{{ 1 in x }}"),
        "TrueTrueTrueTrueFalse");
    EXPECT_EQ(render("{{ true and 'x' }}|{{ false or 'y' }}|{{ '' or 0 }}|{{ not '' }}|{{ not [1] }}"),
              "x|y|0|True|False");
    EXPECT_EQ(render("{{ 1 if true }}|{{ 1 if false }}|{{ 1 if false else 2 }}|{{ 'a' if none else 'b' if 0 "
                     "else 'c' }}"),
              "1||2|c");
    EXPECT_ERROR(render("{{ 1 < 'a' }}"), "not supported between instances of 'int' and 'str'");
    EXPECT_ERROR(render("{{ 1 in 'abc' }}"), "requires string as left operand");
}

TEST(Jinja, AttributesAndSubscripts) {
    const char* ctx =
        R"({"m": {"role": "user", "content": null, "items": "key wins with []"}, "l": [1, 2, 3]})";
    EXPECT_EQ(
        render("{{ m.role }}{{ m['role'] }}{{ m.content }}{{ m.missing }}{{ m.missing is defined }}", ctx),
        "useruserNoneFalse");
    EXPECT_EQ(render("{{ m['items'] }}|{{ m.items() | list | length }}", ctx), "key wins with []|3");
    EXPECT_EQ(render("{{ l[0] }}{{ l[-1] }}{{ l[5] }}{{ l.1 }}{{ l[1:] }}{{ l[::-1] }}{{ l[:-1] }}", ctx),
              "132[2, 3][3, 2, 1][1, 2]");
    EXPECT_EQ(render("{{ 'abcdef'[1:4] }}{{ 'abcdef'[::2] }}{{ '中文abc'[1] }}{{ '中文abc'[1:3] }}"),
              "bcdace文文a");
    EXPECT_EQ(render("{{ none.x }}|{{ m['content'].x }}", ctx), "|");
    EXPECT_ERROR(render("{{ x.y }}"), "'x' is undefined");
    EXPECT_ERROR(render("{{ m.missing.x }}", ctx), "'dict object' has no attribute 'missing'");
    EXPECT_ERROR(render("{{ l[::0] }}", ctx), "slice step cannot be zero");
}

TEST(Jinja, StringMethods) {
    EXPECT_EQ(render("{{ '  x y  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ "
                     "'a\\n\\n'.rstrip('\\n') }}"),
              "x y|hi|a|a");
    EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a,b,c'.split(',', 1) }}{{ 'a b "
                     "c'.rsplit(' ', 1) }}"),
              "['a', 'b', '', 'c']['a', 'b']['a', 'b,c']['a b', 'c']");
    EXPECT_EQ(render("{{ 'x</think>y</think>z'.split('</think>')[-1] }}"), "z");
    EXPECT_EQ(render("{{ 'Hello'.startswith('He') }}{{ 'Hello'.endswith(('x', 'lo')) }}{{ 'ab'.upper() }}{{ "
                     "'AB'.lower() }}"),
              "TrueTrueABab");
    EXPECT_EQ(
        render("{{ 'hello wORLD'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'aaa'.replace('a', 'b', 2) }}"),
        "Hello World|Hello|bba");
    EXPECT_EQ(render("{{ '中文abc'.find('a') }}{{ 'abc'.find('z') }}{{ 'a-b-c'.count('-') }}{{ "
                     "'-'.join(['a', 'b']) }}"),
              "2-12a-b");
    EXPECT_EQ(render("{{ 'a\\nb\\r\\nc'.splitlines() }}{{ ' \\t'.isspace() }}{{ '12'.isdigit() }}"),
              "['a', 'b', 'c']TrueTrue");
    EXPECT_EQ(render("{{ '中文'.upper() }}"), "中文");
    EXPECT_ERROR(render("{{ 'é'.upper() }}"), "non-ASCII");
    EXPECT_ERROR(render("{{ 'a'.nope() }}"), "'str object' has no attribute 'nope'");
    EXPECT_ERROR(render("{{ '{}'.format(1) }}"), "not supported");
}

TEST(Jinja, DictAndListMethods) {
    EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
    EXPECT_EQ(render("{{ {'a': 1}.keys()|list }}{{ {'a': 1}.values()|list }}{{ {'a': 1}.get('a') }}{{ "
                     "{}.get('b') }}{{ {}.get('b', 2) }}"),
              "['a'][1]1None2");
    EXPECT_EQ(render("{{ [1, 2, 2].count(2) }}{{ [1, 2].index(2) }}"), "21");
    // transformers renders in an ImmutableSandboxedEnvironment: mutating methods are refused
    EXPECT_ERROR(render("{% set l = [] %}{{ l.append(1) }}"), "unsafe");
    EXPECT_ERROR(render("{{ {}.update({}) }}"), "unsafe");
}

TEST(Jinja, Filters) {
    EXPECT_EQ(render("{{ [1, 2]|length }}{{ 'ab'|count }}{{ {'a': 1}|length }}{{ x|length }}"), "2210");
    EXPECT_EQ(render("{{ ' x '|trim }}|{{ 'xax'|trim('x') }}|{{ 'ab'|upper }}|{{ 'AB'|lower }}|{{ "
                     "'hello-world foo'|title }}|{{ 'hELLO'|capitalize }}"),
              "x|a|AB|ab|Hello-World Foo|Hello");
    EXPECT_EQ(render("{{ [1, 2, 3]|first }}{{ [1, 2, 3]|last }}{{ []|first }}{{ [1, 2]|join(', ') }}{{ "
                     "'ab'|join('-') }}"),
              "131, 2a-b");
    EXPECT_EQ(render("{{ x|default('d') }}{{ none|default('d') }}{{ ''|default('d', true) }}{{ x|d('q') }}"),
              "dNonedq");
    EXPECT_EQ(render("{{ 1|string }}{{ none|string }}{{ '3'|int + 1 }}{{ '3.7'|int }}{{ 'x'|int(5) }}{{ "
                     "3.9|int }}{{ '2.5'|float }}{{ 2|float }}"),
              "1None43532.52.0");
    EXPECT_EQ(render("{{ 2.5|round }}{{ 3.5|round }}{{ 2.675|round(2) }}{{ 3.14159|round(2, 'floor') }}{{ "
                     "3|round }}{{ -3|abs }}"),
              "2.04.02.673.1433");
    EXPECT_EQ(render("{{ [3, 1, 2]|sort }}{{ ['b', 'A', 'c']|sort }}{{ [3, 1, 2]|sort(reverse=true) }}{{ "
                     "[{'n': 2}, {'n': 1}]|sort(attribute='n')|map(attribute='n')|list }}"),
              "[1, 2, 3]['A', 'b', 'c'][3, 2, 1][1, 2]");
    EXPECT_EQ(render("{{ [1, 2, 3]|select('odd')|list }}{{ [1, 2, 3]|reject('odd')|list }}{{ [1, "
                     "none]|reject('none')|list }}"),
              "[1, 3][2][1]");
    EXPECT_EQ(render("{{ m|selectattr('role', 'equalto', 'user')|map(attribute='c')|list }}{{ "
                     "m|rejectattr('c')|list|length }}",
                     R"({"m": [{"role": "user", "c": "a"}, {"role": "tool", "c": ""}]})"),
              "['a']1");
    EXPECT_EQ(render("{{ [1, 2, 2, 'a', 'A']|unique|list }}{{ ['a', 'b']|map('upper')|list }}{{ [[1], "
                     "[2]]|map('first')|list }}"),
              "[1, 2, 'a']['A', 'B'][1, 2]");
    EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|dictsort }}{{ {'b': 1, 'a': 2}|items|list }}{{ [1, 2]|reverse|list "
                     "}}{{ 'abc'|reverse }}"),
              "[('a', 2), ('b', 1)][('b', 1), ('a', 2)][2, 1]cba");
    EXPECT_EQ(render("{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, "
                     "blank=true) }}"),
              "a\n    b\n\n    c|  a\n  b|a\n  \n  b");
    EXPECT_EQ(render("{{ '<a href=\"x\">&\\'</a>'|e }}{{ '<b>'|safe }}{{ 'hello'|replace('l', 'L') }}"),
              "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;<b>heLLo");
    EXPECT_EQ(render("{{ [1, 2, 3]|sum }}{{ [1, 2, 3]|max }}{{ [1, 2, 3]|min }}{{ 'ab'|list }}"),
              "631['a', 'b']");
    EXPECT_ERROR(render("{{ 'x'|nofilter }}"), "no filter named 'nofilter'");
    EXPECT_ERROR(render("{{ 'x'|truncate(2) }}"), "not supported");
}

TEST(Jinja, GeneratorsBehaveAsInJinja2) {
    // map/select/reject/unique return one-pass generators: always true, no len(), not JSON-serializable
    EXPECT_EQ(render("{% if []|select %}true{% endif %}"), "true");
    EXPECT_EQ(render("{% set g = [1, 2]|select %}{{ g|list }}{{ g|list }}"), "[1, 2][]");
    EXPECT_ERROR(render("{{ [1]|map('string')|length }}"), "has no len()");
    EXPECT_ERROR(render("{{ [{'a': 1}]|map(attribute='a')|tojson }}"), "not JSON serializable");
    EXPECT_ERROR(render("{{ [1]|map('string') }}"), "apply |list first");
}

TEST(Jinja, ToJson) {
    EXPECT_EQ(render("{{ {'a': [1, 2.5, 'x', none, true, {'b': '中\"\\n'}]}|tojson }}"),
              R"({"a": [1, 2.5, "x", null, true, {"b": "中\"\n"}]})");
    EXPECT_EQ(render("{{ {'a': [1, {}], 'b': []}|tojson(indent=2) }}"),
              "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
    EXPECT_EQ(render("{{ x|tojson }}", R"({"x": {"z": 1.0, "a": "\u0001é"}})"),
              R"({"z": 1.0, "a": "\u0001é"})");
    EXPECT_ERROR(render("{{ x|tojson }}"), "not JSON serializable");
    EXPECT_ERROR(render("{{ {}|tojson(true) }}"), "ensure_ascii");
}

TEST(Jinja, Tests) {
    EXPECT_EQ(
        render("{{ 1 is defined }}{{ x is undefined }}{{ none is none }}{{ 1 is integer }}{{ 1.5 is float }}"
               "{{ true is boolean }}{{ true is true }}{{ 0 is false }}{{ 6 is divisibleby 3 }}{{ 2 is "
               "equalto 2 }}"
               "{{ 2 is eq 3 }}{{ [] is sequence }}{{ {} is mapping }}{{ 'a' is lower }}{{ 'A' is upper }}"
               "{{ 1 is in [1] }}{{ 1 is not none }}{{ 3 is odd }}{{ 4 is even }}{{ 'a' is string }}"
               "{{ true is number }}{{ 'a' is iterable }}{{ x is iterable }}{{ range is callable }}"),
        "TrueTrueTrueTrueTrueTrueTrueFalseTrueTrueFalseTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrue");
    EXPECT_ERROR(render("{{ 1 is nosuchtest }}"), "no test named 'nosuchtest'");
}

TEST(Jinja, IfAndFor) {
    EXPECT_EQ(render("{% if x %}a{% elif y %}b{% else %}c{% endif %}", R"({"y": 1})"), "b");
    EXPECT_EQ(
        render(
            "{% for a in [1, 2, 3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
            "{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}"),
        "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|");
    EXPECT_EQ(render("{% for a in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"),
              "-2;1-3;2-;");
    EXPECT_EQ(render("{% for x in [1, 2, 3] if x != 2 %}{{ loop.index }}:{{ x }} {% else %}none{% endfor %}"),
              "1:1 2:3 ");
    EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}{% for x in y %}{% else %}undefined is "
                     "empty{% endfor %}"),
              "emptyundefined is empty");
    EXPECT_EQ(
        render(
            "{% for k, v in [[1, 2], [3, 4]] %}{{ k + v }}{% endfor %}{% for c in 'ab' %}{{ c }}{% endfor %}"
            "{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"),
        "37abxy");
    EXPECT_EQ(render("{% for a in [1, 2, 3, 4] %}{% if a == 2 %}{% continue %}{% endif %}{% if a == 4 %}{% "
                     "break %}{% endif %}{{ a }}{% endfor %}"),
              "13");
    EXPECT_EQ(render("{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ b }}{% endfor %}{{ "
                     "loop.index }};{% endfor %}"),
              "1x2y1;1x2y2;");
    EXPECT_ERROR(render("{% for x in 5 %}{% endfor %}"), "'int' object is not iterable");
    EXPECT_ERROR(render("{% for a, b in [1] %}{% endfor %}"), "cannot unpack");
    EXPECT_ERROR(render("{% break %}"), "outside of a for loop");
}

TEST(Jinja, SetAndScopes) {
    EXPECT_EQ(render("{% set x = 1 %}{% set a, b = [2, 3] %}{{ x }}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}"),
              "123(1, 2)");
    // a set inside a loop is local to the iteration; a namespace carries values out
    EXPECT_EQ(render("{% set x = 0 %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}{% endfor %}{{ x }}"),
              "[0][0]0");
    EXPECT_EQ(render("{% set ns = namespace(c=0, s='') %}{% for i in range(5) %}{% set ns.c = ns.c + i %}{% "
                     "endfor %}{{ ns.c }}"),
              "10");
    EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.x = 5 %}{{ ns.x }}{{ ns['x'] }}"), "55");
    EXPECT_EQ(
        render("{% set t %}hello {{ 1 + 1 }}{% endset %}[{{ t }}]{% set u | upper %}up{% endset %}{{ u }}"),
        "[hello 2]UP");
    EXPECT_EQ(render("{% if true %}{% set top = 1 %}{% endif %}{{ top }}"), "1");
    EXPECT_ERROR(render("{% set d = {} %}{% set d.b = 2 %}"), "non-namespace");
    // a namespace holding itself is printable up to a depth limit and freed at the end (LeakSanitizer checks)
    EXPECT_ERROR(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), "nested more than 256");
}

TEST(Jinja, MacrosAndFilterBlocks) {
    EXPECT_EQ(render("{% macro m(a, b='B', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m('A') }}|{{ "
                     "m('A', c=3) }}|{{ m() }}|{{ m(b=1, a=0) }}"),
              "ABNone|AB3|BNone|01None");
    EXPECT_EQ(
        render("{% macro r(n) %}{% if n > 0 %}{{ n }}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(5) }}"),
        "54321");
    EXPECT_EQ(render("{% set ns = namespace(open=true) %}{% macro flush() %}{% if ns.open %}x{% set ns.open "
                     "= false %}{% endif %}"
                     "{% endmacro %}{{ flush() }}{{ flush() }}"),
              "x");
    EXPECT_EQ(
        render("{% filter upper %}abc{{ 'd' }}{% endfilter %}{% filter trim | upper %}  x  {% endfilter %}"),
        "ABCDX");
    EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
    EXPECT_ERROR(render("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"), "takes not more than 1 argument");
    EXPECT_ERROR(render("{% macro m(a) %}{% endmacro %}{{ m(z=1) }}"), "no keyword argument 'z'");
    EXPECT_ERROR(render("{% macro m(a=1, b) %}{% endmacro %}"), "non-default argument");
}

TEST(Jinja, Globals) {
    EXPECT_EQ(render("{{ range(3)|list }}{{ range(2, 10, 3)|list }}{{ range(3, 0, -1)|list }}"),
              "[0, 1, 2][2, 5, 8][3, 2, 1]");
    EXPECT_EQ(render("{{ namespace(a=1).a }}{{ dict(a=1, b=2) }}"), "1{'a': 1, 'b': 2}");
    EXPECT_EQ(render("{{ strftime_now('%Y')|length }}"), "4");
    EXPECT_ERROR(render("x\n  {{ raise_exception('Conversation roles must alternate') }}"),
                 "chat template:2:6: raise_exception: Conversation roles must alternate");
    EXPECT_ERROR(render("{{ range(100001)|length }}"), "Range too big");
    EXPECT_ERROR(render("{{ cycler(1) }}"), "'cycler' is undefined");
}

TEST(Jinja, WhitespaceControl) {
    // trim_blocks: the newline after a block tag goes; lstrip_blocks: indentation before a block tag goes
    EXPECT_EQ(render("a\n  {% if true %}\n  b\n  {% endif %}\nc"), "a\n  b\nc");
    EXPECT_EQ(render("a\n  {# c #}\n  b"), "a\n  b");
    EXPECT_EQ(render("x\n{{ 1 }}\ny"), "x\n1\ny"); // not after variables
    EXPECT_EQ(render("  {{- 1 -}}  \n"), "1");
    EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
    EXPECT_EQ(render("\n  {%- if true -%}  \n  a  \n  {%- endif -%}\n"), "a");
    EXPECT_EQ(render("a  {%+ if true %}x{% endif %}"), "a  x");
    EXPECT_EQ(render("{% if true +%}\nx{% endif %}"), "\nx");
    EXPECT_EQ(render("a {% if true %}b{% endif %}"), "a b"); // not at a line start: nothing to strip
    EXPECT_EQ(render("{%- raw -%}  {{ y }}  {%- endraw -%}  z"), "{{ y }}z");
    EXPECT_EQ(render("{{ 'a' }}\u3000{{- 'b' }}"), "ab"); // `-` strips Unicode whitespace, as Python's \s
    EXPECT_EQ(render("{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n"), "  1\n  2\n");
}

TEST(Jinja, ErrorsNameLineAndColumn) {
    auto parseError = [](std::string_view src) {
        auto t = Template::parse(src, "my.jinja");
        return t ? std::string("parsed") : t.status().message();
    };
    EXPECT_EQ(parseError("{{ 1 + }}"), "my.jinja:1:8: unexpected '}}' in an expression");
    EXPECT_EQ(parseError("ok\n{% if x %}\n"),
              "my.jinja:2:4: unclosed block: reached the end of the template looking for "
              "'elif' or 'else' or 'endif'");
    EXPECT_EQ(parseError("{# never closed"), "my.jinja:1:1: unclosed comment (missing '#}')");
    EXPECT_EQ(parseError("中文 {{ 'x }}"), "my.jinja:1:7: unterminated string literal");
    EXPECT_EQ(parseError("{% endfor %}"), "my.jinja:1:4: unexpected 'endfor' (no open block it could close)");
    EXPECT_EQ(parseError("{% foo %}"), "my.jinja:1:4: unknown tag 'foo'");
    EXPECT_EQ(parseError("{% include 'x' %}"), "my.jinja:1:4: the '{% include %}' tag is not supported");
    EXPECT_EQ(parseError("{{ 1 }"), "my.jinja:1:6: unexpected '}'");
    EXPECT_EQ(parseError("{{ x is a is b }}"), "my.jinja:1:11: you cannot chain multiple tests with 'is'");
    EXPECT_EQ(parseError("{{ '\\xZZ' }}"), "my.jinja:1:4: truncated \\x escape in a string literal");
    auto t = Template::parse("line one\nline two {{ 'a' + m.content }}", "my.jinja");
    ASSERT_TRUE(t);
    auto r = t->render(Json::parse(R"({"m": {"content": null}})"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().message(), "my.jinja:2:17: can only concatenate str (not \"NoneType\") to str");
    EXPECT_EQ(r.status().code(), ws::Code::InvalidArgument);
    auto notObject = t->render(Json::array());
    EXPECT_FALSE(notObject);
}

TEST(Jinja, Limits) {
    std::string deep = "{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}";
    EXPECT_ERROR(render(deep), "nested more than 128");
    std::string deepIf;
    for (int i = 0; i < 300; ++i)
        deepIf += "{% if true %}";
    EXPECT_ERROR(render(deepIf), "nested more than 128");
    EXPECT_ERROR(render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), "nested more than 64");
    EXPECT_ERROR(render("{{ 'x' * 100000000 }}"), "longer than 64 MiB");
    EXPECT_EQ(render("{{ ('ab' * 5000000)|length }}"), "10000000");
    EXPECT_ERROR(render("{% set s = 'x' * 10000000 %}{% for i in range(10) %}{{ s }}{% endfor %}"),
                 "output longer than 64 MiB");
    EXPECT_ERROR(render("{{ range(30000)|unique|list|length }}"), "more than 10,000,000 steps");
    // the limits are per render: the same template renders again
    auto t = Template::parse("{{ x }}");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t->render(Json{{"x", 1}}), "1");
    EXPECT_EQ(*t->render(Json{{"x", 2}}), "2");
}

// ---------------------------------------------------------------------------------------------------------------
// Fuzzing the real templates: mutated sources must parse and render to text or to an error, never crash (ASan
// and UBSan run this in CI).

std::filesystem::path fixtureDir() {
    return std::filesystem::path(__FILE__).parent_path() / "fixtures" / "chat_templates";
}

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string mutate(std::string s, std::mt19937& rng) {
    static const char kBytes[] = "{}%#-+()[]|.,:=~'\" \n\t\\0123456789abcdefnotiflsr";
    auto pick = [&](std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    int edits = 1 + static_cast<int>(pick(2));
    for (int e = 0; e < edits && !s.empty(); ++e) {
        std::size_t pos = pick(s.size());
        switch (pick(7)) {
        case 0: // replace a byte with a syntax byte
            s[pos] = kBytes[pick(sizeof kBytes - 1)];
            break;
        case 1: // a random byte, possibly breaking UTF-8
            s[pos] = static_cast<char>(pick(256));
            break;
        case 2: // delete a range
            s.erase(pos, 1 + pick(16));
            break;
        case 3: // duplicate a range
            s.insert(pos, s.substr(pick(s.size()), 1 + pick(32)));
            break;
        case 4: // truncate (rarely: most mutants should still parse)
            if (pick(4) == 0)
                s.resize(pos);
            break;
        case 5: { // swap two whitespace-separated tokens
            std::size_t a = s.find(' ', pos), b = s.find(' ', pick(s.size()));
            if (a == std::string::npos || b == std::string::npos || a == b)
                break;
            if (a > b)
                std::swap(a, b);
            std::size_t ae = s.find(' ', a + 1), be = s.find(' ', b + 1);
            if (ae == std::string::npos || be == std::string::npos || ae > b)
                break;
            std::string ta = s.substr(a, ae - a), tb = s.substr(b, be - b);
            s = s.substr(0, a) + tb + s.substr(ae, b - ae) + ta + s.substr(be);
            break;
        }
        default: // insert a fragment of template syntax
            static const char* const kFragments[] = {
                "{{",   "}}",    "{%",       "%}",   "{#",     "#}",         "{%-",         "-%}",
                " if ", " for ", " endfor ", " in ", " is ",   "|",          "ns.",         "loop.",
                "(",    ")",     "[::-1]",   " ~ ",  " ** 99", " * 9999999", "namespace()", "'"};
            s.insert(pos, kFragments[pick(std::size(kFragments))]);
        }
    }
    return s;
}

TEST(Jinja, FuzzRealTemplates) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(fixtureDir()))
        if (e.path().extension() == ".jinja")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 5u) << "fixture templates not found under " << fixtureDir();
    Json context = Json::parse(R"({
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "你好"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
            {"role": "tool", "content": "out"},
            {"role": "assistant", "content": "<think>r</think>answer"},
            {"role": "user", "content": "again"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "add_generation_prompt": true, "thinking": true,
        "bos_token": "<s>", "eos_token": "</s>"})");
    const unsigned fresh = std::random_device{}();
    std::printf("Jinja.FuzzRealTemplates: fresh seed %u (rerun a failure by adding it to kSeeds)\n", fresh);
    const std::vector<unsigned> kSeeds = {1, 2, 3, fresh};
    const int kPerSeed = 60;
    std::size_t parsed = 0, rendered = 0, total = 0;
    auto start = std::chrono::steady_clock::now();
    for (const auto& file : files) {
        const std::string original = readFile(file);
        for (unsigned seed : kSeeds) {
            std::mt19937 rng(seed * 7919u + static_cast<unsigned>(original.size()));
            for (int i = 0; i < kPerSeed; ++i) {
                std::string src = mutate(original, rng);
                SCOPED_TRACE(file.filename().string() + " seed " + std::to_string(seed) + " #" +
                             std::to_string(i));
                ++total;
                auto t = Template::parse(src, file.filename().string());
                if (!t) {
                    EXPECT_FALSE(t.status().message().empty());
                    continue;
                }
                ++parsed;
                auto r = t->render(context);
                if (r)
                    ++rendered;
                else
                    EXPECT_FALSE(r.status().message().empty());
            }
        }
        auto clean = Template::parse(original);
        ASSERT_TRUE(clean) << file << ": " << clean.status().message();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("Jinja.FuzzRealTemplates: %zu mutants, %zu parsed, %zu rendered, %.2f s\n", total, parsed,
                rendered, secs);
    EXPECT_GT(parsed, 0u);
}

} // namespace
