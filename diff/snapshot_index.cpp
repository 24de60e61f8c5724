#include "diff/snapshot_index.h"

#include <xxhash.h>

#include <algorithm>
#include <stdexcept>

namespace hrsync {
namespace {

constexpr std::uint64_t kUnitMask = 0xffff'ffffu;
constexpr std::size_t kMinSlots = 16;

std::uint64_t xxh3_key_hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

// Slots for `keys` keys at most 3/4 full: any count, not a power of two, so that a table sized
// from the snapshot's count is about 3/4 full rather than 3/8 to 3/4.
std::size_t slots_for(std::size_t keys) { return std::max(kMinSlots, keys + keys / 3 + 1); }

// The home slot of a 32-bit tag among `n` slots: the tag, mixed (a multiplication by an odd
// constant, so that every bit of it counts: a caller may split keys by the tag's top bits, as
// DuplicateKeys does), scaled to [0, n) (Lemire's fast range).
std::size_t home(std::uint64_t tag, std::size_t n) {
  const std::uint32_t mixed = static_cast<std::uint32_t>(tag) * 0x9E37'79B9u;
  return static_cast<std::size_t>((static_cast<std::uint64_t>(mixed) * n) >> 32);
}

std::size_t next_slot(std::size_t i, std::size_t n) { return i + 1 == n ? 0 : i + 1; }

}  // namespace

SnapshotIndex::SnapshotIndex() : key_hash_(xxh3_key_hash) {}

SnapshotIndex::SnapshotIndex(Owners owners) : SnapshotIndex(nullptr, owners) {}

SnapshotIndex::SnapshotIndex(KeyHash key_hash, Owners owners)
    : key_hash_(key_hash != nullptr ? key_hash : xxh3_key_hash),
      lenpos_(owners == Owners::kKept ? kOwnersLenAt : kHashBytes) {}

void SnapshotIndex::reserve(std::size_t keys, std::size_t average_key_bytes) {
  const std::size_t want = slots_for(size_ + keys);
  if (want > slots_.size()) rehash(want);
  arena_.grow(arena_used_ + keys * record_bytes({lenpos_ + 2, average_key_bytes}));
}

bool SnapshotIndex::record_has_key(std::size_t unit, std::string_view key) const {
  const char* p = arena_.data() + unit * kUnit;
  const KeyAt k = key_at(p);
  return k.length == key.size() && std::memcmp(p + k.offset, key.data(), k.length) == 0;
}

std::size_t SnapshotIndex::find_slot(std::string_view key, std::uint64_t h) const {
  const std::size_t n = slots_.size();
  const std::uint64_t tag = h >> 32;
  for (std::size_t i = home(tag, n);; i = next_slot(i, n)) {
    const std::uint64_t v = slots_[i];
    if (v == 0) return i;
    if ((v >> 32) == tag && record_has_key((v & kUnitMask) - 1, key)) return i;
  }
}

std::size_t SnapshotIndex::record_of(const Probe& key) const {
  if (size_ == 0) return kNoRecord;
  const std::uint64_t v = slots_[find_slot(key.key, key.hash)];
  if (v == 0) return kNoRecord;
  return ((v & kUnitMask) - 1) * kUnit;
}

// A slot's home comes from its tag, so growing moves slots without touching the keys.
void SnapshotIndex::rehash(std::size_t slot_count) {
  TableArray<std::uint64_t> fresh(slot_count);
  for (const std::uint64_t v : slots_) {
    if (v == 0) continue;
    std::size_t i = home(v >> 32, slot_count);
    while (fresh[i] != 0) i = next_slot(i, slot_count);
    fresh[i] = v;
  }
  slots_ = std::move(fresh);
}

void SnapshotIndex::prefetch(const Probe& key) const {
  if (slots_.empty()) return;
  __builtin_prefetch(slots_.data() + home(key.hash >> 32, slots_.size()));
}

// The first slot from the key's home with its tag: the one that holds it, unless two keys share a
// tag (1 in 2^32), which the lookup then sorts out.
void SnapshotIndex::prefetch_record(const Probe& key) const {
  const std::size_t n = slots_.size();
  if (n == 0) return;
  const std::uint64_t tag = key.hash >> 32;
  for (std::size_t i = home(tag, n);; i = next_slot(i, n)) {
    const std::uint64_t v = slots_[i];
    if (v == 0) return;
    if ((v >> 32) == tag) {
      __builtin_prefetch(arena_.data() + ((v & kUnitMask) - 1) * kUnit);
      return;
    }
  }
}

void SnapshotIndex::prefetch(std::span<const Probe> keys) const {
  for (const Probe& key : keys) prefetch(key);
  for (const Probe& key : keys) prefetch_record(key);
}

bool SnapshotIndex::add(const Probe& probe, std::uint64_t hash) {
  if ((size_ + 1) * 4 > slots_.size() * 3) rehash(std::max(kMinSlots, slots_.size() * 2));
  const std::string_view key = probe.key;
  const std::uint64_t h = probe.hash;
  const std::size_t i = find_slot(key, h);
  if (slots_[i] != 0) return false;
  if (key.size() > 0xffff'ffffu) throw std::length_error("SnapshotIndex: key longer than 4 GiB");
  const std::size_t off = arena_used_;
  if (off / kUnit + 1 >= kUnitMask) throw std::length_error("SnapshotIndex: arena above 16 GiB");

  const bool long_key = key.size() >= kLongKey;
  const KeyAt at{lenpos_ + (long_key ? 6 : 2), key.size()};
  const std::size_t record = record_bytes(at);
  if (off + record > arena_.size()) {
    arena_.grow(std::max(off + record, arena_.size() + arena_.size() / 4 + 4096));  // waste <= 1/4
  }
  arena_used_ = off + record;
  char* p = arena_.data() + off;
  std::memcpy(p, &hash, sizeof hash);
  std::memset(p + kHashBytes, 0, lenpos_ - kHashBytes);  // no claimant yet, unseen
  const auto len16 = static_cast<std::uint16_t>(long_key ? kLongKey : key.size());
  std::memcpy(p + lenpos_, &len16, sizeof len16);
  if (long_key) {
    const auto len32 = static_cast<std::uint32_t>(key.size());
    std::memcpy(p + lenpos_ + 2, &len32, sizeof len32);
  }
  std::memcpy(p + at.offset, key.data(), key.size());
  slots_[i] = (h >> 32) << 32 | (off / kUnit + 1);
  ++size_;
  return true;
}

std::optional<std::uint64_t> SnapshotIndex::take(const Probe& key) {
  const std::size_t at = record_of(key);
  if (at == kNoRecord) return std::nullopt;
  char* p = arena_.data() + at;
  if (!is_seen(p)) {
    mark_seen(p);
    ++seen_;
  }
  return read64(p);
}

std::optional<std::uint64_t> SnapshotIndex::find(std::string_view key) const {
  const std::size_t at = record_of(probe(key));
  if (at == kNoRecord) return std::nullopt;
  return read64(arena_.data() + at);
}

std::optional<std::uint32_t> SnapshotIndex::claim(const Probe& key, std::uint32_t claimant) {
  if (owners() != Owners::kKept) throw std::logic_error("SnapshotIndex: claim() on an index without owners");
  const std::size_t at = record_of(key);
  if (at == kNoRecord) return std::nullopt;
  char* p = arena_.data() + at;
  const std::uint32_t held = read32(p + kClaimantAt);
  if (held != 0) return held - 1;
  const std::uint32_t stored = claimant + 1;
  std::memcpy(p + kClaimantAt, &stored, sizeof stored);
  return claimant;
}

std::size_t SnapshotIndex::memory_bytes() const {
  return slots_.bytes() + arena_.size();
}

}  // namespace hrsync
