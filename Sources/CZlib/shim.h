// Debian zlib1g-dev and libbz2-dev: compressed query logs are read in process.
#include <zlib.h>
#include <bzlib.h>
