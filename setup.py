"""C accelerators for the trace readers and model, built when a compiler is present.

Every ``gotrace/<package>/_*.c`` becomes the extension ``gotrace.<package>._<name>``.
They are optional: without a C compiler the install still succeeds and the
readers fall back to their pure-Python twins (same output, about 10x slower),
which ``gotrace info`` reports. Metadata lives in pyproject.toml.
"""

from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).parent
EXTENSIONS = [
    Extension(
        f"gotrace.{src.parent.name}.{src.stem}",
        [str(src.relative_to(HERE))],
        extra_compile_args=["-O2", "-std=c11", "-Wall"],
        optional=True,
    )
    for src in sorted((HERE / "gotrace").glob("*/_*.c"))
]

setup(ext_modules=EXTENSIONS)
