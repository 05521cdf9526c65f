"""What a run did, for people and tools: report.md/json, SARIF, terminal tables and consoles,
redaction of outputs.
"""
