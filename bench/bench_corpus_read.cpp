// Reads a corpus file with CorpusReader and prints what it read and how fast:
//   glossa-bench-corpus-read FILE [format] [field-or-column] [max_document_bytes]
// e.g. glossa-bench-corpus-read nsmc_reviews.tsv tsv review
// Prints documents, text bytes, characters (counted with utf8::count_chars_valid, as statistics
// would), the reader's counters, the first problems, and MB/s of decompressed text.
#include <chrono>
#include <cstdio>
#include <string>

#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/text/utf8.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [format] [field-or-column] [max_document_bytes]\n",
                 argv[0]);
    return 2;
  }
  try {
    glossa::CorpusReaderOptions options;
    if (argc > 2) options.format = glossa::parse_corpus_format(argv[2]);
    if (argc > 3) options.field = options.column = argv[3];
    if (argc > 4) options.max_document_bytes = std::stoull(argv[4]);
    const auto start = std::chrono::steady_clock::now();
    glossa::CorpusReader reader(argv[1], options);
    glossa::Document doc;
    uint64_t chars = 0;
    while (reader.next(&doc)) chars += glossa::utf8::count_chars_valid(doc.text);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto& s = reader.stats();
    std::printf("| file | %s |\n| format | %s |\n", argv[1],
                glossa::corpus_format_name(reader.format()));
    std::printf("| documents | %llu |\n| text bytes | %llu |\n| characters | %llu |\n",
                (unsigned long long)s.documents, (unsigned long long)s.text_bytes,
                (unsigned long long)chars);
    std::printf("| input bytes | %llu |\n| invalid UTF-8 | %llu |\n| skipped | %llu |\n",
                (unsigned long long)s.input_bytes, (unsigned long long)s.invalid_utf8,
                (unsigned long long)s.skipped_records);
    std::printf("| split | %llu |\n| empty | %llu |\n| seconds | %.3f |\n| MB/s (text) | %.1f |\n",
                (unsigned long long)s.split_documents, (unsigned long long)s.empty_documents,
                seconds, double(s.text_bytes) / 1e6 / seconds);
    for (const auto& p : s.first_invalid_utf8)
      std::printf("invalid: %s:%llu @%llu %s\n", p.file.c_str(), (unsigned long long)p.line,
                  (unsigned long long)p.byte_offset, p.what.c_str());
    for (const auto& p : s.first_skipped)
      std::printf("skipped: %s:%llu @%llu %s\n", p.file.c_str(), (unsigned long long)p.line,
                  (unsigned long long)p.byte_offset, p.what.c_str());
  } catch (const glossa::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
