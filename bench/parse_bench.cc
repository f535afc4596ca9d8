// crawlbox-parse-bench: throughput of the parse stage alone (PageParser::Parse
// over the pages of a written site, in memory) with 1, 2, ... threads, printed
// as one JSON object. bench/run.sh runs it for the parse-scaling scenario.
//
//   crawlbox-parse-bench --job FILE --site DIR [--base-url URL]
//                        [--threads 1,2] [--rounds R]
//
// Exit 0 on success, 2 on bad arguments or a bad job file, 1 if the site cannot
// be read.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/job_loader.h"
#include "parser/page_parser.h"

namespace {

constexpr char kUsage[] =
    "usage: crawlbox-parse-bench --job FILE --site DIR [--base-url URL]\n"
    "                            [--threads 1,2] [--rounds R]\n"
    "  --job FILE      job file whose rules parse the pages (its ${VARs} come "
    "from\n"
    "                  the environment)\n"
    "  --site DIR      a site written by crawlbox-testsite --write-site: "
    "DIR/site/<i>.html\n"
    "  --base-url URL  origin the pages are parsed as coming from (default\n"
    "                  http://127.0.0.1:8000); page i is URL/site/<i>.html\n"
    "  --threads LIST  comma-separated thread counts (default 1,2)\n"
    "  --rounds R      timed rounds per thread count, interleaved (default "
    "3)\n";

struct Args {
  std::string job_file;
  std::string site_dir;
  std::string base_url = "http://127.0.0.1:8000";
  std::vector<int> threads = {1, 2};
  int rounds = 3;
};

bool ParsePositive(const std::string& text, int max, int* out) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || value < 1 ||
      value > max) {
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

// Returns false after printing what is wrong.
bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "crawlbox-parse-bench: %s needs a value\n%s",
                   argv[i], kUsage);
      return false;
    }
    const std::string value = argv[++i];
    bool ok = !value.empty();
    if (flag == "--job") {
      args->job_file = value;
    } else if (flag == "--site") {
      args->site_dir = value;
    } else if (flag == "--base-url") {
      args->base_url = value;
    } else if (flag == "--rounds") {
      ok = ParsePositive(value, 1000, &args->rounds);
    } else if (flag == "--threads") {
      args->threads.clear();
      std::stringstream list(value);
      std::string item;
      while (ok && std::getline(list, item, ',')) {
        int n = 0;
        ok = ParsePositive(item, 1024, &n);
        args->threads.push_back(n);
      }
      ok = ok && !args->threads.empty();
    } else {
      std::fprintf(stderr, "crawlbox-parse-bench: unknown option %s\n%s",
                   argv[i - 1], kUsage);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "crawlbox-parse-bench: bad value for %s: '%s'\n",
                   argv[i - 1], value.c_str());
      return false;
    }
  }
  if (args->job_file.empty() || args->site_dir.empty()) {
    std::fprintf(stderr,
                 "crawlbox-parse-bench: --job and --site are needed\n%s",
                 kUsage);
    return false;
  }
  return true;
}

// One page as the parse stage sees it.
struct Page {
  std::string url;
  std::string body;
};

// Reads DIR/site/0.html, 1.html, ... (as many as there are .html files).
// Returns false after printing what could not be read.
bool LoadPages(const Args& args, std::vector<Page>* pages) {
  namespace fs = std::filesystem;
  const fs::path site = fs::path(args.site_dir) / "site";
  std::error_code ec;
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(site, ec)) {
    if (entry.path().extension() == ".html") ++count;
  }
  if (ec || count == 0) {
    std::fprintf(stderr, "crawlbox-parse-bench: no pages in %s%s%s\n",
                 site.c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
    return false;
  }
  pages->reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const std::string name = std::to_string(i) + ".html";
    std::ifstream in(site / name, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
      std::fprintf(stderr, "crawlbox-parse-bench: cannot read %s\n",
                   (site / name).c_str());
      return false;
    }
    pages->push_back({args.base_url + "/site/" + name, std::move(body)});
  }
  return true;
}

