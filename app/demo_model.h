// DemoModel: the built-in demo model — a tiny DeepSeek-V3 with random weights (ws::writeRandomModel) and the
// real DeepSeek-V3 tokenizer (compiled in as :/demo/*) — created on first use, so the app works before a
// model is chosen.
#pragma once

#include "whalesong/status.h"

#include <QString>
#include <functional>

namespace DemoModel {

/// QStandardPaths::AppDataLocation + "/demo-model".
QString defaultFolder();

/// Whether `folder` holds a demo model this app made: its whalesong-demo.json marker says {"demo": true}.
bool isDemo(const QString& folder);

/// Makes `folder` a complete demo model (config.json, model.safetensors in BF16 from a fixed seed,
/// tokenizer.json, tokenizer_config.json, whalesong-demo.json) unless it already is one: then it returns at
/// once and touches nothing. Everything is written into the sibling folder `folder`.partial and renamed into
/// place at the end, so a kill leaves either no model or a whole one; a leftover .partial folder is removed
/// on the next call. An incomplete `folder` is replaced only when it holds nothing but those files. Safe to
/// call from several threads or processes at once (a lock file `folder`.lock; the others wait, then find the
/// model done). `progress(fraction)` (0..1, never decreasing, ends at 1) is called on the calling thread;
/// returning false cancels: Code::Cancelled, nothing left behind (the final 1, with the model in place,
/// cannot cancel). Errors name the file at fault.
ws::Status ensure(const QString& folder, const std::function<bool(double)>& progress = {});

} // namespace DemoModel
