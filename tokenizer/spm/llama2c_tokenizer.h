// llama2.c tokenizer files (`tok512.bin`, `tokenizer.bin`; docs/llama2c-import.md) turned back into the
// SentencePiece BPE model they were exported from, so the rest of Glossa (SpProcessor, HF
// folders, vocabulary tools) can use them. See docs/llama2c-import.md.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/spm/sp_model.h"

namespace glossa {

// The raw content: int32 max_token_length, then per token float32 score, int32 length, bytes.
// llama2.c's tokenizer.py wrote SentencePiece's pieces with "▁" replaced by " " and BOS / EOS as
// "\n<s>\n" / "\n</s>\n".
struct Llama2cVocab {
  int max_token_length = 0;         // longest token, bytes (run.c sizes buffers from it)
  std::vector<std::string> tokens;  // bytes as stored, id order
  std::vector<float> scores;        // BPE merge priority (higher merges first), id order
};

// Reads every token up to the end of the file. Throws Error naming the file and the token id
// when the file is shorter than its header, a length is negative or runs past the end.
Llama2cVocab read_llama2c_vocab(const std::string& path);

// Rebuilds the SentencePiece model: pieces with " " -> "▁", scores as stored; "<unk>" UNKNOWN,
// "<s>" / "</s>" (also as "\n<s>\n" / "\n</s>\n") CONTROL, "<0xNN>" BYTE, the rest NORMAL. Specs:
// BPE, byte_fallback when all 256 byte pieces exist, identity normalizer, add_dummy_prefix,
// remove_extra_whitespaces off (llama2.c's encode keeps every space), unk/bos/eos ids from the
// pieces found. Throws Error naming `origin` on a missing "<unk>", duplicate or empty pieces, or
// only some of the 256 byte pieces; SentencePiece itself validates the result.
SpModel llama2c_vocab_to_sp_model(const Llama2cVocab& vocab, const std::string& origin);

// read_llama2c_vocab + llama2c_vocab_to_sp_model.
SpModel load_llama2c_tokenizer(const std::string& path);

// True for a name ending in ".bin": a llama2.c tokenizer (anything else is a SentencePiece .model).
bool is_llama2c_tokenizer_path(const std::string& path);

// A tokenizer path as SpModel: a name ending in ".bin" is a llama2.c tokenizer, anything else a
// SentencePiece .model.
SpModel load_sp_or_llama2c_tokenizer(const std::string& path);

}  // namespace glossa
