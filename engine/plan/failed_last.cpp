#include "engine/plan/failed_last.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "engine/plan/work_spool.h"

namespace hrsync {
namespace {

// Two streams one after the other.
class ChainedStream final : public WorkStream {
 public:
  ChainedStream(std::shared_ptr<WorkStream> first, std::shared_ptr<WorkStream> second)
      : first_(std::move(first)), second_(std::move(second)) {}

  bool next(Work& out) override {
    if (first_) {
      if (first_->next(out)) return true;
      if (!first_->status()) return false;
      first_.reset();
    }
    return second_->next(out);
  }

  const Result<void>& status() const override { return first_ ? first_->status() : second_->status(); }

 private:
  std::shared_ptr<WorkStream> first_;  // null once it ended cleanly
  std::shared_ptr<WorkStream> second_;
};

bool has_failed(std::span<const std::string> failed_keys, const Work& w) {
  return std::binary_search(failed_keys.begin(), failed_keys.end(), w.desired.key);
}

}  // namespace

std::size_t order_failed_last(std::vector<Work>& work, std::span<const std::string> failed_keys) {
  if (failed_keys.empty()) return 0;
  auto fresh = [&](const Work& w) { return !has_failed(failed_keys, w); };
  auto first_failed = std::stable_partition(work.begin(), work.end(), fresh);
  return static_cast<std::size_t>(work.end() - first_failed);
}

Result<std::size_t> order_failed_last(TargetPlan& plan, std::span<const std::string> failed_keys,
                                      const std::function<void(const Work&)>& moved) {
  if (!plan.stream || failed_keys.empty()) {
    plan.failed_last = order_failed_last(plan.work, failed_keys);
    return plan.failed_last;
  }
  auto fresh = WorkSpool::create(plan.id);
  auto failed = WorkSpool::create(plan.id);
  if (!fresh) return std::unexpected(fresh.error());
  if (!failed) return std::unexpected(failed.error());
  const auto held_failed = std::stable_partition(plan.work.begin(), plan.work.end(),
                                                 [&](const Work& w) { return !has_failed(failed_keys, w); });
  for (auto it = held_failed; it != plan.work.end(); ++it) {
    moved(*it);
    if (auto added = (*failed)->add(*it); !added) return std::unexpected(added.error());
  }
  plan.work.erase(held_failed, plan.work.end());
  for (Work w; plan.stream->next(w);) {
    WorkSpool& into = has_failed(failed_keys, w) ? **failed : **fresh;
    if (auto added = into.add(w); !added) return std::unexpected(added.error());
  }
  if (!plan.stream->status()) return std::unexpected(plan.stream->status().error());
  const std::uint64_t last = (*failed)->size();
  plan.streamed = (*fresh)->size() + last;
  auto first_part = (*fresh)->finish({});
  if (!first_part) return std::unexpected(first_part.error());
  auto second_part = (*failed)->finish({});
  if (!second_part) return std::unexpected(second_part.error());
  plan.stream = std::make_shared<ChainedStream>(std::move(*first_part), std::move(*second_part));
  plan.failed_last = last;
  return static_cast<std::size_t>(last);
}

}  // namespace hrsync
