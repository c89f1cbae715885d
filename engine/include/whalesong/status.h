// Status and Result<T>: the error type of every public engine function.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ws {

/// What went wrong, in broad classes; the message names the file, tensor or field.
enum class Code { Ok, InvalidArgument, NotFound, IoError, FormatError, Unsupported, OutOfRange, OutOfMemory, Cancelled, Internal };

/// A success or a failure with a message. Cheap to copy; thread-compatible.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Code code, std::string message) : m_code(code), m_message(std::move(message)) {}
    static Status ok() { return {}; }

    bool isOk() const { return m_code == Code::Ok; }
    explicit operator bool() const { return isOk(); }
    Code code() const { return m_code; }
    const std::string& message() const { return m_message; }
    const Status& status() const { return *this; }

private:
    Code m_code = Code::Ok;
    std::string m_message;
};

/// A value or a Status explaining why there is none (switch to std::expected with C++23).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}            // NOLINT(google-explicit-constructor)
    Result(Status status) : m_v(std::move(status)) { assert(!std::get<Status>(m_v).isOk()); } // NOLINT
    Result(Code code, std::string message) : m_v(Status(code, std::move(message))) {}

    bool isOk() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return isOk(); }
    const Status& status() const {
        static const Status kOk;
        return isOk() ? kOk : std::get<Status>(m_v);
    }
    T& value() & { return std::get<T>(m_v); }
    const T& value() const& { return std::get<T>(m_v); }
    T&& value() && { return std::get<T>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Status> m_v;
};

} // namespace ws

/// Propagates a failed Status (or Result's status) out of the calling function.
#define WS_TRY(expr)                                                                                         \
    do {                                                                                                     \
        auto&& ws_try_s_ = (expr);                                                                           \
        if (!ws_try_s_.isOk()) return ws_try_s_.status();                                                    \
    } while (0)
