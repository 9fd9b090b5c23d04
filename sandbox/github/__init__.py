"""The simulated GitHub REST API: its store, routes, payload shapes, errors and browser pages.

`sandbox.github.app.GitHubApp` is what `Sandbox` mounts at `/github`; the modules below it hold
one concern each and import only `sandbox.wire` and each other, never the composition root.
"""
