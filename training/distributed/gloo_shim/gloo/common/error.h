// Declarations-only stand-in (see ../README.md): ProcessGroupGloo.hpp includes it, needs nothing of it.
#pragma once
