"""Printing the scenarios' figures."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

Print = Callable[[str], None]


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f} s"


def _n(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} MB"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items())) or "none"


def _outcome(audit: dict[str, Any]) -> list[str]:
    lines = [
        f"  posts                  {_counts(audit['posts'])}",
        f"  accounts               {_counts(audit['accounts'])}",
        f"  duplicates             {audit['duplicates']} (posts created twice on a platform; must be 0)",
        f"  lost                   {audit['not_final']} (posts not final; must be 0)",
    ]
    mismatches = {
        "recorded published, not on the platform": audit["published_without_post"],
        "on the platform, not recorded published": audit["posted_but_not_published"],
        "recorded with another post's id": audit["wrong_post_id"],
        "on the platform, no account explains it": audit["unknown_posts"],
    }
    wrong = {name: n for name, n in mismatches.items() if n}
    lines.append(
        "  database vs platforms  "
        + ("agree for every account" if not wrong else "; ".join(f"{n} {name}" for name, n in wrong.items()))
    )
    return lines


def _cpu(f: dict[str, Any]) -> str:
    """Where the cores went during the measurement: the run's own figure, then the machine's by kind."""
    accounts = f["posts"] * f["accounts_per_post"]
    parts = []
    if f.get("publisher_cpu_seconds") is not None:
        seconds = f["publisher_cpu_seconds"]
        parts.append(f"publisher {seconds:.1f} s in the run ({seconds / accounts * 1000:.2f} ms per account)")
    cpu = f.get("cpu") or {}
    if cpu.get("postgresql") is not None:
        parts.append(
            f"PostgreSQL {cpu['postgresql']:.1f} s ({cpu['postgresql'] / accounts * 1000:.2f} ms per account)"
        )
    for kind in ("fake platforms", "other"):
        if kind in cpu:
            parts.append(f"{'other processes' if kind == 'other' else kind} {cpu[kind]:.1f} s")
    return "; ".join(parts) or "not measured (no /proc)"


def _resends(f: dict[str, Any]) -> str:
    refusals = f["platform_summary"].get("duplicate_refusals", 0)
    return (
        f"{refusals} refused by LinkedIn as DUPLICATE_POST: its reconciliation sends the post again on purpose "
        "and takes the URN the refusal names (no second post)"
    )


def _by_platform(audit: dict[str, Any]) -> str:
    counts = audit["needs_review_by_platform"]
    return ", ".join(f"{platform} {n}" for platform, n in sorted(counts.items())) or "none"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, left_last: bool = False) -> list[str]:
    """Columns right-aligned (numbers); with ``left_last`` the last one is text, left-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        *numbers, last = (str(cell) for cell in cells)
        *number_widths, last_width = widths
        aligned = [cell.rjust(width) for cell, width in zip(numbers, number_widths, strict=True)]
        return "  " + "  ".join([*aligned, last if left_last else last.rjust(last_width)])

    return [line(headers), "  " + "  ".join("-" * width for width in widths), *map(line, rows)]


