// cblas from the system OpenBLAS (Debian: libopenblas-dev; pkg-config name `openblas`).
#include <cblas.h>
// Thread control, so benchmarks and deterministic runs can pin the BLAS thread count.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
