// ChatEntry: a message as the chat view shows it — the record and its siblings for the ‹ 1/2 › navigation.
#pragma once

#include "conversation_store.h"

#include <algorithm>
#include <vector>

struct ChatEntry {
    MessageRecord record;
    std::vector<qint64> siblingIds; ///< the message and the others with the same parent, oldest first

    /// 0-based position of this message among its siblings.
    int siblingIndex() const {
        const auto it = std::find(siblingIds.begin(), siblingIds.end(), record.id);
        return it == siblingIds.end() ? 0 : static_cast<int>(it - siblingIds.begin());
    }
    int siblingCount() const { return siblingIds.empty() ? 1 : static_cast<int>(siblingIds.size()); }
};
