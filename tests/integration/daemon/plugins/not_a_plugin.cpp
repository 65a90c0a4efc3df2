// not_a_plugin.cpp — a shared object without the maelstrom symbols, for the "not a maelstrom plugin" case.
extern "C" __attribute__((visibility("default"))) int someFunction() { return 42; }
