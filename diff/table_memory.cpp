#include "diff/table_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace hrsync {
namespace {

// A fresh anonymous mapping of `bytes` (zero-filled), advised to use huge pages.
char* map(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: refused where THP is off, and that is fine
  return static_cast<char*>(p);
}

}  // namespace

TableMemory::TableMemory(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  if (mapped(bytes)) {
    data_ = map(bytes);
    return;
  }
  data_ = static_cast<char*>(std::calloc(bytes, 1));
  if (data_ == nullptr) throw std::bad_alloc();
}

TableMemory& TableMemory::operator=(TableMemory&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void TableMemory::grow(std::size_t bytes) {
  if (bytes <= size_) return;
  if (mapped(size_)) {
    // The kernel moves the pages, not their bytes; the pages added are zero, and the mapping
    // keeps its advice.
    void* p = ::mremap(data_, size_, bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
  } else if (mapped(bytes)) {
    char* p = map(bytes);
    if (size_ > 0) std::memcpy(p, data_, size_);
    std::free(data_);
    data_ = p;
  } else {
    auto* p = static_cast<char*>(std::realloc(data_, bytes));
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p + size_, 0, bytes - size_);
    data_ = p;
  }
  size_ = bytes;
}

void TableMemory::release() {
  if (data_ == nullptr) return;
  if (mapped(size_)) {
    ::munmap(data_, size_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

}  // namespace hrsync
