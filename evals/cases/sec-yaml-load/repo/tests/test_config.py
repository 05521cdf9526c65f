from app.config import Stage, parse_pipeline

PIPELINE = """
stages:
  - name: build
    image: python:3.12
  - name: test
    image: python:3.12
    retries: 2
"""


def test_parse_pipeline() -> None:
    assert parse_pipeline(PIPELINE) == [
        Stage("build", "python:3.12"),
        Stage("test", "python:3.12", 2),
    ]
