"""Install the system packages the test suite needs (Debian), when missing.

Only Chromium today (the GraphiQL page is checked in a real headless browser).
Java 17 and Maven are prerequisites the README lists; they are checked here too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

APT_PACKAGES = {"chromium": "chromium"}


def main() -> int:
    missing_tools = [t for t in ("java", "mvn") if shutil.which(t) is None]
    if missing_tools:
        print(f"system_deps: missing {', '.join(missing_tools)} (install Java 17 and Maven)", file=sys.stderr)
        return 1
    missing = [pkg for tool, pkg in APT_PACKAGES.items() if shutil.which(tool) is None]
    if not missing:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"system_deps: please install {' '.join(missing)} (needs root/apt)", file=sys.stderr)
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
