// Small file helpers with errors that name the file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace glossa {

// Whole file as bytes. Throws Error naming the file when it cannot be read.
std::string read_file(const std::string& path);

// Writes `bytes` to a temporary file in the same directory, flushes it and renames it over
// `path`, so a reader never sees a half-written file and a full disk loses nothing that was
// there before. Throws Error naming the file (and errno's text) on failure.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Identity of a file's content that is cheap to compute: size, modification time and a SHA-256
// of its first and last 1 MiB. Used to skip rescanning unchanged corpora.
std::string file_fingerprint(const std::string& path);

uint64_t file_size(const std::string& path);

// The JSON document in a file; a syntax error names the file, line and column.
nlohmann::json read_json_file(const std::string& path);

// Removes a file or a folder tree, best effort (what cannot be removed stays; no error): for
// leftovers of failed writes and pruned checkpoints. POSIX nftw, not std::filesystem::remove_all:
// libtorch.so exports its own copies of std::filesystem functions that the dynamic linker may bind
// in processes linking LibTorch, and its remove_all crashed through a null function pointer.
void remove_tree(const std::string& path);

// Creates the folder that will hold `path` (a file or a PREFIX) when it is missing.
void make_parent_dirs(const std::string& path);

}  // namespace glossa
