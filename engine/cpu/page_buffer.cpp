#include "cpu/page_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <utility>

namespace ws::cpu {

namespace {
std::size_t pageRound(std::size_t bytes) {
    static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return (bytes + page - 1) / page * page;
}
// Huge pages where the kernel has them for the asking (THP "madvise" or "always"); only a hint: without them the
// buffer works the same with small pages.
void preferHugePages(void* p, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
    static_cast<void>(madvise(p, bytes, MADV_HUGEPAGE));
#else
    static_cast<void>(p);
    static_cast<void>(bytes);
#endif
}
} // namespace

PageBuffer::~PageBuffer() { release(); }

PageBuffer::PageBuffer(PageBuffer&& o) noexcept
    : m_data(std::exchange(o.m_data, nullptr)), m_bytes(std::exchange(o.m_bytes, 0)) {}

PageBuffer& PageBuffer::operator=(PageBuffer&& o) noexcept {
    if (this != &o) {
        release();
        m_data = std::exchange(o.m_data, nullptr);
        m_bytes = std::exchange(o.m_bytes, 0);
    }
    return *this;
}

void PageBuffer::grow(std::size_t bytes) {
    if (bytes <= m_bytes) return;
    const std::size_t want = pageRound(bytes);
    void* p = m_data ? mremap(m_data, m_bytes, want, MREMAP_MAYMOVE)
                     : mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc(); // the old mapping, if any, is untouched
    m_data = p;
    m_bytes = want;
    preferHugePages(m_data, m_bytes);
}

void PageBuffer::release() {
    if (m_data) munmap(m_data, m_bytes);
    m_data = nullptr;
    m_bytes = 0;
}

} // namespace ws::cpu
