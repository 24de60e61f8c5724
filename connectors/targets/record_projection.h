// RecordProjection: what an HR record becomes on one target, as pure code.
//
// A projection turns a record into the exact request document the target's API takes, checked
// against every field rule of the API document (field_rules(), the table it writes from, which the
// tests walk row by row), and says what becomes of a document the target cannot fully take: the
// values it keeps unique, the members a request cannot clear (held_after), what an entity gone
// from the source becomes (on_missing), and what it gets back when it returns (on_return). It
// sends nothing: the operations do (target_operation.h).
//
// Thread-safety: projections are immutable after construction; all methods are const and may be
// called from any thread.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/targets/field_table.h"
#include "diff/document.h"
#include "diff/record.h"

namespace hrsync {

// A record that breaks a documented rule for one target.
struct Invalid {
  std::string field;  // "name", "feature.card"
  std::string rule;   // "longer than 64 characters (70)"
};

// A value the API holds unique across its entities, besides the key: two records giving the same
// value are both invalid for the target (engine/plan/key_owners.h), since the API would refuse
// the second one every night and which one is right cannot be guessed.
struct UniqueRule {
  enum class Form : std::uint8_t {
    kExact,     // byte for byte
    kMobile,    // normalise_mobile: "13011111111" and "+8613011111111" are one number
    kCaseless,  // ASCII letter case ignored (e-mail addresses)
  };
  std::span<const Field> fields;  // the cells giving it; one value space across them
  Form form = Form::kExact;
  std::string_view rule;          // what the API answers, for the plan ("41001 mobile has already exist")
};

// The form of `cell` that `rule` compares (written to `scratch` when it differs from `cell`).
std::string_view unique_form(const UniqueRule& rule, std::string_view cell, std::string& scratch);

// What a target holds once a request is applied, when that is not the document sent: members the
// request cannot clear keep their last applied value.
struct Held {
  Document document;          // what the target holds afterwards (sealed)
  std::vector<Invalid> kept;  // each member kept, and why hrsync cannot clear it: a person must
};

class RecordProjection {
 public:
  virtual ~RecordProjection() = default;

  virtual Entity entity() const = 0;        // which kind of source it reads

  // The record column holding the entity's key on this target (Document::key comes from it).
  // The planner marks an invalid record's key as seen, so an invalid row never looks missing.
  virtual Field key_column() const { return key_field(entity()); }

  // Values besides the key that no two entities may share on this target.
  virtual std::span<const UniqueRule> unique_values() const { return {}; }

  // Columns without which no record can be valid for this target; a source lacking one of them
  // stops the run before any call.
  virtual std::span<const Field> required_columns() const = 0;

  // The document this target should hold for `r`, or the broken rule.
  virtual std::expected<Document, Invalid> project(const Record& r) const = 0;

  // The cells project() reads and their documented limits, in document order: the table project()
  // writes the document from (field_table.h), as this connector's options make it. Rules that
  // span cells (documented codes such as contact_user's 41004 or 44020) are not rows of it.
  virtual std::span<const FieldRule> field_rules() const { return {}; }

  // The document to apply to an entity that left the source (its last applied document given),
  // or nullopt when the target's on_missing policy leaves it alone.
  virtual std::optional<Document> on_missing(const Document& last_applied) const = 0;

  // The document to send to an entity that on_missing() changed when it left the source and that
  // is back in it: `desired` (its record's document) with what on_missing() changed and its record
  // does not set given back, from `before_leaving` (the document the target held before) or the
  // API's default; nullopt when `desired` gives it back already, or the target's request does
  // (a PUT that resets what it leaves out). The planner sends it in place of `desired`.
  virtual std::optional<Document> on_return(const Document& desired, const Document& before_leaving) const {
    (void)desired;
    (void)before_leaving;
    return std::nullopt;
  }

  // Fills into `desired` (and reseals it) the members its record left empty that the target would
  // otherwise reset to a default, from `last_applied`: sophon_person keeps the last applied person
  // type, permission groups and photo. The planner calls it for every change before diffing the
  // two documents, so an empty cell is no change. Most targets keep nothing.
  virtual void keep_unset(Document& desired, const Document& last_applied) const {
    (void)desired;
    (void)last_applied;
  }

  // What the target holds once `desired` is applied over `last_applied`, when that is not `desired`
  // itself: a member `desired` leaves out that the request cannot clear (a PATCH sets what it
  // carries and leaves the rest) keeps its last applied value. The snapshot records that document,
  // so the member stays a difference in every later plan, listed with the reason until the source
  // gives it a value again or a person clears it. Most targets hold what they are sent.
  virtual std::optional<Held> held_after(const Document& desired, const Document& last_applied) const {
    (void)desired;
    (void)last_applied;
    return std::nullopt;
  }

  // What an entity that left the source keeps on the target when on_missing() leaves it alone and
  // only a person can remove it (acs_card: the card, which its PATCH cannot clear). Most targets
  // keep nothing a person must see to.
  virtual std::vector<Invalid> kept_on_missing(const Document& last_applied) const {
    (void)last_applied;
    return {};
  }

  // True iff `desired` sets nothing on the target (acs_card for a row without a card): an entity
  // the target never held costs no call for it.
  virtual bool sets_nothing(const Document& desired) const {
    (void)desired;
    return false;
  }
};

}  // namespace hrsync
