// SPDX-License-Identifier: MIT
// The shared-library half of attrib_toy: an open() inside a .so built without frame pointers.
#include <fcntl.h>

int toylib_opened;

__attribute__((noinline)) int toylib_open(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);  // LEAK-SITE: toylib-open
  toylib_opened++;
  return fd;
}
