"""The Prefect server's API as seen by the operator: deployments, pools, queues, secrets.

This connector talks to Prefect's REST API through Prefect's own async client (the client is
its HTTP library, as httpx is OParl's); it never defines flows or tasks.
"""

from connectors.prefect_api.deploy import DeployReport, sync_deployments
from connectors.prefect_api.payload import FlowTemplate, desired_payload

__all__ = ["DeployReport", "FlowTemplate", "desired_payload", "sync_deployments"]
