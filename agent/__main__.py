"""``harden`` and ``python -m agent``: an unchanged plan is replayed before harden's imports
(agent.run.replay), anything else goes to the command line (agent.cli)."""

import sys

from agent.run.replay.front import Invocation


def main() -> None:
    invocation = Invocation(sys.argv[1:])
    try:
        code = invocation.serve()
    except KeyboardInterrupt:  # during a replay's few milliseconds: no traceback
        sys.exit(130)
    if code is not None:
        sys.exit(code)
    invocation.record(_command_line)


def _command_line() -> None:
    from agent.cli import main as command_line  # click, pydantic, rich: only from here on

    command_line()


if __name__ == "__main__":
    main()
