// The reader `plan` and `sync` give prepare_job(): reads the targets a plan asks for
// (engine/run/target_reader.h) over an HTTP transport of its own and the steady clock, on an
// io_context of its own, and says on `err` what each read found. A platform without its credential
// is not read (TargetRead::not_read, the plan diffs against the snapshot); a transport that cannot be
// made fails the reads it would have carried. The tokens it fetches go to `redactor`.
//
// Thread-safety: the reader runs on the calling thread and keeps a copy of `config`; `redactor` and
// `err` outlive it.
#pragma once

#include <ostream>
#include <string>

#include "engine/config/config.h"
#include "engine/net/http_transport.h"
#include "engine/plan/target_read.h"
#include "engine/run/redactor.h"

namespace hrsync {

TargetReader cli_reader(JobConfig config, HttpTransportOptions transport, Redactor& redactor, std::string who,
                        std::ostream& err);

// The read choice of --read / --no-read (both: a usage error, told by the caller).
inline ReadChoice read_choice(bool read, bool no_read) {
  return read ? ReadChoice::kAll : no_read ? ReadChoice::kNone : ReadChoice::kConfig;
}

}  // namespace hrsync
