// Memory-mapped safetensors files and the set of them that makes a checkpoint (single file or sharded index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/dtype.h"
#include "whalesong/status.h"

namespace ws {

/// One tensor inside a mapped file. `data` stays valid while the owning SafetensorsFile lives.
struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape; // PyTorch order, outermost first
    const std::byte* data = nullptr;
    std::size_t nbytes = 0;
    std::string file; // file name, for messages

    std::int64_t numel() const {
        std::int64_t n = 1;
        for (auto d : shape) n *= d;
        return n;
    }
    std::string shapeString() const;
};

/// A read-only mmap of one .safetensors file with its header parsed and every offset checked.
class SafetensorsFile {
public:
    static Result<std::unique_ptr<SafetensorsFile>> open(const std::filesystem::path& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::map<std::string, TensorView>& tensors() const { return m_tensors; }
    std::size_t fileSize() const { return m_size; }
    /// The whole mapping, header included.
    const std::byte* mapped() const { return static_cast<const std::byte*>(m_map); }
    const std::string& fileName() const { return m_name; } ///< for messages

private:
    SafetensorsFile() = default;
    void* m_map = nullptr;
    std::size_t m_size = 0;
    std::string m_name;
    std::map<std::string, TensorView> m_tensors;
};

/// All tensors of a model folder: model.safetensors, or the shards listed in model.safetensors.index.json.
class TensorStore {
public:
    /// (units done, units in all); returning false cancels with Code::Cancelled.
    using Progress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

    /// Maps every file and checks every header; `progress` is called after each file (units: files).
    static Result<TensorStore> open(const std::filesystem::path& dir, const Progress& progress = {});
    /// Like open(), but goes on past a bad, missing or unlisted shard and appends every problem to `problems`.
    /// The store holds the files that opened; it is complete only when no problem was appended.
    static TensorStore openCollecting(const std::filesystem::path& dir, std::vector<Status>& problems);
    /// A store over tensors that live in other mappings (a GGUF set): `owners` keep them alive, `regions` are
    /// the whole mapped files (for totalFileBytes and prefault), `views` are named as the Hugging Face checkpoint
    /// names them. Fails on a duplicate name.
    static Result<TensorStore> fromViews(std::vector<std::shared_ptr<const void>> owners,
                                         std::vector<std::pair<const std::byte*, std::size_t>> regions,
                                         std::vector<TensorView> views);
    /// nullptr when absent.
    const TensorView* find(const std::string& name) const;
    const std::map<std::string, const TensorView*>& all() const { return m_index; }
    std::size_t totalFileBytes() const;
    /// Reads one byte of every page of every file (madvise(MADV_WILLNEED) first, a chunk at a time), so that
    /// later reads do not fault; `progress` is called after each chunk (units: bytes).
    Status prefault(const Progress& progress = {}) const;

private:
    /// The body of open() and openCollecting(): with `problems` null it stops at the first problem and returns it.
    static Status openInto(TensorStore& store, const std::filesystem::path& dir, const Progress& progress,
                           std::vector<Status>* problems);
    std::vector<std::shared_ptr<SafetensorsFile>> m_files;
    std::vector<std::shared_ptr<const void>> m_owners;                 // fromViews: what keeps the data mapped
    std::vector<std::pair<const std::byte*, std::size_t>> m_regions; // every mapped file, whole
    std::deque<TensorView> m_views;                                   // fromViews: the views (stable addresses)
    std::map<std::string, const TensorView*> m_index;
};

} // namespace ws
