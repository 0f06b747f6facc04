// Owner of the test precompiled header (test_pch.h) that the torch-free tests reuse.
