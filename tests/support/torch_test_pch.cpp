// Owner of the precompiled header (training/torch_core.h + QtTest) that the training tests reuse.
