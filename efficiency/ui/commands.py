"""The ``python -m efficiency.refresh`` and ``python -m efficiency.plot`` command lines the pages show (no torch,
no Streamlit)."""
from __future__ import annotations

import shlex

from efficiency.ui.state import ViewState
from efficiency.vocab import unsupported_configuration


def _shell_quote(text: str) -> str:
    return "'" + str(text).replace("'", "") + "'"


def refresh_command(models: str | list[str] = "*", state: ViewState | None = None,
                    input_size: str | None = None) -> str:
    """The ``efficiency.refresh`` command that (re)computes rows for ``models``.

    ``models``: zoo ids, names, archs or fnmatch patterns (one string or a list). A
    ``custom/<entry point>@<size>`` id becomes ``--custom <entry point> --input-size C,H,W``.
    ``state`` adds its hardware configuration (device, batch, dtype, mode), unless the refresh
    would refuse it (fp16 or ``cuda_graph`` on the CPU): a page never prints a command that fails.
    """
    items = [models] if isinstance(models, str) else list(models)
    items = [m.strip("'") for m in items]
    custom = [m for m in items if m.startswith("custom/")]
    zoo = [m for m in items if not m.startswith("custom/")]
    cmd = "python -m efficiency.refresh"
    if zoo:
        cmd += " --models " + " ".join(_shell_quote(m) for m in zoo)
    for m in custom:
        entry, _, size = m[len("custom/"):].rpartition("@")
        size = input_size or size
        cmd += f" --custom {_shell_quote(entry)}" + (f" --input-size {size.replace('x', ',')}" if size else "")
    if state is not None and configuration_problem(state) is None:
        cmd += (f" --device {state.device} --batch-size {state.batch} --dtype {state.dtype}"
                f" --mode {state.mode}")
    return cmd


def plot_command(state: ViewState, out: str = "pareto.svg") -> str:
    """The ``efficiency.plot`` command drawing ``state``'s Pareto figure (efficiency.ui.plot_cli): axes, task,
    hardware configuration, the chosen machine when there is one (else the CLI's automatic one, as the page's),
    and the model filter."""
    cmd = (f"python -m efficiency.plot --x {state.x} --y {state.y_dataset}:{state.y_metric} --task {state.task}"
           f" --device {state.device} --batch {state.batch} --dtype {state.dtype} --mode {state.mode}")
    if state.hw_id:
        cmd += f" --hw {shlex.quote(state.hw_id)}"       # quoted for a POSIX shell: it holds spaces
    if state.search:
        cmd += f" --models {shlex.quote(state.search)}"
    return cmd + f" --out {out}"


def configuration_problem(state: ViewState) -> str | None:
    """Why the refresh refuses ``state``'s hardware configuration, or None (GPU presence aside:
    the command may run on another machine)."""
    return unsupported_configuration(state.device, state.dtype, state.mode)


def llm_measure_command(models: str | list[str] = "*") -> str:
    """Language models are timed by their own sweep on a CUDA GPU (TTFT and decode, eager and CUDA
    graph, batch 1 and 64), whose rows the refresh then merges into the cache."""
    items = [models] if isinstance(models, str) else list(models)
    names = " ".join(_shell_quote(m.strip("'").split("/", 1)[-1]) for m in items)
    return (f"python -m efficiency.run.llm_sweep --out llm_rows.parquet --models {names} && "
            "python -m efficiency.refresh --merge llm_rows.parquet")


def measure_hint(state: ViewState, models: str | list[str] = "*") -> str:
    """"Measure them with `<command>`" for ``state``'s configuration, or why it cannot be measured."""
    if state.task == "language":
        return f"Measure them on a CUDA GPU with `{llm_measure_command(models)}`"
    problem = configuration_problem(state)
    if problem:
        return f"The refresh cannot measure this configuration ({problem}): pick a measured one in the sidebar"
    return f"Measure them with `{refresh_command(models, state)}`"