def backlog(figures: dict[str, Any], out: Print) -> None:
    f = figures
    out(
        f"== backlog: {f['posts']:,} posts x {f['accounts_per_post']} accounts ({', '.join(f['platforms'])}) "
        f"at {f['latency_ms']:g} ms, concurrency {f['concurrency']}, one run =="
    )
    out(
        f"  wall time              {_s(f['wall_seconds'])} (process start to exit; the run itself {_s(f['run_seconds'])})"
    )
    delay = f["platform_summary"].get("answer_delay_ms")
    late = (
        f" (the fake answered {delay['p50']:g} ms p50, {delay['p99']:g} ms p99 later than L)" if delay else ""
    )
    out(f"  platform calls         {f['platform_calls']:,}, {_n(f['calls_per_second'])} calls/s{late}")
    out(
        f"  floor                  {_s(f['floor_seconds'])} (N x {f['accounts_per_post']} x L / concurrency); "
        f"ratio to floor {f['ratio_to_floor']:.2f}"
    )
    out(
        f"  queries                {f['queries']:,}, {f['queries_per_post']:.2f} per post (every thread's statements)"
    )
    memory = f"RSS high-water {_mb(f['peak_rss_mb'])} ({_mb(f['baseline_rss_mb'])} before the run)"
    if f.get("python_heap_peak_mb") is not None:
        memory += f"; Python heap peak {_mb(f['python_heap_peak_mb'])} (tracemalloc)"
    out(f"  peak memory            {memory}")
    out(f"  CPU                    {_cpu(f)}")
    out(
        f"  lateness per account   p50 {_s(f['lateness_account_p50'])}, p99 {_s(f['lateness_account_p99'])}, "
        f"max {_s(f['lateness_account_max'])} (published_at - scheduled_at; all due when the run starts)"
    )
    out(
        f"  lateness per post      p50 {_s(f['lateness_post_p50'])}, p99 {_s(f['lateness_post_p99'])} (its last account)"
    )
    for line in _outcome(f["audit"]):
        out(line)


def concurrency_sweep(results: Sequence[dict[str, Any]], out: Print) -> None:
    first = results[0]
    out(
        f"== concurrency: {first['posts']:,} x {first['accounts_per_post']} at {first['latency_ms']:g} ms, "
        "one run each =="
    )
    for line in table(
        [
            "concurrency",
            "run",
            "floor",
            "ratio",
            "calls/s",
            "queries/post",
            "RSS peak",
            "p50 late",
            "p99 late",
            "dup",
            "lost",
        ],
        [
            [
                str(r["concurrency"]),
                _s(r["run_seconds"]),
                _s(r["floor_seconds"]),
                f"{r['ratio_to_floor']:.2f}",
                _n(r["calls_per_second"], 0),
                f"{r['queries_per_post']:.2f}",
                _mb(r["peak_rss_mb"]),
                _s(r["lateness_account_p50"], 1),
                _s(r["lateness_account_p99"], 1),
                str(r["audit"]["duplicates"]),
                str(r["audit"]["not_final"]),
            ]
            for r in results
        ],
    ):
        out(line)


def memory(results: Sequence[dict[str, Any]], out: Print) -> None:
    out(f"== memory against N (concurrency {results[0]['concurrency']}) ==")
    rows = [
        [
            f"{r['posts']:,}",
            _mb(r["baseline_rss_mb"]),
            _mb(r["peak_rss_mb"]),
            _mb(r["peak_rss_mb"] - r["baseline_rss_mb"]) if r["baseline_rss_mb"] else "-",
            _mb(r.get("python_heap_peak_mb")),
        ]
        for r in results
    ]
    for line in table(["posts", "RSS before run", "RSS high-water", "growth", "Python heap peak"], rows):
        out(line)


def scale_out(results: Sequence[dict[str, Any]], out: Print) -> None:
    first = results[0]
    out(
        f"== scale-out: {first['posts']:,} x {first['accounts_per_post']} at {first['latency_ms']:g} ms, "
        f"concurrency {first['concurrency']} per process, processes started together =="
    )
    rows = []
    for r in results:
        per_process = "; ".join(
            f"{run['processed']} posts in {run['run_seconds']:.1f} s = {_n(run['accounts_per_second'], 0)}/s"
            for run in r["runs"]
        )
        rows.append(
            [
                str(r["processes"]),
                _s(r["drain_seconds"]),
                _s(r["floor_seconds"]),
                f"{r['ratio_to_floor']:.2f}",
                _n(r["calls_per_second"], 0),
                str(r["audit"]["duplicates"]),
                str(r["audit"]["not_final"]),
                per_process,
            ]
        )
    for line in table(
        [
            "processes",
            "drain",
            "floor",
            "ratio",
            "calls/s",
            "dup",
            "lost",
            "each process: posts, its run time, accounts/s",
        ],
        rows,
    ):
        out(line)
    for r in results:
        cpu = r.get("cpu") or {}
        accounts = r["posts"] * r["accounts_per_post"]
        if cpu:
            out(
                f"  processes={r['processes']}: CPU "
                + ", ".join(
                    f"{kind} {seconds:.1f} s"
                    + (
                        f" ({seconds / accounts * 1000:.2f} ms per account)"
                        if kind in ("publisher", "postgresql")
                        else ""
                    )
                    for kind, seconds in cpu.items()
                )
            )
    for r in results:
        if not r["audit"]["clean"]:
            out(f"  processes={r['processes']}: database and platforms disagree:")
            for line in _outcome(r["audit"]):
                out(line)


