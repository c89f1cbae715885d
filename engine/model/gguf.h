// GGUF reader (ggml docs/gguf.md, versions 2 and 3): mmap, typed metadata, tensor table; split sets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/dtype.h"
#include "whalesong/status.h"

namespace ws {

/// One metadata value. Arrays of strings and of numbers are kept; nested arrays are refused at parse.
struct GgufValue {
    enum class Kind { UInt, Int, Float, Bool, String, StringArray, NumberArray };
    Kind kind = Kind::UInt;
    std::uint32_t ggufType = 0; ///< the file's value type (for messages); arrays: the element type
    std::uint64_t u = 0;
    std::int64_t i = 0;
    double f = 0;
    bool b = false;
    std::string str;
    std::vector<std::string> strings;
    std::vector<double> numbers; ///< every numeric array element, converted (exact for |x| < 2^53)

    /// "uint32", "string", "array[string]" …, for messages.
    std::string typeName() const;
};

/// One tensor of a GGUF file: ggml's `ne` order (ne[0] innermost, the row length).
struct GgufTensor {
    std::string name;
    std::uint32_t ggmlType = 0;
    std::optional<DType> dtype; ///< empty for a ggml type the engine cannot run (named in errors by ggmlTypeName)
    std::vector<std::int64_t> ne;
    const std::byte* data = nullptr;
    std::size_t nbytes = 0;
    std::string file; ///< file name, for messages
};

/// ggml's name of a tensor type id ("q4_K", "iq2_xxs"), or "type N" when unknown.
std::string ggmlTypeName(std::uint32_t type);
/// The engine's DType for a ggml type id, if it runs it.
std::optional<DType> dtypeFromGgml(std::uint32_t type);

/// A read-only mmap of one .gguf file, every header field and tensor range checked. Immutable; thread-safe.
class GgufFile {
public:
    static Result<std::shared_ptr<GgufFile>> open(const std::filesystem::path& path);
    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::map<std::string, GgufValue>& metadata() const { return m_meta; }
    const GgufValue* find(const std::string& key) const;
    const std::vector<GgufTensor>& tensors() const { return m_tensors; }
    std::uint32_t version() const { return m_version; }
    std::size_t fileSize() const { return m_size; }
    const std::byte* mapped() const { return static_cast<const std::byte*>(m_map); }
    const std::string& fileName() const { return m_name; }

private:
    GgufFile() = default;
    void* m_map = nullptr;
    std::size_t m_size = 0;
    std::string m_name;
    std::uint32_t m_version = 0;
    std::map<std::string, GgufValue> m_meta;
    std::vector<GgufTensor> m_tensors;
};

/// A model as one .gguf file or a split set (`name-00001-of-00003.gguf` …, opened from the first part): the
/// metadata of the first part, the tensors of all parts.
class GgufSet {
public:
    /// Opens `path` and, when it is the first part of a split set, every other part (each checked: split.no,
    /// split.count; a missing part is named).
    static Result<GgufSet> open(const std::filesystem::path& path);

    const GgufFile& first() const { return *m_files.front(); }
    const std::vector<std::shared_ptr<GgufFile>>& files() const { return m_files; }
    /// Every tensor of every part, by name.
    const std::map<std::string, const GgufTensor*>& tensors() const { return m_index; }
    std::uint64_t totalFileBytes() const;
    /// The path given to open(), for messages.
    const std::string& path() const { return m_path; }

private:
    std::vector<std::shared_ptr<GgufFile>> m_files;
    std::map<std::string, const GgufTensor*> m_index;
    std::string m_path;
};

/// Whether `path` names a GGUF file (by its extension; the magic is checked on open).
bool isGgufPath(const std::filesystem::path& path);

} // namespace ws
