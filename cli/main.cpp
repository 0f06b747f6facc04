// glossa-cli: headless entry point to every engine job (issue 7, section 7).
#include <iostream>

#include "tokenizer/error.h"

int main(int argc, char** argv) {
  std::cerr << "glossa-cli: no subcommands yet\n";
  return 2;
}
