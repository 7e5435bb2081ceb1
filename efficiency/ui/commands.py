"""The ``python -m efficiency.refresh`` and ``python -m efficiency.plot`` command lines the pages show (no torch,
no Streamlit)."""
from __future__ import annotations

import shlex

from efficiency.ui.state import ViewState
from efficiency.vocab import TASKS, unsupported_configuration

ZOO_TASKS = tuple(t for t in TASKS if t != "custom")   # the refresh's --task choices
LISTED = 8      # up to this many missing models are named in a command; more are the task's


def _shell_quote(text: str) -> str:
    return "'" + str(text).replace("'", "") + "'"


def refresh_command(models: str | list[str] = "*", state: ViewState | None = None,
                    input_size: str | None = None, task: str | None = None) -> str:
    """The ``efficiency.refresh`` command that (re)computes rows for ``models``.

    ``models``: zoo ids, names, archs or fnmatch patterns (one string or a list). A
    ``custom/<entry point>@<size>`` id becomes ``--custom <entry point> --input-size C,H,W``.
    ``state`` adds its hardware configuration (device, batch, dtype, mode), unless the refresh
    would refuse it (fp16 or ``cuda_graph`` on the CPU): a page never prints a command that fails.
    ``task``: ``--task`` (a zoo task), which replaces the pattern ``*``: ``--models '*'`` alone is
    the whole zoo, every task.
    """
    items = [models] if isinstance(models, str) else list(models)
    items = [m.strip("'") for m in items]
    custom = [m for m in items if m.startswith("custom/")]
    zoo = [m for m in items if not m.startswith("custom/")]
    cmd = "python -m efficiency.refresh"
    if task in ZOO_TASKS and (not zoo or "*" in zoo):     # named ids need no task
        cmd += f" --task {task}"
        zoo = [m for m in zoo if m != "*"]
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


def accuracy_command(model: str, results: str | None = None) -> str:
    """The refresh that gives the custom model ``model`` (a ``custom/<entry point>@<size>`` id) its
    ImageNet-1k top-1: ``--accuracy`` writes it on the model's cached rows without remeasuring them, and
    ``--skip-latency`` keeps the command from timing configurations it was never measured in. ``results``:
    the cache the dashboard reads, named when it is not the refresh's default."""
    cmd = refresh_command(model) + " --skip-latency --accuracy TOP1"
    return cmd + (f" --cache {shlex.quote(str(results))}" if results else "")


def plot_command(state: ViewState, out: str = "pareto.svg") -> str:
    """The ``efficiency.plot`` command drawing ``state``'s Pareto figure (efficiency.ui.plot_cli): axes, task,
    hardware configuration, the chosen machine when there is one (else the CLI's automatic one, as the page's),
    and every other setting the CLI has where the view differs from its default (filters, highlight, log
    axes, colour, claims, labels, marker size, seed claims): a figure regenerated from it is the one shown.
    What the CLI cannot set is :func:`plot_command_gaps`."""
    q = shlex.quote        # a POSIX shell's quoting: identities and patterns hold spaces and stars
    cmd = (f"python -m efficiency.plot --x {state.x} --y {state.y_dataset}:{state.y_metric} --task {state.task}"
           f" --device {state.device} --batch-size {state.batch} --dtype {state.dtype} --mode {state.mode}")
    if state.hw_id:
        cmd += f" --hw {q(state.hw_id)}"
    if state.search:
        cmd += f" --models {q(state.search)}"
    cmd += "".join(f" --source {q(v)}" for v in state.sources) + "".join(f" --family {q(v)}" for v in state.families)
    flags = {"--seed-only": state.seed_only, "--linear-x": not state.log_x, "--log-y": state.log_y,
             "--no-claims": not state.claims, "--no-labels": not state.labels, "--seed-claims": state.seed_claims}
    cmd += "".join(f" {flag}" for flag, on in flags.items() if on)
    if state.color != "family":
        cmd += f" --color {state.color}"
    if state.highlight.strip():
        cmd += f" --highlight {q(state.highlight)}"
    if state.bubble != "none":
        cmd += f" --bubble {state.bubble}"
    return cmd + f" --out {out}"


def plot_command_gaps(state: ViewState) -> list[str]:
    """The view's settings :func:`plot_command` cannot carry (the CLI has no option for them)."""
    bounds = (state.acc_min, state.acc_max, state.cost_min, state.cost_max)
    return [name for name, on in (("the accuracy and cost bounds", any(v is not None for v in bounds)),
                                  ("timm's test networks shown", state.show_test),
                                  ("the latency budget", state.budget_ms is not None)) if on]


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


def scoped_models(state: ViewState, models: str | list[str] = "*") -> str | list[str]:
    """What a command measures for ``state``'s view: the ``models`` themselves when they are a few
    ids, else the view's task (``*`` with ``--task``; :func:`refresh_command`)."""
    items = [models] if isinstance(models, str) else list(models)
    custom = [m for m in items if m.startswith("custom/")]
    if state.task == "custom" and custom:       # the refresh has no --task custom: each is named
        return custom
    if items and "*" not in items and len(items) <= LISTED:
        return items
    return "*"


def measure_hint(state: ViewState, models: str | list[str] = "*") -> str:
    """"Measure them with `<command>`" for ``state``'s configuration, scoped to ``models`` (the view's
    missing models) or its task, never the whole zoo for one task's view; or why it cannot be measured."""
    if state.task == "language":
        return f"Measure them on a CUDA GPU with `{llm_measure_command(models)}`"
    problem = configuration_problem(state)
    if problem:
        return f"The refresh cannot measure this configuration ({problem}): pick a measured one in the sidebar"
    scoped = scoped_models(state, models)
    if state.task == "custom" and scoped == "*":
        return ("Measure each custom model with `python -m efficiency.refresh --custom package.module:callable "
                f"--input-size C,H,W --device {state.device} --batch-size {state.batch} --dtype {state.dtype} "
                f"--mode {state.mode}`")
    return f"Measure them with `{refresh_command(scoped, state, task=state.task)}`"
