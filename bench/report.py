"""Targets and tables: turn results.json into target verdicts and Markdown."""

TARGET_STARTUP_NODES = "8"


def evaluate_targets(results):
    """Return one verdict per target whose figures were measured in this run."""
    targets = []
    startup = results.get("startup")
    if startup and TARGET_STARTUP_NODES in startup["ratios"]:
        ratios = startup["ratios"][TARGET_STARTUP_NODES]
        targets.append(_verdict(
            "start-up at 8 nodes, trainc / SDK", "at most 0.50", ratios["trainc_over_sdk"], 0.5, "ratio"))
        targets.append(_verdict(
            "start-up at 8 nodes, trainc / CLI loop", "below 1.00", ratios["trainc_over_cli"], 1.0, "ratio", strict=True))

    e2e = results.get("e2e")
    if e2e:
        targets.append(_verdict("end to end, trainc / SDK", "at most 1.00", e2e["trainc_over_sdk"], 1.0, "ratio"))

    plan = results.get("plan")
    if plan:
        for nodes, limit in (("4", 5.0), ("1024", 100.0)):
            figures = plan["sizes"].get(nodes, {}).get("text", {})
            targets.append(_verdict(f"plan at {nodes} nodes, median", f"at most {limit:.0f} ms", figures.get("median_ms"), limit, "ms"))

    memory = results.get("memory")
    if memory:
        for mode, figures in memory["modes"].items():
            targets.append(_verdict(f"apply {mode} at 16 nodes, peak RSS", "at most 30 MiB", figures.get("max"), 30.0, "MiB"))
    return targets


def _verdict(name, target, measured, limit, unit, strict=False):
    if measured is None:
        return {"name": name, "target": target, "measured": None, "unit": unit, "met": None, "margin": "not measured"}
    met = measured < limit if strict else measured <= limit
    headroom = (limit - measured) / limit * 100
    margin = f"{abs(headroom):.0f}% {'under' if headroom >= 0 else 'over'} the limit"
    return {"name": name, "target": target, "measured": measured, "unit": unit, "met": met, "margin": margin}


def markdown(results):
    """Render the results section of docs/benchmarks.md."""
    lines = [
        f"Run on {results['date']} with `{results['command']}`.",
        "",
        f"Machine: {results['machine']['summary']}.",
        f"Load average (1, 5, 15 min) at start {_load(results['load']['start'])}, at end {_load(results['load']['end'])}.",
        "",
    ]

    # The benchmark's own containers raise the load while it runs, so only
    # the load before the first measurement tells whether other work competed.
    load_at_start = results["load"]["start"][0]
    if load_at_start > results["machine"]["nproc"]:
        lines += [
            f"NOTE: the 1-minute load average was {load_at_start:.1f} at the start, above the "
            f"{results['machine']['nproc']} cores, so other work competed with this run and its figures are noisy.",
            "",
        ]

    calls = results.get("engine_calls")
    if calls:
        lines += [
            f"Podman API round trips before the run (median of 5): `GET /_ping` {calls['ping_ms']:.1f} ms, "
            f"`GET /version` {calls['version_ms']:.1f} ms.",
            "",
        ]

    lines += _startup_table(results.get("startup"))
    lines += _e2e_table(results.get("e2e"))
    lines += _plan_table(results.get("plan"))
    lines += _memory_table(results.get("memory"))
    lines += _targets_table(results.get("targets", []))

    failures = _failures(results)
    if failures:
        lines += ["### Failed runs", ""] + [f"- {failure}" for failure in failures] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _startup_table(section):
    if not section:
        return []
    lines = [
        "### Start-up overhead (seconds until every node runs)",
        "",
        "| nodes | trainc median (min–max) | SDK median (min–max) | CLI loop median (min–max) | trainc / SDK | trainc / CLI | runs |",
        "|---:|---|---|---|---:|---:|---|",
    ]
    for nodes in section["nodes"]:
        key = str(nodes)
        sides = {side: section["sides"][side][key] for side in ("trainc", "sdk", "cli")}
        ratios = section["ratios"][key]
        runs = "/".join(str(sides[side]["n"]) for side in ("trainc", "sdk", "cli"))
        lines.append(
            f"| {nodes} | {_spread(sides['trainc'])} | {_spread(sides['sdk'])} | {_spread(sides['cli'])} "
            f"| {_number(ratios['trainc_over_sdk'], 2)} | {_number(ratios['trainc_over_cli'], 2)} | {runs} |"
        )
    lines += [
        "",
        "Runs counts the successful repetitions of trainc/SDK/CLI. Median seconds until each command "
        "returned, and the SDK's whole Python process (interpreter start, imports, client set-up, "
        "`train()`, polling, exit), which its start-up figure above leaves out:",
        "",
        "| nodes | trainc returned | SDK returned | CLI loop returned | SDK whole process |",
        "|---:|---:|---:|---:|---:|",
    ]
    for nodes in section["nodes"]:
        key = str(nodes)
        cells = [_number(section["sides"][side][key]["returned"]["median"], 3) for side in ("trainc", "sdk", "cli")]
        cells.append(_number(section["sides"]["sdk"][key]["process"]["median"], 3))
        lines.append(f"| {nodes} | " + " | ".join(cells) + " |")
    return lines + [""]


