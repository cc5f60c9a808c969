"""The engine worker process and its Qt-free client; see ``engine.worker.client`` for usage."""
