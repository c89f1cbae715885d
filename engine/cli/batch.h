// whalesong-cli batch: OpenAI's Batch API file format, run locally with continuous batching.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "whalesong/api_server.h"
#include "whalesong/model.h"

namespace ws::cli {

struct BatchOptions {
    std::filesystem::path input;  ///< JSONL: {"custom_id", "method": "POST", "url", "body"} per line
    std::filesystem::path output; ///< JSONL: {"id", "custom_id", "response": {"status_code", "body"}, "error"}
    int parallel = 4;             ///< requests in flight at once (their decode steps share forward passes)
    ApiServerOptions server;      ///< the in-process server the requests go through (threads, context, cache…)
};

/// Runs every input line whose custom_id is not in the output yet, appending one result line per request as it
/// finishes (a whole line per write, synced: a kill loses at most the requests in flight, and a torn last line
/// from a kill is dropped on the next run). Progress on stderr. Returns the exit status: 0 when every line was
/// answered (HTTP errors included, on their line), 1 when the files cannot be used (the message names them).
int runBatch(const BatchOptions& options, std::shared_ptr<const Model> model, const std::string& modelId);

} // namespace ws::cli
