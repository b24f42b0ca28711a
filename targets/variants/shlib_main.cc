// SPDX-License-Identifier: MIT
// nstuner-shlib: all of nstuner lives in libnstuner-shlib.so (nstuner.cc built with
// -Dmain=nstuner_main); this stub only calls it, so the leak site is in a shared library.
int nstuner_main(int argc, char** argv);

int main(int argc, char** argv) { return nstuner_main(argc, argv); }