// User + system CPU seconds of this process so far, all threads.
double ProcessCpuSeconds() {
  rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct RoundResult {
  double seconds = 0;
  double cpu_seconds = 0;  // of the whole process during the round
  int64_t items = 0;
  int64_t links = 0;
};

// Parses every page once with at most `threads` threads working at a time.
RoundResult ParseAll(const crawlbox::parser::PageParser& parser,
                     const std::vector<Page>& pages, int threads) {
  std::atomic<int64_t> items{0}, links{0};
  tbb::task_arena arena(threads);
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, pages.size()),
        [&](const tbb::blocked_range<size_t>& range) {
          int64_t local_items = 0, local_links = 0;
          for (size_t i = range.begin(); i != range.end(); ++i) {
            crawlbox::parser::Parsed parsed =
                parser.Parse(pages[i].url, "text/html", pages[i].body);
            local_items += static_cast<int64_t>(parsed.items.size());
            local_links += static_cast<int64_t>(parsed.links.size());
          }
          items += local_items;
          links += local_links;
        });
  });
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  return {elapsed.count(), ProcessCpuSeconds() - cpu_start, items.load(),
          links.load()};
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) return 2;

  // The parser keeps a reference to the job, so `loaded` lives until the end.
  crawlbox::config::LoadedJob loaded =
      crawlbox::config::LoadJobFile(args.job_file);
  std::vector<crawlbox::config::JobProblem> problems = loaded.problems;
  std::unique_ptr<crawlbox::parser::PageParser> parser;
  if (problems.empty()) {
    parser = crawlbox::parser::PageParser::Compile(loaded.job, &problems);
  }
  if (!problems.empty()) {
    for (const crawlbox::config::JobProblem& problem : problems) {
      std::fprintf(stderr, "crawlbox-parse-bench: %s\n",
                   problem.ToString().c_str());
    }
    return 2;
  }

  std::vector<Page> pages;
  if (!LoadPages(args, &pages)) return 1;
  int64_t total_bytes = 0;
  for (const Page& page : pages) {
    total_bytes += static_cast<int64_t>(page.body.size());
  }

  // One untimed round first, so that every thread count meets warm caches
  // and an allocator that has already grown.
  const RoundResult warmup = ParseAll(*parser, pages, args.threads.front());

  // Rounds interleave the thread counts, so a slow moment of the machine
  // does not land on one count only.
  std::vector<std::vector<double>> rates(args.threads.size());
  // CPU seconds per wall second: how many cores the round really had. Below
  // the thread count when other programs compete for the CPUs.
  std::vector<std::vector<double>> cores(args.threads.size());
  for (int round = 0; round < args.rounds; ++round) {
    for (size_t t = 0; t < args.threads.size(); ++t) {
      const RoundResult result = ParseAll(*parser, pages, args.threads[t]);
      if (result.items != warmup.items || result.links != warmup.links) {
        std::fprintf(stderr,
                     "crawlbox-parse-bench: round %d with %d threads found "
                     "%lld items and %lld links, the warm-up %lld and %lld\n",
                     round, args.threads[t],
                     static_cast<long long>(result.items),
                     static_cast<long long>(result.links),
                     static_cast<long long>(warmup.items),
                     static_cast<long long>(warmup.links));
        return 1;
      }
      rates[t].push_back(static_cast<double>(pages.size()) / result.seconds);
      cores[t].push_back(result.cpu_seconds / result.seconds);
    }
  }

  std::printf(
      "{\"pages\": %zu, \"bytes\": %lld, \"rounds\": %d, \"items\": %lld, "
      "\"links\": %lld, \"results\": [",
      pages.size(), static_cast<long long>(total_bytes), args.rounds,
      static_cast<long long>(warmup.items),
      static_cast<long long>(warmup.links));
  for (size_t t = 0; t < args.threads.size(); ++t) {
    std::printf("%s{\"threads\": %d, \"pages_per_s\": [", t == 0 ? "" : ", ",
                args.threads[t]);
    for (size_t r = 0; r < rates[t].size(); ++r) {
      std::printf("%s%.1f", r == 0 ? "" : ", ", rates[t][r]);
    }
    std::printf(
        "], \"median\": %.1f, \"min\": %.1f, \"max\": %.1f, \"cores_used\": "
        "%.2f}",
        Median(rates[t]), *std::min_element(rates[t].begin(), rates[t].end()),
        *std::max_element(rates[t].begin(), rates[t].end()), Median(cores[t]));
  }
  std::printf("]}\n");
  return 0;
}
