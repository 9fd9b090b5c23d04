"""Simulated GitHub and Jira REST servers on loopback, with seed data and fault knobs: the other
side of the wire, shipped for the `demo` and `sandbox` commands and imported by nothing else in
the product.

    wire.py     HTTP primitives: requests, answers, faults, request records, the handler
    server.py   the composition root: `Sandbox` (mounts, log, faults, control endpoints), `serve`
    seed.py     seed documents: the packaged demo (seeds/demo.json) and relative dates
    github/     the simulated GitHub REST API, one module per concern
    jira/       the simulated Jira REST API (Cloud and Data Center), one module per concern
"""

from sandbox.jira import jql  # `sandbox.jql`: tests/test_jira_contract.py reads JQL with it

__all__ = ["jql"]
