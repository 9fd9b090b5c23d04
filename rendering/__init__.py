"""The neutral document a comment is built as, and its dialects: GitHub Markdown, Jira wiki
markup and the HTML report."""
