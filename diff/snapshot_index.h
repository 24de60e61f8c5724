// SnapshotIndex: the last applied content hash of every entity of one target, in memory.
//
// The planner fills an index from the snapshot (SnapshotStore::for_each_hash), then looks up the
// key of every desired document with take(), which marks it seen. Keys never taken at the end are
// the entities gone from the source (for_each_unseen). A plan looks up millions of keys, so the
// index is compact: the keys live in one arena, each record beside its stored hash and its seen
// flag, and an open-addressing table of 8-byte slots (a 32-bit tag of the key's hash and the
// record's position) finds them; the tag also picks the slot (scaled to the table's size), so
// growing the table never reads a key again. Both live in TableMemory (huge pages where the
// kernel gives them). One key costs 11 bytes of table when reserved (any size, at most 3/4 full),
// up to 22 when it grew, plus 10 bytes and the key's length, rounded up to 4, of arena: about 31
// bytes for a 9-byte key.
//
// An index made with owners (Owners::kKept) also keeps, beside each key, the first claimant of it
// (claim(), 4 bytes more a key): a target whose key is not the source's checks with its own index
// that no two rows give one key the snapshot holds, instead of a table of its own
// (engine/plan/key_owners.h).
//
// Keys are visited by for_each_unseen in the order they were added (the snapshot gives them in
// key order). The index owns its memory; string_views it hands out live until it is changed.
//
// A batch of lookups goes faster in three passes: probe() each key (its hash), prefetch() each,
// prefetch_record() each, then look each up with its probe. A lookup in a table far larger than
// the caches waits on two misses, the slot and then the record; the passes start them for the
// whole batch at once, so that they overlap, and the lookups find both in the caches (a batch of
// 1,024 keys touches about 128 KiB, which a core's second-level cache holds). A caller with more
// to load per key runs the passes a few keys ahead of its lookups instead (KeyOwners::claim_batch).
//
// Thread-safety: one thread at a time (take() writes the seen flag, claim() the claimant), but
// for this: in an index with owners, claim() may run on one thread while take() runs on another
// (the source's duplicate-key check and a target keyed by the source's key, engine/plan/
// duplicate_keys.h): the claimant and the seen flag are bytes of their own, a lookup reads
// neither, and neither call changes the table or the arena's size.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "diff/table_memory.h"

namespace hrsync {

class SnapshotIndex {
 public:
  // Hashes a key. The default is XXH3-64; tests pass a weak one to force collisions.
  using KeyHash = std::uint64_t (*)(std::string_view key);
  // Whether each key keeps its first claimant (claim()).
  enum class Owners : std::uint8_t { kNone, kKept };

  // A key and its hash, for calls that would hash it again: made by this index's probe() (or by
  // an index with the same KeyHash).
  struct Probe {
    std::string_view key;
    std::uint64_t hash;
  };

  SnapshotIndex();
  explicit SnapshotIndex(Owners owners);
  explicit SnapshotIndex(KeyHash key_hash, Owners owners = Owners::kNone);

  // Makes room for `keys` more keys of about `average_key_bytes` each, so adding them does not
  // regrow (SnapshotStore::count gives the number before filling).
  void reserve(std::size_t keys, std::size_t average_key_bytes = 12);

  // Adds `key` with its last applied `hash`, unseen and unclaimed. Returns false, and keeps the
  // first hash, iff the key was already there.
  bool add(std::string_view key, std::uint64_t hash) { return add(probe(key), hash); }
  bool add(const Probe& key, std::uint64_t hash);

  // `key` with its hash.
  Probe probe(std::string_view key) const { return {key, key_hash_(key)}; }

  // Start loading into the caches the table slot of `key`, and (once that slot has had time to
  // arrive) the record it points to. Hints only: neither changes anything, and a table that grows
  // in between makes them useless, not wrong.
  void prefetch(const Probe& key) const;
  void prefetch_record(const Probe& key) const;
  // Both, for a batch: every slot first, then every record.
  void prefetch(std::span<const Probe> keys) const;

  // The hash of `key` iff it is in the index; marks it seen. Taking a key twice returns its hash
  // both times (duplicate keys are the planner's to refuse).
  std::optional<std::uint64_t> take(std::string_view key) { return take(probe(key)); }
  std::optional<std::uint64_t> take(const Probe& key);

  // The hash of `key` iff it is in the index, without marking it.
  std::optional<std::uint64_t> find(std::string_view key) const;

