// safetensors reader: mmap, JSON header, offsets and sizes validated before any tensor is touched.
#include "model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

namespace ws {

using nlohmann::json;

std::string TensorView::shapeString() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map) munmap(m_map, m_size);
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::open(const std::filesystem::path& path) {
    using R = Result<std::unique_ptr<SafetensorsFile>>;
    const std::string fname = path.filename().string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return R(Code::NotFound, path.string() + ": cannot open: " + std::strerror(errno));
    struct stat st{};
    if (fstat(fd, &st) != 0) {
        ::close(fd);
        return R(Code::IoError, path.string() + ": cannot stat");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < 8) {
        ::close(fd);
        return R(Code::FormatError, fname + ": truncated: " + std::to_string(size) + " bytes, no header");
    }
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return R(Code::IoError, path.string() + ": mmap failed: " + std::strerror(errno));
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->m_map = map;
    f->m_size = size;
    f->m_name = fname;
    const auto* base = static_cast<const std::byte*>(map);

    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, base, 8); // little-endian on every platform we build for
    if (headerLen > size - 8)
        return R(Code::FormatError, fname + ": header length " + std::to_string(headerLen) +
                                        " exceeds the file size " + std::to_string(size) + " (truncated?)");
    json header;
    try {
        header = json::parse(reinterpret_cast<const char*>(base + 8), reinterpret_cast<const char*>(base + 8 + headerLen));
    } catch (const json::exception& e) {
        return R(Code::FormatError, fname + ": malformed JSON header: " + e.what());
    }
    if (!header.is_object()) return R(Code::FormatError, fname + ": header is not a JSON object");
    const std::byte* data = base + 8 + headerLen;
    const std::size_t dataSize = size - 8 - headerLen;

    std::vector<std::tuple<std::size_t, std::size_t, std::string>> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const std::string& name = it.key();
        const json& t = it.value();
        const std::string where = fname + ": tensor " + name;
        if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
            return R(Code::FormatError, where + ": header entry needs dtype, shape and data_offsets");
        if (!t["dtype"].is_string()) return R(Code::FormatError, where + ": dtype is not a string");
        const auto dtype = parseDType(t["dtype"].get<std::string>());
        if (!dtype)
            return R(Code::Unsupported, where + ": unsupported dtype " + t["dtype"].get<std::string>() +
                                            " (supported: F32, BF16, F16, F8_E4M3)");
        TensorView v;
        v.name = name;
        v.dtype = *dtype;
        v.file = fname;
        const json& shape = t["shape"];
        if (!shape.is_array()) return R(Code::FormatError, where + ": shape is not an array");
        std::uint64_t numel = 1;
        for (const auto& d : shape) {
            if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (1ULL << 40))
                return R(Code::FormatError, where + ": bad shape " + shape.dump());
            v.shape.push_back(d.get<std::int64_t>());
            numel *= d.get<std::uint64_t>();
            if (numel > (1ULL << 44)) return R(Code::FormatError, where + ": shape too large " + shape.dump());
        }
        const json& off = t["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            return R(Code::FormatError, where + ": data_offsets must be two unsigned integers");
        const auto begin = off[0].get<std::uint64_t>();
        const auto end = off[1].get<std::uint64_t>();
        if (begin > end || end > dataSize)
            return R(Code::FormatError, where + ": data_offsets [" + std::to_string(begin) + ", " +
                                            std::to_string(end) + "] lie outside the data (" +
                                            std::to_string(dataSize) + " bytes; file truncated?)");
        const std::uint64_t expected = numel * dtypeSize(v.dtype);
        if (end - begin != expected)
            return R(Code::FormatError, where + ": " + std::to_string(end - begin) + " bytes for " +
                                            std::string(dtypeName(v.dtype)) + " " + v.shapeString() +
                                            ", expected " + std::to_string(expected));
        v.data = data + begin;
        v.nbytes = expected;
        ranges.emplace_back(begin, end, name);
        f->m_tensors.emplace(name, std::move(v));
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
        if (std::get<0>(ranges[i]) < std::get<1>(ranges[i - 1]))
            return R(Code::FormatError, fname + ": tensors " + std::get<2>(ranges[i - 1]) + " and " +
                                            std::get<2>(ranges[i]) + " overlap in the data section at byte " +
                                            std::to_string(std::get<0>(ranges[i])));
    return f;
}

Result<TensorStore> TensorStore::open(const std::filesystem::path& dir, const Progress& progress) {
    TensorStore store;
    if (Status st = openInto(store, dir, progress, nullptr); !st) return st;
    return store;
}

TensorStore TensorStore::openCollecting(const std::filesystem::path& dir, std::vector<Status>& problems) {
    TensorStore store;
    (void)openInto(store, dir, {}, &problems); // with `problems` it never fails: everything went there
    return store;
}

