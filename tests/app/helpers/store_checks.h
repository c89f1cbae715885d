// Check macros shared by the store tests: open a store, or require a ws::Status / ws::Result to be ok — failing
// the test with the store's own message.
#pragma once

#include "app/conversation_store.h"

#include <QTest>

#include <memory>

/// Declares `store` (std::unique_ptr<ConversationStore>) opened with ConversationStore::open(args...).
#define WS_OPEN(store, ...)                                                                                  \
    auto store##Result = ConversationStore::open(__VA_ARGS__);                                               \
    QVERIFY2(store##Result.isOk(), store##Result.status().message().c_str());                                \
    std::unique_ptr<ConversationStore> store = std::move(store##Result).value()

#define WS_VERIFY_OK(expr)                                                                                   \
    do {                                                                                                     \
        const auto& ws_s_ = (expr);                                                                          \
        QVERIFY2(ws_s_.isOk(), ws_s_.status().message().c_str());                                            \
    } while (0)
