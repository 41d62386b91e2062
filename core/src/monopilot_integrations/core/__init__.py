"""The MonoPilot Integrations kernel.

Connector authors import what they need from here: the base classes, the error split and
the ``hookimpl`` marker. Everything else lives in submodules named after one concept each.
"""

from monopilot_integrations.core.connector import Connector, ConnectorContext, JobSpec
from monopilot_integrations.core.errors import (
    ConfigError,
    DeferredError,
    DuplicateRegistrationError,
    FatalError,
    IntegrationError,
    RetriableError,
    UnknownNameError,
)
from monopilot_integrations.core.events import Event, EventType
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.mapper import Mapper
from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.transport import InboundMessage, OutboundMessage, Transport

__all__ = [
    "ConfigError",
    "Connector",
    "ConnectorContext",
    "DeferredError",
    "DuplicateRegistrationError",
    "Event",
    "EventType",
    "FatalError",
    "InboundMessage",
    "IntegrationError",
    "Job",
    "JobSpec",
    "Mapper",
    "OutboundMessage",
    "RetriableError",
    "Transport",
    "UnknownNameError",
    "hookimpl",
]
