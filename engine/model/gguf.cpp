// GGUF reader: mmap, then every count, length, offset and size checked against the file before use.
#include "model/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>

#include "tokenizer/utf8.h"

namespace ws {
namespace {

constexpr std::uint32_t kMagic = 0x46554747; // "GGUF" read as a little-endian uint32
constexpr std::uint64_t kMaxString = std::uint64_t{1} << 30;
constexpr std::uint64_t kMaxDims = 4;

// Metadata value types (gguf.md).
enum : std::uint32_t {
    kU8, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kString, kArray, kU64, kI64, kF64, kValueTypes
};

constexpr std::array<const char*, kValueTypes> kValueTypeNames = {
    "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64",
    "int64", "float64"};

struct GgufError {
    Status status;
};

/// Bounds-checked little-endian reads over the mapping; every failure names the file and what was being read.
class Cursor {
public:
    Cursor(const std::byte* base, std::size_t size, const std::string& file) : m_base(base), m_size(size), m_file(file) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw GgufError{{Code::FormatError, m_file + ": " + what}};
    }
    void need(std::uint64_t n, const std::string& what) const {
        if (n > m_size - m_pos)
            fail("truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(m_pos) +
                 ", the file has " + std::to_string(m_size - m_pos) + " left");
    }
    template <class T> T read(const std::string& what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_base + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    /// A length-prefixed UTF-8 string; `what` (and `[index]` when index >= 0) names it in messages only.
    std::string string(const std::string& what, std::int64_t index = -1) {
        const auto name = [&] { return index < 0 ? what : what + "[" + std::to_string(index) + "]"; };
        if (8 > m_size - m_pos) need(8, name() + " (length)");
        std::uint64_t n;
        std::memcpy(&n, m_base + m_pos, 8);
        m_pos += 8;
        if (n > kMaxString) fail(name() + ": string length " + std::to_string(n) + " is implausible");
        if (n > m_size - m_pos) need(n, name());
        std::string s(reinterpret_cast<const char*>(m_base + m_pos), static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        if (!detail::isValidUtf8(s)) fail(name() + ": not valid UTF-8");
        return s;
    }
    std::size_t pos() const { return m_pos; }
    std::size_t size() const { return m_size; }

private:
    const std::byte* m_base;
    std::size_t m_size;
    std::size_t m_pos = 0;
    const std::string& m_file;
};

double readNumber(Cursor& c, std::uint32_t type, const std::string& what) {
    switch (type) {
    case kU8: return c.read<std::uint8_t>(what);
    case kI8: return c.read<std::int8_t>(what);
    case kU16: return c.read<std::uint16_t>(what);
    case kI16: return c.read<std::int16_t>(what);
    case kU32: return c.read<std::uint32_t>(what);
    case kI32: return c.read<std::int32_t>(what);
    case kF32: return c.read<float>(what);
    case kBool: return c.read<std::uint8_t>(what) != 0 ? 1.0 : 0.0;
    case kU64: return static_cast<double>(c.read<std::uint64_t>(what));
    case kI64: return static_cast<double>(c.read<std::int64_t>(what));
    case kF64: return c.read<double>(what);
    default: c.fail(what + ": unknown value type " + std::to_string(type));
    }
}

GgufValue readValue(Cursor& c, std::uint32_t type, const std::string& key) {
    GgufValue v;
    v.ggufType = type;
    const std::string what = "metadata " + key;
    switch (type) {
    case kU8: case kU16: case kU32: case kU64:
        v.kind = GgufValue::Kind::UInt;
        v.u = type == kU8 ? c.read<std::uint8_t>(what) : type == kU16 ? c.read<std::uint16_t>(what)
              : type == kU32 ? c.read<std::uint32_t>(what) : c.read<std::uint64_t>(what);
        break;
    case kI8: case kI16: case kI32: case kI64:
        v.kind = GgufValue::Kind::Int;
        v.i = type == kI8 ? c.read<std::int8_t>(what) : type == kI16 ? c.read<std::int16_t>(what)
              : type == kI32 ? c.read<std::int32_t>(what) : c.read<std::int64_t>(what);
        break;
    case kF32: case kF64:
        v.kind = GgufValue::Kind::Float;
        v.f = type == kF32 ? c.read<float>(what) : c.read<double>(what);
        break;
    case kBool: {
        v.kind = GgufValue::Kind::Bool;
        const auto b = c.read<std::uint8_t>(what);
        if (b > 1) c.fail(what + ": bool value " + std::to_string(b));
        v.b = b != 0;
        break;
    }
    case kString:
        v.kind = GgufValue::Kind::String;
        v.str = c.string(what);
        break;
    case kArray: {
        const auto elem = c.read<std::uint32_t>(what + " (array type)");
        const auto n = c.read<std::uint64_t>(what + " (array length)");
        v.ggufType = elem;
        if (elem == kArray) c.fail(what + ": nested arrays are not supported");
        if (elem >= kValueTypes) c.fail(what + ": unknown array element type " + std::to_string(elem));
        // Every element takes at least one byte (a string eight): a length beyond what is left is a lie.
        if (n > (c.size() - c.pos()) / (elem == kString ? 8 : 1))
            c.fail(what + ": array length " + std::to_string(n) + " exceeds the file");
        if (elem == kString) {
            v.kind = GgufValue::Kind::StringArray;
            v.strings.reserve(static_cast<std::size_t>(n));
            for (std::uint64_t k = 0; k < n; ++k) v.strings.push_back(c.string(what, static_cast<std::int64_t>(k)));
        } else {
            v.kind = GgufValue::Kind::NumberArray;
            v.numbers.reserve(static_cast<std::size_t>(n));
            for (std::uint64_t k = 0; k < n; ++k) v.numbers.push_back(readNumber(c, elem, what));
        }
        break;
    }
    default: c.fail(what + ": unknown value type " + std::to_string(type));
    }
    return v;
}

struct GgmlTypeInfo {
    const char* name;
    int blockElems; // 0: size unknown to us
    int blockBytes;
};

GgmlTypeInfo ggmlTypeInfo(std::uint32_t t) {
    switch (t) {
    case 0: return {"f32", 1, 4};
    case 1: return {"f16", 1, 2};
    case 2: return {"q4_0", 32, 18};
    case 3: return {"q4_1", 32, 20};
    case 6: return {"q5_0", 32, 22};
    case 7: return {"q5_1", 32, 24};
    case 8: return {"q8_0", 32, 34};
    case 9: return {"q8_1", 32, 36};
    case 10: return {"q2_K", 256, 84};
    case 11: return {"q3_K", 256, 110};
    case 12: return {"q4_K", 256, 144};
    case 13: return {"q5_K", 256, 176};
    case 14: return {"q6_K", 256, 210};
    case 15: return {"q8_K", 256, 292};
    case 16: return {"iq2_xxs", 256, 66};
    case 17: return {"iq2_xs", 256, 74};
    case 18: return {"iq3_xxs", 256, 98};
    case 19: return {"iq1_s", 256, 50};
    case 20: return {"iq4_nl", 32, 18};
    case 21: return {"iq3_s", 256, 110};
    case 22: return {"iq2_s", 256, 82};
    case 23: return {"iq4_xs", 256, 136};
    case 24: return {"i8", 1, 1};
    case 25: return {"i16", 1, 2};
    case 26: return {"i32", 1, 4};
    case 27: return {"i64", 1, 8};
    case 28: return {"f64", 1, 8};
    case 29: return {"iq1_m", 256, 56};
    case 30: return {"bf16", 1, 2};
    case 34: return {"tq1_0", 256, 54};
    case 35: return {"tq2_0", 256, 66};
    case 39: return {"mxfp4", 32, 17};
    default: return {nullptr, 0, 0};
    }
}

} // namespace

std::string GgufValue::typeName() const {
    const auto name = [](std::uint32_t t) { return t < kValueTypes ? std::string(kValueTypeNames[t]) : "type " + std::to_string(t); };
    if (kind == Kind::StringArray || kind == Kind::NumberArray) return "array[" + name(ggufType) + "]";
    return name(ggufType);
}

std::string ggmlTypeName(std::uint32_t type) {
    const GgmlTypeInfo info = ggmlTypeInfo(type);
    return info.name ? info.name : "type " + std::to_string(type);
}

std::optional<DType> dtypeFromGgml(std::uint32_t type) {
    switch (type) {
    case 0: return DType::F32;
    case 1: return DType::F16;
    case 30: return DType::BF16;
    case 2: return DType::Q4_0;
    case 3: return DType::Q4_1;
    case 6: return DType::Q5_0;
    case 7: return DType::Q5_1;
    case 8: return DType::Q8_0;
    case 10: return DType::Q2_K;
    case 11: return DType::Q3_K;
    case 12: return DType::Q4_K;
    case 13: return DType::Q5_K;
    case 14: return DType::Q6_K;
    case 23: return DType::IQ4_XS;
    case 20: return DType::IQ4_NL;
    default: return std::nullopt;
    }
}

bool isGgufPath(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return ext == ".gguf";
}

GgufFile::~GgufFile() {
    if (m_map) munmap(m_map, m_size);
}

const GgufValue* GgufFile::find(const std::string& key) const {
    const auto it = m_meta.find(key);
    return it == m_meta.end() ? nullptr : &it->second;
}

Result<std::shared_ptr<GgufFile>> GgufFile::open(const std::filesystem::path& path) {
    using R = Result<std::shared_ptr<GgufFile>>;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return R(Code::NotFound, path.string() + ": cannot open: " + std::strerror(errno));
    struct stat st{};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return R(Code::IoError, path.string() + ": not a regular file");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < 24) {
        ::close(fd);
        return R(Code::FormatError, path.string() + ": truncated: " + std::to_string(size) + " bytes, no GGUF header");
    }
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return R(Code::IoError, path.string() + ": mmap failed: " + std::strerror(errno));
    std::shared_ptr<GgufFile> f(new GgufFile());
    f->m_map = map;
    f->m_size = size;
    f->m_name = path.string();
    const auto* base = static_cast<const std::byte*>(map);
    Cursor c(base, size, f->m_name);
    try {
        if (c.read<std::uint32_t>("magic") != kMagic) c.fail("not a GGUF file (bad magic)");
        f->m_version = c.read<std::uint32_t>("version");
        if (f->m_version != 2 && f->m_version != 3)
            c.fail("GGUF version " + std::to_string(f->m_version) + " is not supported (2 or 3)");
        const auto nTensors = c.read<std::uint64_t>("tensor count");
        const auto nKv = c.read<std::uint64_t>("metadata count");
        // A key/value takes at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
        if (nKv > size / 13) c.fail("metadata count " + std::to_string(nKv) + " exceeds what the file can hold");
        if (nTensors > size / 32) c.fail("tensor count " + std::to_string(nTensors) + " exceeds what the file can hold");
        for (std::uint64_t k = 0; k < nKv; ++k) {
            std::string key = c.string("metadata key #", static_cast<std::int64_t>(k));
            const auto type = c.read<std::uint32_t>("metadata " + key + " (type)");
            GgufValue v = readValue(c, type, key);
            if (!f->m_meta.emplace(key, std::move(v)).second) c.fail("metadata key " + key + " appears twice");
        }
        std::uint64_t alignment = 32;
        if (const GgufValue* a = f->find("general.alignment")) {
            if (a->kind != GgufValue::Kind::UInt || a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > 65536)
                c.fail("general.alignment must be a power of two up to 65536");
            alignment = a->u;
        }
        struct Info {
            std::uint64_t offset;
        };
        std::vector<Info> offsets;
        std::set<std::string> names;
        for (std::uint64_t k = 0; k < nTensors; ++k) {
            GgufTensor t;
            t.name = c.string("tensor name #", static_cast<std::int64_t>(k));
            const std::string what = "tensor " + t.name;
            if (!names.insert(t.name).second) c.fail(what + " appears twice");
            const auto nd = c.read<std::uint32_t>(what + " (dimensions)");
            if (nd == 0 || nd > kMaxDims) c.fail(what + ": " + std::to_string(nd) + " dimensions (1 to 4 allowed)");
            std::uint64_t numel = 1;
            for (std::uint32_t d = 0; d < nd; ++d) {
                const auto n = c.read<std::uint64_t>(what + " (shape)");
                if (n == 0 || n > (std::uint64_t{1} << 40)) c.fail(what + ": dimension " + std::to_string(n) + " out of range");
                numel *= n;
                if (numel > (std::uint64_t{1} << 44)) c.fail(what + ": shape too large");
                t.ne.push_back(static_cast<std::int64_t>(n));
            }
            t.ggmlType = c.read<std::uint32_t>(what + " (type)");
            t.dtype = dtypeFromGgml(t.ggmlType);
            const GgmlTypeInfo info = ggmlTypeInfo(t.ggmlType);
            if (info.blockElems > 0) {
                if (t.ne[0] % info.blockElems != 0)
                    c.fail(what + ": row length " + std::to_string(t.ne[0]) + " is not a multiple of " + info.name +
                           "'s block of " + std::to_string(info.blockElems));
                t.nbytes = static_cast<std::size_t>(numel / static_cast<std::uint64_t>(info.blockElems) *
                                                    static_cast<std::uint64_t>(info.blockBytes));
            }
            offsets.push_back({c.read<std::uint64_t>(what + " (offset)")});
            t.file = f->m_name;
            f->m_tensors.push_back(std::move(t));
        }
        const std::uint64_t dataStart = (c.pos() + alignment - 1) / alignment * alignment;
        if (dataStart > size && nTensors > 0) c.fail("truncated: the tensor data would start past the end of the file");
        std::vector<std::tuple<std::uint64_t, std::uint64_t, std::size_t>> ranges;
        for (std::size_t k = 0; k < f->m_tensors.size(); ++k) {
            GgufTensor& t = f->m_tensors[k];
            const std::uint64_t off = offsets[k].offset;
            if (off % alignment != 0)
                c.fail("tensor " + t.name + ": offset " + std::to_string(off) + " is not a multiple of the alignment " +
                       std::to_string(alignment));
            if (off > size - dataStart || t.nbytes > size - dataStart - off)
                c.fail("tensor " + t.name + ": data [" + std::to_string(off) + ", +" + std::to_string(t.nbytes) +
                       ") lies past the end of the file (" + std::to_string(size - dataStart) +
                       " data bytes; truncated?)");
            t.data = base + dataStart + off;
            ranges.emplace_back(off, off + t.nbytes, k);
        }
        std::sort(ranges.begin(), ranges.end());
        for (std::size_t k = 1; k < ranges.size(); ++k)
            if (std::get<0>(ranges[k]) < std::get<1>(ranges[k - 1]))
                c.fail("tensors " + f->m_tensors[std::get<2>(ranges[k - 1])].name + " and " +
                       f->m_tensors[std::get<2>(ranges[k])].name + " overlap");
    } catch (const GgufError& e) {
        return R(e.status);
    } catch (const std::bad_alloc&) {
        return R(Code::OutOfMemory, f->m_name + ": out of memory while reading the GGUF header");
    }
    return f;
}

Result<GgufSet> GgufSet::open(const std::filesystem::path& path) {
    GgufSet set;
    set.m_path = path.string();
    auto first = GgufFile::open(path);
    if (!first) return first.status();
    set.m_files.push_back(first.value());
    const GgufFile& f0 = *first.value();
    std::uint64_t count = 1;
    if (const GgufValue* n = f0.find("split.count")) {
        if (n->kind != GgufValue::Kind::UInt || n->u == 0 || n->u > 9999)
            return Status{Code::FormatError, f0.fileName() + ": split.count must be an integer from 1 to 9999"};
        count = n->u;
    }
    if (count > 1) {
        // llama.cpp's split naming: PREFIX-00001-of-00003.gguf (the tail is 20 characters).
        const std::string name = path.filename().string();
        const auto digits = [&](std::size_t at) {
            return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(at), name.begin() + static_cast<std::ptrdiff_t>(at + 5),
                               [](char ch) { return ch >= '0' && ch <= '9'; });
        };
        const std::size_t n = name.size();
        if (n < 21 || name[n - 20] != '-' || !digits(n - 19) || name.compare(n - 14, 4, "-of-") != 0 || !digits(n - 10) ||
            !isGgufPath(name))
            return Status{Code::FormatError, f0.fileName() + ": split.count is " + std::to_string(count) +
                                                 " but the name does not follow PREFIX-00001-of-0000N.gguf"};
        const std::string prefix = name.substr(0, n - 20), partNo = name.substr(n - 19, 5), parts = name.substr(n - 10, 5);
        if (std::stoull(partNo) != 1)
            return Status{Code::InvalidArgument, f0.fileName() + ": is part " + partNo + " of a split set; open part 00001"};
        if (std::stoull(parts) != count)
            return Status{Code::FormatError, f0.fileName() + ": the name says " + parts + " parts, split.count " +
                                                 std::to_string(count)};
        for (std::uint64_t k = 2; k <= count; ++k) {
            char part[64];
            std::snprintf(part, sizeof part, "-%05llu-of-%05llu.gguf", static_cast<unsigned long long>(k),
                          static_cast<unsigned long long>(count));
            const std::filesystem::path p = path.parent_path() / (prefix + part);
            std::error_code ec;
            if (!std::filesystem::exists(p, ec))
                return Status{Code::NotFound, p.string() + ": missing (part " + std::to_string(k) + " of " +
                                                  std::to_string(count) + " of " + path.filename().string() + ")"};
            auto f = GgufFile::open(p);
            if (!f) return f.status();
            const GgufValue* no = f.value()->find("split.no");
            if (!no || no->kind != GgufValue::Kind::UInt || no->u != k - 1)
                return Status{Code::FormatError, p.string() + ": split.no is not " + std::to_string(k - 1)};
            set.m_files.push_back(f.value());
        }
    }
    for (const auto& f : set.m_files)
        for (const GgufTensor& t : f->tensors())
            if (auto [it, inserted] = set.m_index.emplace(t.name, &t); !inserted)
                return Status{Code::FormatError, f->fileName() + ": tensor " + t.name + " also appears in " + it->second->file};
    if (const GgufValue* n = f0.find("split.tensors.count");
        n && n->kind == GgufValue::Kind::UInt && n->u != set.m_index.size())
        return Status{Code::FormatError, f0.fileName() + ": split.tensors.count is " + std::to_string(n->u) + ", the parts hold " +
                                             std::to_string(set.m_index.size())};
    return set;
}

std::uint64_t GgufSet::totalFileBytes() const {
    std::uint64_t n = 0;
    for (const auto& f : m_files) n += f->fileSize();
    return n;
}

} // namespace ws
