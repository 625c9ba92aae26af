"""`qa-check lint`: the scheme's text rules guard the call-script library (话术库).

`scripts` reads Markdown, text and YAML scripts into located lines, `run.Linter` evaluates the
rules in their script view and maps findings to path:line:col, `suppress` applies and checks the
`qa-check: disable=…` directives, `formats/` renders the report (text, json, sarif, github).

Nothing is imported here: the CLI imports what it needs, so that the hook starts fast.
"""
