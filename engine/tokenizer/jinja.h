// A Jinja interpreter for Hugging Face chat templates, rendering as transformers' apply_chat_template does.
#pragma once

#include "whalesong/status.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ws::jinja {

struct TemplateImpl;

/// A parsed template. Semantics are jinja2's as transformers configures it (ImmutableSandboxedEnvironment,
/// trim_blocks, lstrip_blocks, loopcontrols, globals raise_exception and strftime_now, json.dumps-style
/// tojson); a feature we lack fails with a message rather than rendering something else. Immutable; copies
/// share the tree.
class Template {
  public:
    /// Parses once; errors name the template (`name`), line and column ("chat template:3:14: ...").
    static Result<Template> parse(std::string_view source, std::string name = "chat template");
    /// Renders with the given variables (an object). Thread-safe (const, no shared mutable state). Errors
    /// (raise_exception, a type error such as str + None, a limit reached) name the template, line and
    /// column.
    Result<std::string> render(const nlohmann::ordered_json& context) const;

  private:
    explicit Template(std::shared_ptr<const TemplateImpl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<const TemplateImpl> m_impl;
};

} // namespace ws::jinja
