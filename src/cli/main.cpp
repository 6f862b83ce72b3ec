#include <iostream>
#include "config/loader.h"
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  auto r = vsr::config::LoadConfigFile(argv[2]);
  for (auto& d : r.diags.items()) std::cout << d.Format() << "\n";
  return r.diags.ok() ? 0 : 1;
}
