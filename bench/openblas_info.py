"""Which OpenBLAS kernel a PyTorch peer ran on, for its benchmark row.

OpenBLAS picks its kernels at load time from the CPU, unless OPENBLAS_CORETYPE forces a core (this
machine's environment sets Haswell for older OpenBLAS builds, which costs a 4096x768x3072 MatMul
88 instead of 112 GFLOPS on Zen). bench/peer-process.ts starts the peers without it; this says what
the library then chose, read from the loaded libopenblas itself (openblas_get_corename).
"""

import ctypes
import re


def openblas_info():
    """{'core': 'Zen', 'config': 'OpenBLAS 0.3.21 ...', 'library': path}, or None when no OpenBLAS is loaded."""
    with open('/proc/self/maps') as maps:
        paths = sorted({m.group(1) for m in (re.search(r'(/\S*libopenblas\S*\.so\S*)', line) for line in maps) if m})
    for path in paths:
        library = ctypes.CDLL(path)
        for suffix in ('', '64_'):
            corename = getattr(library, f'openblas_get_corename{suffix}', None)
            if corename is None:
                continue
            corename.restype = ctypes.c_char_p
            config = getattr(library, f'openblas_get_config{suffix}')
            config.restype = ctypes.c_char_p
            return {'core': corename().decode(), 'config': config().decode().strip(), 'library': path}
    return None
