// Owner of the engine precompiled header (engine_pch.h) that the torch-free libraries reuse.
