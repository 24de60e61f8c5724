// KeyOwners: one target's record of which row gave each value that one entity alone may hold on
// that target — its key, and the values its API keeps unique (TargetConnector::unique_values(),
// e.g. a Feishu user's mobile). A value given by two rows has no owner: both rows are invalid for
// the target, each naming the other's line, and neither is sent. Which row is right cannot be
// guessed (a rehire under a new employee_no, a typo, a shared phone), and sending both makes the
// entity take each row's data in turn, night after night. Other targets are not concerned.
//
// The target planner claims the values of each record as it is offered, in source order, and
// settles what became of the record (invalid, or the kind of change); a clash with an earlier row
// makes the later one invalid at once. The earlier row may already have been planned: once the
// source is read, contested() lists those rows, with what became of them, for the planner to take
// back. The key is not checked when it is the source's own key (the source refuses duplicates).
//
// Values are not kept: each rule holds a 64-bit hash of every claimed value (XXH3-64 of its
// unique_form, content_hash) beside its first claimant, in open-addressing tables at most 4/5
// full. A clash is named from the later row alone (its cell, and the earlier row's line, which is
// kept). Two distinct values of one rule share a hash with odds of about n^2/2^65 over n values:
// 3e-8 for a million, 3e-6 for ten million. A collision would make two rows that give different
// values a clash, both invalid for the target (none sent, each naming the other's line); it never
// lets a true duplicate through.
//
// A target's key the snapshot holds is claimed in the snapshot's index instead (made with owners,
// SnapshotIndex::claim: 4 bytes beside the key it holds already), so that the key's table holds
// only the keys the snapshot lacks; there the key is compared whole.
//
// Memory: per claimed value 15 to 17 bytes of table when sized from the snapshot (12-byte slots,
// a part sized to its share of the values, not to a power of two), up to 30 bytes in a part that
// grew; per record 4 bytes (its line and fate). Each rule's table is split in 64 parts by the top
// bits of the hash, each growing on its own, so that growing never holds more than a 64th of the
// table twice. Sized up front, the parts share one table (TableMemory: huge pages where the kernel
// gives them, since every claim lands at random in it); a part that outgrows its share moves to
// a table of its own. The source key of a contested row is not kept: the planner finds it from the row's line (DuplicateKeys::keys_at).
// Up to 2^30 records per target.
//
// Thread-safety: one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "diff/record.h"
#include "diff/snapshot_index.h"
#include "diff/table_memory.h"

namespace hrsync {

class KeyOwners {
 public:
  // What became of a record on the target.
  enum class Fate : std::uint8_t { kInvalid, kNew, kChanged, kUnchanged };

  // A row that gave a value first, which a later row gave too.
  struct Contested {
    Origin origin;    // the row
    std::string key;  // its source key (employee_no): empty until the planner fills it in
    Invalid invalid;  // the value's field and the later row's line
    Fate fate;        // what the planner made of it before the clash showed
  };

  KeyOwners() = default;
  // Checks the key of `target` (unless it is the source's key) and its unique_values();
  // `expected_records` (the snapshot's count, say; 0 when unknown) sizes the tables up front, the
  // key's too unless `keys_in_snapshot`: the snapshot's index claims the keys it holds (claim()).
  explicit KeyOwners(const TargetConnector& target, std::size_t expected_records = 0, bool keys_in_snapshot = false);

  // True iff KeyOwners(target) checks the target's key: it is not the source's key.
  static bool checks_key(const TargetConnector& target);

  // Claims the values of `record`; a key `snapshot` holds (an index made with owners, the same
  // one for every claim; null: none) is claimed there. Returns the broken rule when an earlier
  // record gave one of them (naming that record's line), else nullopt. Every record must then be
  // settled, before the next claim.
  std::optional<Invalid> claim(const Record& record, SnapshotIndex* snapshot = nullptr);
  void settle(Fate fate);

  // claim() for each record of `batch`, in order: broken[i] is what claim() gives for batch[i].
  // The batch's values are hashed first; each record's slots are then loaded into the caches 16
  // records ahead of its claims (and its key's snapshot record 8 ahead), so that the misses
  // overlap. Returns the first record's claimant: each record is then settled with
  // settle(first + i, fate), in any order.
  std::uint32_t claim_batch(std::span<const Record> batch, SnapshotIndex* snapshot,
                            std::vector<std::optional<Invalid>>& broken);
  void settle(std::uint32_t claimant, Fate fate);

