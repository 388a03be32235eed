"""``--scheduler ADDRESS``: a Dask client for the commands that can run on a cluster."""

from __future__ import annotations

#: How long to try to reach a scheduler before giving up (exit 2 naming --scheduler): long
#: enough for a scheduler across a network, short enough that a typo is not a long wait.
CONNECT_TIMEOUT = "3s"


class dask_client:
    """A Dask client for ``--scheduler`` (closed on exit), or None to run locally.

    An unreachable address raises ``OSError`` (which the CLI reports as exit 2 naming the
    option) after CONNECT_TIMEOUT.
    """

    def __init__(self, address: str | None):
        self.address = address
        self.client = None

    def __enter__(self):
        if self.address is None:
            return None
        try:
            from distributed import Client
        except ImportError:
            raise ValueError("--scheduler needs Dask: pip install 'fastgd[dask]'") from None
        self.client = Client(self.address, timeout=CONNECT_TIMEOUT)
        return self.client

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
