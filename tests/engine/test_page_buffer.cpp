// The CPU backend's page-granular buffers (KV cache layers, a prompt's decompressed K/V): growth keeps what was
// written and reads zeros beyond it, a refused growth changes nothing, ownership moves.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>
#include <random>
#include <utility>
#include <vector>

#include "cpu/page_buffer.h"

namespace {

std::vector<float> randomFloats(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

TEST(PageBuffer, GrowthKeepsContentsAndZeroFillsTheRest) {
    ws::cpu::PageBuffer b;
    EXPECT_EQ(b.bytes(), 0u);
    EXPECT_EQ(b.floats(), nullptr);
    b.grow(1000 * sizeof(float));
    ASSERT_GE(b.bytes(), 1000 * sizeof(float));
    for (std::size_t i = 0; i < b.bytes() / sizeof(float); ++i) ASSERT_EQ(b.floats()[i], 0.0f) << i;
    const auto data = randomFloats(1000, 7);
    std::copy(data.begin(), data.end(), b.floats());
    // Far past the first mapping (the kernel may move it): the written floats come along, the new ones are zero.
    const std::size_t big = (std::size_t{48} << 20) / sizeof(float);
    b.grow(big * sizeof(float));
    ASSERT_GE(b.bytes(), big * sizeof(float));
    for (std::size_t i = 0; i < data.size(); ++i) ASSERT_EQ(b.floats()[i], data[i]) << i;
    for (std::size_t i = data.size(); i < big; i += 977) ASSERT_EQ(b.floats()[i], 0.0f) << i;
    const std::size_t had = b.bytes();
    b.grow(16); // never shrinks
    EXPECT_EQ(b.bytes(), had);
    EXPECT_EQ(b.floats()[999], data[999]);
}

TEST(PageBuffer, RefusedGrowthThrowsAndKeepsTheBuffer) {
    ws::cpu::PageBuffer b;
    b.grow(4096);
    b.floats()[3] = 2.5f;
    float* const before = b.floats();
    EXPECT_THROW(b.grow(std::size_t{1} << 62), std::bad_alloc);
    EXPECT_EQ(b.floats(), before);
    EXPECT_GE(b.bytes(), 4096u);
    EXPECT_EQ(b.floats()[3], 2.5f);
}

TEST(PageBuffer, MovesOwnershipAndReleases) {
    ws::cpu::PageBuffer a;
    a.grow(8192);
    a.floats()[100] = -1.25f;
    const std::size_t bytes = a.bytes();
    ws::cpu::PageBuffer b(std::move(a));
    EXPECT_EQ(a.floats(), nullptr); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    EXPECT_EQ(a.bytes(), 0u);
    EXPECT_EQ(b.floats()[100], -1.25f);
    ws::cpu::PageBuffer c;
    c.grow(4096);
    c = std::move(b);
    EXPECT_EQ(c.floats()[100], -1.25f);
    EXPECT_EQ(c.bytes(), bytes);
    c.release();
    EXPECT_EQ(c.floats(), nullptr);
    EXPECT_EQ(c.bytes(), 0u);
    c.grow(4096); // usable again
    EXPECT_EQ(c.floats()[0], 0.0f);
}

} // namespace
