"""The management API: API keys, integration logs, the retry and dead-letter queues.

Every route needs ``integrations:admin`` and works inside the caller's organisation only:
another organisation's ids are "not found".
"""
