"""moto's server for a load: `python -m infra.bench.serial_moto -p PORT` (moto.server's options).

Two changes to moto, both about the emulation, not the service (docs/performance.md):
- One request at a time. moto's backends are not thread-safe: a TransactWriteItems deep-copies
  the whole table while another request thread writes to it ("dictionary changed size during
  iteration"), and the API gets a 500. DynamoDB serialises each item's writes itself; this
  serialises every request, as the tests do for moto in-process (tests/allocation/conftest.py).
  Connections are still served by a thread each, so an idle keep-alive connection blocks nobody.
- It keeps no list of every model instance it ever made (moto does, for its dashboard and
  /moto-api/data.json), and transactions back up only their items
  (emulation.item_level_transaction_backups). moto copies every item a query matches and each
  table a transaction touches, and keeps all copies for good: 2,000 registrations and status
  reads ran a plain moto server out of 24 GB. The load reads no mail from data.json.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto import server
from moto.core.model_instances import reset_model_data
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from infra.bench.emulation import item_level_transaction_backups


class OneRequestAtATime(DomainDispatcherApplication):
    _lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            answer: Iterable[bytes] = super().__call__(environ, start_response)
            body = list(answer)  # the body too is made under the lock
            reset_model_data()
            return body


if __name__ == "__main__":
    server.DomainDispatcherApplication = OneRequestAtATime  # type: ignore[attr-defined]
    with item_level_transaction_backups():
        server.main(sys.argv[1:])
