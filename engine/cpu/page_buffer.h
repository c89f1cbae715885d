// Anonymous memory straight from the kernel for buffers of many megabytes (a layer's latent KV cache, a prefill's
// decompressed K and V): pages are committed when first touched, transparent huge pages are asked for (a 4K-token
// cache of one layer is 2,300 small pages, faulted one by one), and growing moves page tables (mremap) instead of
// copying — a std::vector doubled the cache by allocating, zero-filling and copying all of it, 0.27 s at the first
// decode step after a 4K-token prompt on the 0.85B test model.
#pragma once

#include <cstddef>

namespace ws::cpu {

class PageBuffer {
public:
    PageBuffer() = default;
    ~PageBuffer();
    PageBuffer(PageBuffer&& o) noexcept;
    PageBuffer& operator=(PageBuffer&& o) noexcept;
    PageBuffer(const PageBuffer&) = delete;
    PageBuffer& operator=(const PageBuffer&) = delete;

    /// Grows to at least `bytes` (whole pages), keeping the contents; never shrinks. Bytes past the old size read
    /// as zero. Throws std::bad_alloc when the system refuses the memory.
    void grow(std::size_t bytes);
    /// Gives every page back; the buffer is then empty.
    void release();
    std::size_t bytes() const { return m_bytes; }
    float* floats() const { return static_cast<float*>(m_data); }

private:
    void* m_data = nullptr;
    std::size_t m_bytes = 0;
};

} // namespace ws::cpu
