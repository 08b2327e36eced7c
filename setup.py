"""Only here to ship the top-level resources/ folder inside the package as triage_desk.resources.

Everything else about the build lives in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

packages = find_namespace_packages(include=["triage_desk*"])
resources = ["triage_desk.resources" + p.removeprefix("resources")
             for p in find_namespace_packages(include=["resources*"])]
setup(
    packages=packages + ["triage_desk.resources"] + resources,
    package_dir={"triage_desk.resources": "resources"},
)
