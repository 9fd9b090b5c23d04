"""The simulated Jira REST API (v2), Cloud or Data Center: its store, routes, payload shapes,
field catalogue, JQL subset, authentication and rate limits, errors and browser pages.

`sandbox.jira.app.JiraApp` is what `Sandbox` mounts at `/jira`; the modules below it hold one
concern each and import only `sandbox.wire` and each other, never the composition root.
"""
