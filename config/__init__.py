import os

# numpy's OpenBLAS starts a thread per core and lets them spin between calls. In a web or
# Celery worker (each process serves one request at a time, the host runs several, and the
# embedding model has its own threads) those spinning threads only take CPU from the others:
# one overlap request burnt half as much CPU again with them. The processes are the
# parallelism here, so one BLAS thread each. Set before numpy is first imported, which
# anything that imports this package (settings, wsgi, asgi, celery) precedes.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
