"""The neutral document a comment is built as, the one walk over it, and the leaves of its three
dialects: GitHub Markdown, Jira wiki markup and the HTML report."""
