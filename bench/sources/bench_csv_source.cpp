// CSV parsing throughput: open_csv_source over a generated employee export (>= 100 MB, 20 % of
// the fields quoted), read to the end with one reused Record, on one thread; and the same export
// saved as GB18030 (what Excel writes in a Chinese locale), read with encoding = "gb18030": the
// transcoding to UTF-8 is part of what is timed.
#include <benchmark/benchmark.h>
#include <iconv.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "bench/sources/bench_memory.h"
#include "connectors/sources/csv_source.h"
#include "samples/employee_generator.h"

namespace {

// `utf8_path` written again as GB18030 to `gb_path`; false on any failure.
bool write_gb18030(const std::string& utf8_path, const std::string& gb_path) {
  std::FILE* in = std::fopen(utf8_path.c_str(), "rb");
  std::FILE* out = std::fopen(gb_path.c_str(), "wb");
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  bool ok = in != nullptr && out != nullptr && cd != reinterpret_cast<iconv_t>(-1);
  std::string from(1 << 20, '\0');
  std::string to(4 << 20, '\0');
  std::size_t kept = 0;  // bytes of an incomplete sequence carried to the next read
  while (ok) {
    const std::size_t got = std::fread(from.data() + kept, 1, from.size() - kept, in);
    if (got == 0 && kept == 0) break;
    char* src = from.data();
    std::size_t src_left = kept + got;
    char* dst = to.data();
    std::size_t dst_left = to.size();
    if (iconv(cd, &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1) && errno != EINVAL) ok = false;
    if (got == 0 && src_left > 0) ok = false;  // a cut-off sequence at the end
    ok = ok && std::fwrite(to.data(), 1, to.size() - dst_left, out) == to.size() - dst_left;
    std::memmove(from.data(), src, src_left);
    kept = src_left;
  }
  if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  if (in != nullptr) std::fclose(in);
  if (out != nullptr && std::fclose(out) != 0) ok = false;
  return ok;
}

// Generated files, one per (rows, quoted share, encoding), removed at exit.
class Files {
 public:
  ~Files() {
    for (const auto& [key, path] : paths_) std::filesystem::remove(path);
    for (const auto& [key, path] : gb_paths_) std::filesystem::remove(path);
  }
  const std::string& get_gb18030(std::uint64_t rows, double quoted_share) {
    const auto key = std::make_pair(rows, quoted_share);
    auto it = gb_paths_.find(key);
    if (it != gb_paths_.end()) return it->second;
    const std::string& utf8 = get(rows, quoted_share);
    const std::string path = utf8 + ".gb18030";
    if (!write_gb18030(utf8, path)) std::abort();
    return gb_paths_.emplace(key, path).first->second;
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
  std::map<std::pair<std::uint64_t, double>, std::string> gb_paths_;
};

Files& files() {
  static Files f;
  return f;
}

// Reads the file of `state`'s (rows, quoted percent) in `encoding` to the end, every iteration.
void read_csv(benchmark::State& state, const std::string& encoding) {
  const auto rows = static_cast<std::uint64_t>(state.range(0));
  const double quoted = static_cast<double>(state.range(1)) / 100.0;
  const std::string& path = encoding == "gb18030" ? files().get_gb18030(rows, quoted) : files().get(rows, quoted);
  hrsync::CsvOptions csv;
  csv.encoding = encoding;
  const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  hrsync::SourceOptions options;
  hrsync::Record record;
  std::uint64_t records = 0;
  const long rss_before = hrsync::bench::current_rss_kib();
  long rss_peak = rss_before;
  for (auto _ : state) {
    auto source = hrsync::open_csv_source(path, options, csv);
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

void BM_CsvSource(benchmark::State& state) { read_csv(state, "utf-8"); }
void BM_CsvSourceGb18030(benchmark::State& state) { read_csv(state, "gb18030"); }

// 400k employees are ~112 MB; the quoted share is in percent.
BENCHMARK(BM_CsvSource)->Args({400000, 20})->Args({400000, 0})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CsvSourceGb18030)->Args({400000, 20})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