  // The earlier rows of every clash that were not invalid already, in source order, their key
  // left empty.
  std::vector<Contested> contested() const;

  // Bytes held (capacity), for tests and benchmarks.
  std::size_t memory_bytes() const;

 private:
  // Value hash -> its first claimant (claimant number, and in the top two bits which of the
  // rule's cells gave it). Linear probing in kParts tables picked by the hash's top bits, from a
  // home slot its low bits give; a hash of 0 marks an empty slot (0 is stored as 1).
  class Owners {
   public:
    static constexpr unsigned kPartBits = 6;
    static constexpr std::size_t kParts = std::size_t{1} << kPartBits;

    // Room for `values` values without growing.
    void reserve(std::size_t values);
    // The owner of `hash`, after making `owner` it iff it had none.
    std::uint32_t claim(std::uint64_t hash, std::uint32_t owner);
    // Starts loading the home slot of `hash` into the caches; changes nothing.
    void prefetch(std::uint64_t hash) const;
    std::size_t memory_bytes() const;

   private:
    // A part's `slots` hashes and as many owners: in the block reserve() made for every part (the
    // parts' hashes, then their owners), or in `memory`, its own, once it grew.
    struct Part {
      std::uint64_t* hashes = nullptr;
      std::uint32_t* owners = nullptr;
      std::size_t slots = 0;
      std::size_t size = 0;
      TableMemory memory;

      std::size_t slot(std::uint64_t hash) const;
      void rehash(std::size_t count);
    };
    // Every part's slots as reserve() sized them, in one table (huge pages, TableMemory).
    TableMemory block_;
    std::array<Part, kParts> parts_;
  };
  struct Rule {
    std::vector<Field> fields;  // at most 4
    UniqueRule::Form form = UniqueRule::Form::kExact;
    std::string_view code;  // "" for the key
    Owners owners;
  };
  // One cell's value of a record, hashed ahead of its claim (hash_values).
  struct Hashed {
    SnapshotIndex::Probe value;     // the value (a view of the cell when in_snapshot) and its hash
    const Owners* table = nullptr;  // the rule's table, unless in_snapshot
    bool given = false;             // false: the cell is empty
    bool in_snapshot = false;       // a key claimed in the snapshot's index (value.hash is its probe)
  };
  struct Clash {
    std::uint32_t claimant;  // the earlier row
    Invalid invalid;         // what it is told, naming the later row
  };

  // Appends to hashed_ one Hashed per cell of every rule of `record`.
  void hash_values(const Record& record, SnapshotIndex* snapshot);
  // Starts loading the slots of hashed_[from, to), and the snapshot records of its keys.
  void prefetch_slots(std::size_t from, std::size_t to, const SnapshotIndex* snapshot) const;
  void prefetch_records(std::size_t from, std::size_t to, const SnapshotIndex* snapshot) const;
  // claim() of `record`, with its values' Hashed from `next` on (advanced past them).
  std::optional<Invalid> claim_hashed(const Record& record, const Hashed*& next, SnapshotIndex* snapshot);
  // The rule broken by a row giving `value` in `field` that the row at `other_line` also gives.
  Invalid clash(const Rule& rule, Field field, std::string_view value, std::uint64_t other_line) const;
  std::uint64_t line_of(std::uint32_t claimant) const;
  Fate fate_of(std::uint32_t claimant) const;

  std::vector<Rule> rules_;
  // Per claimant: the low 30 bits of its line, its fate in the top two.
  std::vector<std::uint32_t> claimants_;
  // (first claimant, line >> 30) wherever the lines' top bits change: none below 2^30 lines.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> line_tops_;
  std::vector<Clash> clashes_;
  std::unordered_set<std::uint32_t> contested_;  // claimants some later row clashed with
  Origin where_;  // the source's input and unit, for messages
  std::string scratch_;
  std::vector<Hashed> hashed_;  // a batch's values, as claim_batch hashes them
};

}  // namespace hrsync
