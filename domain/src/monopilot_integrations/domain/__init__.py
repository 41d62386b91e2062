"""The reference MonoPilot store: a minimal copy of MonoPilot's tables, the SQL
implementation of core's ``DomainStore`` port over them, and seed files to fill them.

It lets the server run standalone and the tests use a real database. It plugs into the
kernel through hooks only (:mod:`.plugin`): the store through ``provide_domain_store``
(``trylast``, so MonoPilot's own store wins), the tables through their own Alembic branch,
and the ``seed`` command. A deployment that brings MonoPilot's store leaves this
distribution out (or blocks its plugin, ``domain``) and none of these tables is created.
"""
