// whalesong-cli template: reads a Jinja template and a JSON context, prints the rendered prompt exactly.
#include "cli/render_template.h"

#include "tokenizer/jinja.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ws::cli {
namespace {

bool readFile(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return !in.bad();
}

/// One line on stderr: "error: <where>: <message>", newlines in the message escaped.
int report(const std::string& where, const std::string& message) {
    std::string line = "error: " + where + (message.empty() ? "" : ": " + message);
    std::string escaped;
    for (char c : line)
        escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    std::fprintf(stderr, "%s\n", escaped.c_str());
    return 1;
}

} // namespace

int renderTemplateCommand(const std::string& templatePath, const std::string& contextPath) {
    std::string source, contextText;
    if (!readFile(templatePath, source))
        return report(templatePath, "cannot read the template file");
    if (!readFile(contextPath, contextText))
        return report(contextPath, "cannot read the context file");
    nlohmann::ordered_json context;
    try {
        context = nlohmann::ordered_json::parse(contextText);
    } catch (const nlohmann::json::exception& e) {
        return report(contextPath, std::string("invalid JSON: ") + e.what());
    }
    if (!context.is_object())
        return report(contextPath, "the context must be a JSON object");
    // Template errors start "FILE:LINE:COLUMN: ", so the line reads "error: FILE:LINE:COLUMN: message".
    auto tmpl = jinja::Template::parse(source, templatePath);
    if (!tmpl)
        return report(tmpl.status().message(), "");
    auto text = tmpl->render(context);
    if (!text)
        return report(text.status().message(), "");
    std::fwrite(text->data(), 1, text->size(), stdout);
    std::fflush(stdout);
    return 0;
}

} // namespace ws::cli
