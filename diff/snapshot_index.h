// SnapshotIndex: the last applied content hash of every entity of one target, in memory.
//
// The planner fills an index from the snapshot (SnapshotStore::for_each_hash), then looks up the
// key of every desired document with take(), which marks it seen. Keys never taken at the end are
// the entities gone from the source (for_each_unseen). A plan looks up millions of keys, so the
// index is compact: the keys live in one arena, each record beside its stored hash and its seen
// flag, and an open-addressing table of 8-byte slots (a 32-bit tag of the key's hash and the
// record's position) finds them; the tag also picks the slot (scaled to the table's size), so
// growing the table never reads a key again. One key costs 11 bytes of table when reserved (any
// size, at most 3/4 full), up to 22 when it grew, plus 12 bytes and the key's length, rounded up
// to 8, of arena: about 35 bytes for a 10-byte key.
//
// Keys are visited by for_each_unseen in the order they were added (the snapshot gives them in
// key order). The index owns its memory; string_views it hands out live until it is changed.
//
// Thread-safety: one thread at a time (take() writes the seen flag).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace hrsync {

class SnapshotIndex {
 public:
  // Hashes a key. The default is XXH3-64; tests pass a weak one to force collisions.
  using KeyHash = std::uint64_t (*)(std::string_view key);

  SnapshotIndex();
  explicit SnapshotIndex(KeyHash key_hash);

  // Makes room for `keys` more keys of about `average_key_bytes` each, so adding them does not
  // regrow (SnapshotStore::count gives the number before filling).
  void reserve(std::size_t keys, std::size_t average_key_bytes = 12);

  // Adds `key` with its last applied `hash`, unseen. Returns false, and keeps the first hash,
  // iff the key was already there.
  bool add(std::string_view key, std::uint64_t hash);

  // The hash of `key` iff it is in the index; marks it seen. Taking a key twice returns its hash
  // both times (duplicate keys are the planner's to refuse).
  std::optional<std::uint64_t> take(std::string_view key);

  // The hash of `key` iff it is in the index, without marking it.
  std::optional<std::uint64_t> find(std::string_view key) const;

  // Calls fn(std::string_view key, std::uint64_t hash) for every key never taken, in the order
  // the keys were added.
  template <typename F>
  void for_each_unseen(F&& fn) const;

  std::size_t size() const { return size_; }
  std::size_t seen() const { return seen_; }
  bool empty() const { return size_ == 0; }

  // Bytes held by the table and the arena (capacity, not just what is used).
  std::size_t memory_bytes() const;

 private:
  // An arena record: [hash: 8 bytes][length and seen flag: 4 bytes][key bytes], padded to 8.
  static constexpr std::size_t kHeader = 12;
  static constexpr std::uint32_t kSeenBit = 0x8000'0000u;

  // The slot holding `key` (hash `h`), or the empty slot where it would go.
  std::size_t find_slot(std::string_view key, std::uint64_t h) const;
  // The record at `unit` (in 8-byte units) holds `key`.
  bool record_has_key(std::size_t unit, std::string_view key) const;
  // Doubles the table and places every record again.
  void rehash(std::size_t slot_count);

  static std::uint64_t read64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static std::uint32_t read32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  KeyHash key_hash_;
  std::vector<std::uint64_t> slots_;  // 0: empty; else tag << 32 | (arena unit + 1)
  std::vector<char> arena_;           // records, each starting at a multiple of 8 bytes
  std::size_t size_ = 0;
  std::size_t seen_ = 0;
};

template <typename F>
void SnapshotIndex::for_each_unseen(F&& fn) const {
  const char* p = arena_.data();
  const char* end = p + arena_.size();
  while (p < end) {
    const std::uint32_t len_seen = read32(p + 8);
    const std::uint32_t len = len_seen & ~kSeenBit;
    if ((len_seen & kSeenBit) == 0) fn(std::string_view(p + kHeader, len), read64(p));
    p += (kHeader + len + 7) & ~std::size_t{7};
  }
}

}  // namespace hrsync
