// Memory-mapped safetensors files and the set of them that makes a checkpoint (single file or sharded index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
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

private:
    SafetensorsFile() = default;
    void* m_map = nullptr;
    std::size_t m_size = 0;
    std::map<std::string, TensorView> m_tensors;
};

/// All tensors of a model folder: model.safetensors, or the shards listed in model.safetensors.index.json.
class TensorStore {
public:
    static Result<TensorStore> open(const std::filesystem::path& dir);
    /// nullptr when absent.
    const TensorView* find(const std::string& name) const;
    const std::map<std::string, const TensorView*>& all() const { return m_index; }
    std::size_t totalFileBytes() const;

private:
    std::vector<std::shared_ptr<SafetensorsFile>> m_files;
    std::map<std::string, const TensorView*> m_index;
};

} // namespace ws
