// newWrappingLabel(): the plain-text, word-wrapped, selectable label the settings pages use for notes and problems.
#pragma once

#include <QLabel>

inline QLabel* newWrappingLabel() {
    auto* l = new QLabel;
    l->setWordWrap(true);
    l->setTextFormat(Qt::PlainText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}
