// whalesong-cli template: renders a chat template file with a JSON context, as transformers would.
#pragma once

#include <string>

namespace ws::cli {

/// Prints the rendering of the Jinja template in `templatePath` with the JSON object in `contextPath` to
/// stdout, byte for byte (no newline added), and returns 0; on any error prints one line "error: <file>:
/// <message>" to stderr and returns 1.
int renderTemplateCommand(const std::string& templatePath, const std::string& contextPath);

} // namespace ws::cli
