// TableMemory: zero-filled memory for a table far larger than the caches, looked up at random
// (the snapshot index's slots and records, which a plan of a million people probes millions of
// times).
//
// From 2 MiB up it is a mapping of its own that asks the kernel for transparent huge pages
// (madvise MADV_HUGEPAGE; Debian's default THP mode, "madvise", gives them only on request). A
// lookup then needs one 2 MiB page in the TLB rather than one of 4 KiB: a table of 25 MiB spans
// 13 TLB entries instead of 6,400, and the page walk each miss costs (doubled under a virtual
// machine) is mostly saved; first touching the table takes one fault per 2 MiB rather than 512.
// Where THP is off, or no huge page is free, the advice changes nothing and the pages are small.
// Below 2 MiB it comes from malloc.
//
// Thread-safety: a plain value (move only); concurrent reads and writes of distinct bytes are the
// owner's to order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

namespace hrsync {

class TableMemory {
 public:
  // Tables from this size up are mapped on their own, with the advice.
  static constexpr std::size_t kMappedFrom = std::size_t{2} << 20;

  TableMemory() = default;
  // `bytes` zero bytes. Throws std::bad_alloc when there is no memory.
  explicit TableMemory(std::size_t bytes);
  TableMemory(TableMemory&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  TableMemory& operator=(TableMemory&& other) noexcept;
  TableMemory(const TableMemory&) = delete;
  TableMemory& operator=(const TableMemory&) = delete;
  ~TableMemory() { release(); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Grows to `bytes` (never shrinks), keeping the content; the bytes added are zero. Throws
  // std::bad_alloc when there is no memory, leaving the table as it was.
  void grow(std::size_t bytes);

  // Whether a table of `bytes` is mapped on its own with the huge-page advice.
  static bool mapped(std::size_t bytes) { return bytes >= kMappedFrom; }

 private:
  void release();

  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// A fixed number of zero-initialised values of a trivially copyable type, in TableMemory.
template <typename T>
class TableArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  TableArray() = default;
  explicit TableArray(std::size_t n) : memory_(n * sizeof(T)), size_(n) {}

  T* data() { return reinterpret_cast<T*>(memory_.data()); }
  const T* data() const { return reinterpret_cast<const T*>(memory_.data()); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t bytes() const { return memory_.size(); }

  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }

 private:
  TableMemory memory_;
  std::size_t size_ = 0;
};

// Loads the cache line holding `p`, so that a lookup soon after finds it in the caches. A load,
// not a prefetch hint, where hints were seen not to arrive: with a hint, the one-owner tables'
// claims still waited on their first line (bench_plan's profile, bench/README.md), with a load
// they did not; independent loads overlap all the same.
inline void load_line(const void* p) { (void)*static_cast<const volatile char*>(p); }

}  // namespace hrsync
