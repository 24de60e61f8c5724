// CSV parsing throughput: open_csv_source over a generated employee export (>= 100 MB, 20 % of
// the fields quoted), read to the end with one reused Record, on one thread.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "bench/sources/bench_memory.h"
#include "connectors/sources/csv_source.h"
#include "samples/employee_generator.h"

namespace {

// Generated files, one per (rows, quoted share), removed at exit.
class Files {
 public:
  ~Files() {
    for (const auto& [key, path] : paths_) std::filesystem::remove(path);
  }
  const std::string& get(std::uint64_t rows, double quoted_share) {
    const auto key = std::make_pair(rows, quoted_share);
    auto it = paths_.find(key);
    if (it != paths_.end()) return it->second;
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("hrsync-bench-" + std::to_string(::getpid()) + "-" + std::to_string(rows) + "-" +
                               std::to_string(static_cast<int>(quoted_share * 100)) + ".csv"))
                                 .string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    hrsync::samples::GeneratorOptions o;
    o.count = rows;
    o.seed = 42;
    o.quoted_share = quoted_share;
    if (f == nullptr || !hrsync::samples::write_employees_csv(o, f)) std::abort();
    std::fclose(f);
    return paths_.emplace(key, path).first->second;
  }

 private:
  std::map<std::pair<std::uint64_t, double>, std::string> paths_;
};

Files& files() {
  static Files f;
  return f;
}

void BM_CsvSource(benchmark::State& state) {
  const auto rows = static_cast<std::uint64_t>(state.range(0));
  const double quoted = static_cast<double>(state.range(1)) / 100.0;
  const std::string& path = files().get(rows, quoted);
  const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  hrsync::SourceOptions options;
  hrsync::Record record;
  std::uint64_t records = 0;
  const long rss_before = hrsync::bench::current_rss_kib();
  long rss_peak = rss_before;
  for (auto _ : state) {
    auto source = hrsync::open_csv_source(path, options);
    if (!source) {
      state.SkipWithError(source.error().str().c_str());
      return;
    }
    records = 0;
    while ((*source)->next(record)) {
      ++records;
      if ((records & 0xFFFF) == 0) rss_peak = std::max(rss_peak, hrsync::bench::current_rss_kib());
    }
    if (!(*source)->status() || !(*source)->rejections().empty()) {
      state.SkipWithError("the generated file did not read cleanly");
      return;
    }
  }
  state.SetBytesProcessed(bytes * static_cast<std::int64_t>(state.iterations()));
  state.SetItemsProcessed(static_cast<std::int64_t>(records * state.iterations()));
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["rss_growth_KiB"] = static_cast<double>(rss_peak - rss_before);
  state.counters["max_rss_KiB"] = static_cast<double>(hrsync::bench::max_rss_kib());
}

// 400k employees are ~112 MB; the quoted share is in percent.
BENCHMARK(BM_CsvSource)->Args({400000, 20})->Args({400000, 0})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
