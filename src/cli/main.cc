#include <cstdio>
int main() { std::puts("liteopt " LITEOPT_VERSION); return 0; }