Status TensorStore::openInto(TensorStore& store, const std::filesystem::path& dir, const Progress& progress,
                             std::vector<Status>* problems) {
    namespace fs = std::filesystem;
    // note(): records a problem; true when the caller must stop (open() stops at the first one).
    Status first;
    const auto note = [&](Status s) {
        if (!problems) {
            first = std::move(s);
            return true;
        }
        problems->push_back(std::move(s));
        return false;
    };
    const auto index = dir / "model.safetensors.index.json";
    std::vector<std::string> files;
    std::map<std::string, std::string> weightMap;
    std::error_code ec;
    if (fs::exists(index, ec)) {
        std::ifstream in(index, std::ios::binary);
        if (!in) {
            note({Code::IoError, index.string() + ": cannot open"});
            return first;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        json j;
        try {
            j = json::parse(ss.str());
        } catch (const json::exception& e) {
            note({Code::FormatError, index.string() + ": malformed JSON: " + e.what()});
            return first;
        }
        if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
            note({Code::FormatError, index.string() + ": field 'weight_map' is missing"});
            return first;
        }
        std::set<std::string> seen;
        for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
            if (!it.value().is_string()) {
                if (note({Code::FormatError, index.string() + ": weight_map entry " + it.key() + " is not a file name"}))
                    return first;
                continue;
            }
            const auto file = it.value().get<std::string>();
            if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
                if (note({Code::FormatError, index.string() + ": shard name " + file + " must be a plain file name"}))
                    return first;
                continue;
            }
            weightMap[it.key()] = file;
            if (seen.insert(file).second) files.push_back(file);
        }
        if (files.empty() && note({Code::FormatError, index.string() + ": weight_map lists no tensors"})) return first;
    } else if (fs::exists(dir / "model.safetensors", ec)) {
        files.push_back("model.safetensors");
    } else {
        // Name what is there instead (shards without their index, another file name), if anything.
        std::vector<std::string> others;
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.path().extension() == ".safetensors") others.push_back(e.path().filename().string());
        std::sort(others.begin(), others.end());
        std::string found;
        for (std::size_t i = 0; i < others.size() && i < 3; ++i) found += (i ? ", " : "") + others[i];
        if (others.size() > 3) found += ", …";
        note({Code::NotFound, (dir / "model.safetensors").string() + ": missing (and no model.safetensors.index.json" +
                                  (others.empty() ? std::string(")")
                                                  : "; the folder has " + std::to_string(others.size()) +
                                                        " other .safetensors file(s): " + found + ")")});
        return first;
    }
    std::set<std::string> opened;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string& name = files[i];
        if (!weightMap.empty() && !fs::exists(dir / name, ec)) {
            if (note({Code::NotFound, (dir / name).string() + ": missing (listed in model.safetensors.index.json)"}))
                return first;
            continue;
        }
        auto f = SafetensorsFile::open(dir / name);
        if (!f) {
            if (note(f.status())) return first;
            continue;
        }
        opened.insert(name);
        store.m_files.push_back(std::shared_ptr<SafetensorsFile>(std::move(f.value())));
        store.m_regions.emplace_back(store.m_files.back()->mapped(), store.m_files.back()->fileSize());
        for (const auto& [tname, view] : store.m_files.back()->tensors()) {
            auto [it, inserted] = store.m_index.emplace(tname, &view);
            if (!inserted && note({Code::FormatError, name + ": tensor " + tname + " also appears in " + it->second->file}))
                return first;
        }
        if (progress && !progress(i + 1, files.size()))
            return {Code::Cancelled, dir.string() + ": cancelled while reading the safetensors headers"};
    }
    // Tensors the index places in a file that lacks them: one problem per file, naming the first.
    std::map<std::string, std::pair<std::string, std::size_t>> absent; // file → (first tensor, count)
    for (const auto& [tname, file] : weightMap) {
        if (!opened.count(file) || store.m_index.count(tname)) continue;
        auto [it, inserted] = absent.emplace(file, std::make_pair(tname, std::size_t{0}));
        ++it->second.second;
    }
    for (const auto& [file, what] : absent) {
        const std::string more = what.second > 1 ? " (and " + std::to_string(what.second - 1) + " more)" : "";
        if (note({Code::FormatError,
                  index.string() + ": lists tensor " + what.first + " in " + file + ", which does not contain it" + more}))
            return first;
    }
    return first;
}

Result<TensorStore> TensorStore::fromViews(std::vector<std::shared_ptr<const void>> owners,
                                           std::vector<std::pair<const std::byte*, std::size_t>> regions,
                                           std::vector<TensorView> views) {
    TensorStore store;
    store.m_owners = std::move(owners);
    store.m_regions = std::move(regions);
    for (TensorView& v : views) {
        store.m_views.push_back(std::move(v));
        const TensorView& kept = store.m_views.back();
        if (!store.m_index.emplace(kept.name, &kept).second)
            return Status{Code::FormatError, kept.file + ": tensor " + kept.name + " appears twice"};
    }
    return store;
}

const TensorView* TensorStore::find(const std::string& name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : it->second;
}

std::size_t TensorStore::totalFileBytes() const {
    std::size_t n = 0;
    for (const auto& r : m_regions) n += r.second;
    return n;
}

namespace {
volatile std::uint8_t g_prefaultSink; // the page reads below must not be optimised away
}

Status TensorStore::prefault(const Progress& progress) const {
    const std::uint64_t total = totalFileBytes();
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    // About 100 progress calls however big the model, each chunk at most 32 MiB and a whole number of pages.
    constexpr std::size_t kMaxChunk = std::size_t{32} << 20;
    std::size_t chunk = static_cast<std::size_t>(total / 100);
    chunk = std::clamp((chunk + page - 1) / page * page, page, kMaxChunk);
    std::uint64_t done = 0;
    std::uint8_t acc = 0;
    for (const auto& [base, size] : m_regions) {
        for (std::size_t off = 0; off < size; off += chunk) {
            const std::size_t n = std::min(chunk, size - off);
            // Advice only (read-ahead); the reads below fault the pages in either way.
            (void)madvise(const_cast<std::byte*>(base + off), n, MADV_WILLNEED);
            for (std::size_t p = 0; p < n; p += page)
                acc = static_cast<std::uint8_t>(acc ^ std::to_integer<std::uint8_t>(base[off + p]));
            done += n;
            if (progress && !progress(done, total))
                return {Code::Cancelled, "cancelled while reading the weights into memory"};
        }
    }
    g_prefaultSink = acc;
    return Status::ok();
}

} // namespace ws
