"""Read a pipeline definition (stages and their settings) from YAML text."""

from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Stage:
    name: str
    image: str
    retries: int = 0


def parse_pipeline(text: str) -> list[Stage]:
    data = yaml.load(text, Loader=yaml.Loader)
    return [Stage(s["name"], s["image"], int(s.get("retries", 0))) for s in data["stages"]]