def _e2e_table(section):
    if not section:
        return []
    sides = section["sides"]
    return [
        f"### End to end, 2 nodes, linear model for 5 epochs (seconds; trainc spec: {section['trainc_spec'] or 'none ran'})",
        "",
        "| side | median | min | max | runs |",
        "|---|---:|---:|---:|---:|",
        f"| trainc apply | {_number(sides['trainc']['median'], 2)} | {_number(sides['trainc']['min'], 2)} | {_number(sides['trainc']['max'], 2)} | {sides['trainc']['n']} |",
        f"| SDK train() + wait_for_job_status() | {_number(sides['sdk']['median'], 2)} | {_number(sides['sdk']['min'], 2)} | {_number(sides['sdk']['max'], 2)} | {sides['sdk']['n']} |",
        "",
        f"trainc / SDK: {_number(section['trainc_over_sdk'], 2)}",
        "",
    ]


def _plan_table(section):
    if not section:
        return []
    lines = [
        f"### `trainc plan` ({section['tool']}, release build, measured by {section['source']})",
        "",
        "| nodes | format | median ms | mean ± σ ms | min ms | max ms | runs | text plan bytes |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for nodes in section["nodes"]:
        figures = section["sizes"].get(str(nodes), {})
        if "text" not in figures:
            lines.append(f"| {nodes} | | failed | | | | | |")
            continue
        for plan_format in ("text", "json"):
            if plan_format not in figures:
                continue
            timing = figures[plan_format]
            lines.append(
                f"| {nodes} | {plan_format} | {timing['median_ms']:.2f} | {timing['mean_ms']:.2f} ± {timing['stddev_ms']:.2f} "
                f"| {timing['min_ms']:.2f} | {timing['max_ms']:.2f} | {timing['runs']} | {figures['plan_bytes'] or '–'} |"
            )
    return lines + [""]


def _memory_table(section):
    if not section:
        return []
    lines = [
        f"### Peak memory of `trainc apply`, {section['nodes']} nodes (maximum RSS, MiB)",
        "",
        "| mode | median | min | max | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for mode, figures in section["modes"].items():
        lines.append(
            f"| {mode} | {_number(figures['median'], 1)} | {_number(figures['min'], 1)} | {_number(figures['max'], 1)} | {figures['n']} |"
        )
    return lines + [""]


def _targets_table(targets):
    if not targets:
        return []
    lines = ["### Targets", "", "| target | limit | measured | verdict |", "|---|---|---:|---|"]
    for target in targets:
        measured = "–" if target["measured"] is None else f"{target['measured']:.2f} {target['unit']}"
        verdict = {True: "met", False: "missed", None: "not measured"}[target["met"]]
        if target["met"] is not None:
            verdict += f", {target['margin']}"
        lines.append(f"| {target['name']} | {target['target']} | {measured} | {verdict} |")
    return lines + [""]


def _failures(results):
    failures = []
    startup = results.get("startup") or {}
    for side, sizes in (startup.get("sides") or {}).items():
        for nodes, figures in sizes.items():
            failures += [f"start-up, {side}, {nodes} nodes: {error}" for error in figures["errors"]]
    e2e = results.get("e2e") or {}
    for side, figures in (e2e.get("sides") or {}).items():
        failures += [f"end to end, {side}: {error}" for error in figures["errors"]]
    for nodes, figures in ((results.get("plan") or {}).get("sizes") or {}).items():
        if "error" in figures:
            failures.append(f"plan, {nodes} nodes: {figures['error']}")
    for mode, figures in ((results.get("memory") or {}).get("modes") or {}).items():
        failures += [f"memory, {mode}: {error}" for error in figures["errors"]]
    return failures


def _spread(figures):
    if figures["median"] is None:
        return "failed"
    return f"{figures['median']:.3f} ({figures['min']:.3f}–{figures['max']:.3f})"


def _number(value, digits):
    return "–" if value is None else f"{value:.{digits}f}"


def _load(values):
    return ", ".join(f"{value:.2f}" for value in values)