def drill(f: dict[str, Any], out: Print) -> None:
    out(
        f"== drill: {f['posts']:,} posts x {f['accounts_per_post']} accounts ({', '.join(f['platforms'])}; "
        f"{f['accounts_per_platform']} accounts per platform) at {f['latency_ms']:g} ms, lease {f['lease_seconds']} s =="
    )
    killed = [k for k in f["kills"] if k["killed"]]
    out(
        f"  kills                  {len(killed)} runs of `manage.py publish_due_posts` killed with SIGKILL, "
        + ", ".join(
            f"after {k['after_seconds']} s ({_plural(k['in_flight'], 'call')} in flight)" for k in killed
        )
    )
    out(
        f"  recovery               {_plural(len(f['recovery_runs']), 'run')} after the lease: "
        + ", ".join(f"recovered {r['recovered']} + claimed {r['claimed']}" for r in f["recovery_runs"])
    )
    audit = f["audit"]
    reconciles = audit["reconciles"]
    out(
        f"  reconciliations        {sum(reconciles.values())}: "
        + (_counts(reconciles) if reconciles else "none")
        + " (Found = published; NOT_FOUND = sent again; CANNOT_TELL = needs review)"
    )
    for line in _outcome(audit):
        out(line)
    out(f"  LinkedIn resends       {_resends(f)}")
    out(
        f"  needs review           {audit['needs_review']} accounts ({audit['needs_review_on_platform']} of them "
        f"on the platform; {_by_platform(audit)}): calls in flight at a kill whose reconciliation could not tell"
    )


def faults(f: dict[str, Any], out: Print) -> None:
    rates = f["rates"]
    out(
        f"== faults: {f['posts']:,} posts x {f['accounts_per_post']} accounts ({', '.join(f['platforms'])}; "
        f"{f['accounts_per_platform']} per platform) at "
        f"{f['latency_ms']:g} ms; create calls answer 429 {rates['429']:.0%}, 5xx {rates['5xx']:.0%}, "
        f"time out {rates['timeout']:.0%} (read timeout {f['read_timeout']:g} s) =="
    )
    platform = f["platform_summary"]
    out(
        f"  runs                   {_plural(f['runs'], 'run')} in {_s(f['seconds'], 1)} until every post was final"
    )
    out(
        f"  create calls           {platform['create_requests']:,}; faults injected: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(platform["faults"].items()))
    )
    audit = f["audit"]
    out(
        f"  retries                max retry round {audit['max_retry_count']} of max_retries {f['max_retries']}; "
        f"at most {audit['max_publish_attempts']} publish calls per account "
        f"({'bounded' if f['retries_bounded'] else 'NOT BOUNDED'})"
    )
    reconciles = audit["reconciles"]
    out(
        f"  reconciliations        {sum(reconciles.values())}: "
        + (_counts(reconciles) if reconciles else "none")
    )
    for line in _outcome(audit):
        out(line)
    out(f"  LinkedIn resends       {_resends(f)}")
    out(
        f"  needs review           {audit['needs_review']} accounts ({audit['needs_review_on_platform']} on the "
        f"platform; {_by_platform(audit)}): unknown outcomes whose reconciliation could not tell"
    )
