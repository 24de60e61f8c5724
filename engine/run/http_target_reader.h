// The read phase of a run over HTTP: the reader `plan`, `sync` and `demo` give prepare_job(). It reads
// the targets a plan asks for (engine/run/target_reader.h) over an HTTP transport of its own and the
// steady clock, on an io_context of its own, and says on `err`, each line prefixed with `who`, what
// each read found and, every 10 s of a long read, how far it has got. A platform without its credential
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

TargetReader http_target_reader(JobConfig config, HttpTransportOptions transport, Redactor& redactor,
                                std::string who, std::ostream& err);

}  // namespace hrsync