  // Iff `key` is in the index: its first claimant, after making `claimant` it iff it had none.
  // Does not mark the key seen. REQUIRES: made with Owners::kKept, claimant < 2^32 - 1.
  std::optional<std::uint32_t> claim(std::string_view key, std::uint32_t claimant) {
    return claim(probe(key), claimant);
  }
  std::optional<std::uint32_t> claim(const Probe& key, std::uint32_t claimant);

  Owners owners() const { return lenpos_ == kHashBytes ? Owners::kNone : Owners::kKept; }

  // Calls fn(std::string_view key, std::uint32_t claimant) for every key claimed, in the order the
  // keys were added. REQUIRES: made with Owners::kKept.
  template <typename F>
  void for_each_claimed(F&& fn) const;

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
  // An arena record: [hash: 8 bytes][length and seen flag: 2 bytes][key bytes], padded to 4; with
  // owners, [hash: 8][first claimant + 1: 4][seen flag: 1][length: 2][key]. A key of kLongKey
  // bytes or more has kLongKey as its length, and the length in the 4 bytes that follow.
  static constexpr std::size_t kUnit = 4;
  static constexpr std::size_t kHashBytes = 8;
  static constexpr std::size_t kClaimantAt = 8;  // with owners
  static constexpr std::size_t kSeenAt = 12;     // with owners
  static constexpr std::size_t kOwnersLenAt = 13;
  static constexpr std::uint16_t kSeenBit = 0x8000u;
  static constexpr std::uint16_t kLongKey = 0x7fffu;

  bool is_seen(const char* record) const {
    if (lenpos_ == kOwnersLenAt) return record[kSeenAt] != 0;
    return (read16(record + lenpos_) & kSeenBit) != 0;
  }
  void mark_seen(char* record) {
    if (lenpos_ == kOwnersLenAt) {
      record[kSeenAt] = 1;
      return;
    }
    const auto marked = static_cast<std::uint16_t>(read16(record + lenpos_) | kSeenBit);
    std::memcpy(record + lenpos_, &marked, sizeof marked);
  }

  // Where a record's key starts (from the record's start), and its length.
  struct KeyAt {
    std::size_t offset;
    std::size_t length;
  };
  KeyAt key_at(const char* record) const {
    const auto len = static_cast<std::uint16_t>(read16(record + lenpos_) & ~kSeenBit);
    if (len != kLongKey) return {lenpos_ + 2, len};
    return {lenpos_ + 6, read32(record + lenpos_ + 2)};
  }
  static std::size_t record_bytes(KeyAt k) { return (k.offset + k.length + kUnit - 1) & ~(kUnit - 1); }

  // The slot holding `key` (hash `h`), or the empty slot where it would go.
  std::size_t find_slot(std::string_view key, std::uint64_t h) const;
  // The record at `unit` (in kUnit-byte units) holds `key`.
  bool record_has_key(std::size_t unit, std::string_view key) const;
  // Where the record of `key` starts in the arena, or kNoRecord.
  static constexpr std::size_t kNoRecord = ~std::size_t{0};
  std::size_t record_of(const Probe& key) const;
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
  static std::uint16_t read16(const char* p) {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  KeyHash key_hash_;
  TableArray<std::uint64_t> slots_;  // 0: empty; else tag << 32 | (arena unit + 1)
  TableMemory arena_;                // records, each starting at a multiple of kUnit bytes
  std::size_t arena_used_ = 0;       // bytes of arena_ holding records
  std::size_t lenpos_ = kHashBytes;   // where a record's length is: kHashBytes, or kOwnersLenAt
  std::size_t size_ = 0;
  std::size_t seen_ = 0;
};

template <typename F>
void SnapshotIndex::for_each_unseen(F&& fn) const {
  const char* p = arena_.data();
  const char* end = p + arena_used_;
  while (p < end) {
    const KeyAt k = key_at(p);
    if (!is_seen(p)) fn(std::string_view(p + k.offset, k.length), read64(p));
    p += record_bytes(k);
  }
}

template <typename F>
void SnapshotIndex::for_each_claimed(F&& fn) const {
  const char* p = arena_.data();
  const char* end = p + arena_used_;
  while (p < end) {
    const KeyAt k = key_at(p);
    const std::uint32_t held = read32(p + kClaimantAt);
    if (held != 0) fn(std::string_view(p + k.offset, k.length), held - 1);
    p += record_bytes(k);
  }
}

}  // namespace hrsync
