import json
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from helpers.measure import othercpus
from helpers.measure.othercpus import CLAIMS_LOG, OtherCpus, busy_reason, own_cpu_s

# a session of its own, so that it does not share the lowest-priority session's CPU (autogroups)
SESSION = "setsid" if shutil.which("setsid") else ""
SPIN = f'"{sys.executable}" -c "while True: pass"'
posix = pytest.mark.skipif(sys.platform == "win32", reason="starts another program through sh")


def other_cpus_beside_a_spinner(prefix: str) -> float:
    """OtherCpus over a second while another program (prefix: how it is started) spins."""
    # started by a shell that exits at once: the spinner is not our descendant, another program
    started = subprocess.run(
        [
            "sh",
            "-c",
            f"{prefix} {SESSION} {SPIN} >/dev/null 2>&1 & echo $!",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    spinner = psutil.Process(int(started.stdout))
    try:
        assert spinner.pid not in {child.pid for child in psutil.Process().children(True)}
        try:  # under `make test` this test runs at the lowest priority, which the spinner inherits
            spinner.nice(0)
            if hasattr(os, "SCHED_OTHER"):
                os.sched_setscheduler(spinner.pid, os.SCHED_OTHER, os.sched_param(0))
        except (psutil.AccessDenied, PermissionError):
            pytest.skip("cannot start a program at normal priority from a lower one without root")
        time.sleep(0.3)  # let it start spinning
        with OtherCpus() as others:
            time.sleep(1.0)
    finally:
        spinner.kill()
    return others.cpus


@posix
def test_other_cpus_sees_another_program_computing():
    assert other_cpus_beside_a_spinner("") > 0.6, "one spinning program keeps about one CPU busy"


@pytest.mark.parametrize(("nice", "yielding"), [(19, True), (0, False)])
def test_only_programs_at_the_lowest_priority_yield(nice, yielding):
    """A program at nice 19 yields every CPU ours want: its CPU time is not "other programs"."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        process = psutil.Process(child.pid)
        process.nice(max(nice, process.nice()))  # raising a nice value needs no privilege
        if nice and os.path.exists(f"/proc/{child.pid}/autogroup"):  # its session's group too
            with open(f"/proc/{child.pid}/autogroup", "w", encoding="ascii") as autogroup:
                autogroup.write(str(nice))
        assert othercpus.yields(process) is yielding or os.nice(0) > 0
    finally:
        child.kill()
        child.wait()


SPIN_ONE_SECOND = (
    "import time\nend = time.process_time() + 1\nwhile time.process_time() < end: pass"
)


def test_own_cpu_includes_a_child_that_has_exited():
    before = own_cpu_s()
    subprocess.run([sys.executable, "-c", SPIN_ONE_SECOND], check=True)
    assert own_cpu_s() - before >= 0.9  # the child's second of CPU, handed to us as it exited


def test_own_cpu_includes_a_live_child():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        spinner = psutil.Process(child.pid)
        before, child_before = own_cpu_s(), sum(spinner.cpu_times()[:2])
        deadline = time.monotonic() + 60
        # wait for the child's CPU, not for the clock: on a busy machine it may get little of it
        while sum(spinner.cpu_times()[:2]) - child_before < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        child_spent = sum(spinner.cpu_times()[:2]) - child_before
        assert child_spent >= 0.3, "the child spun"
        # its CPU is ours (less a clock tick of rounding in each of the processes summed)
        assert own_cpu_s() - before >= 0.9 * child_spent
    finally:
        child.kill()
        child.wait()


def test_busy_reason_names_who_took_the_cpus():
    assert busy_reason(None) is None
    assert busy_reason(0.49, 0.1) is None
    assert busy_reason(1.25) == "other programs kept 1.2 CPUs busy"
    assert busy_reason(0.0, 0.75) == "the host took 0.8 CPUs (steal time)"


def test_allows_prints_and_logs_each_claim(tmp_path, monkeypatch, capsys):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv(CLAIMS_LOG, str(log))
    others = OtherCpus()
    others.cpus, others.steal = 0.1, 0.0
    assert others.allows("processes beat threads") is True
    others.cpus = 0.9
    assert others.allows("processes beat threads") is False
    assert capsys.readouterr().out.splitlines() == [
        "checked: processes beat threads",
        "not checked: processes beat threads (other programs kept 0.9 CPUs busy)",
    ]
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["checked"] for r in records] == [True, False]
    assert records[1]["why"] == "other programs kept 0.9 CPUs busy"


def test_a_claim_that_needs_more_cpus_than_there_are_is_not_checked(monkeypatch, capsys):
    monkeypatch.delenv(CLAIMS_LOG, raising=False)
    monkeypatch.setattr(othercpus, "usable_cpus", lambda: 1)
    others = OtherCpus()
    others.cpus = others.steal = 0.0
    assert others.allows("two threads hash in parallel", cpus_needed=2) is False
    assert "this machine has 1 CPU(s); the claim needs 2" in capsys.readouterr().out


def test_steal_is_measured_as_cpus():
    with OtherCpus() as others:
        time.sleep(0.05)
    assert others.steal >= 0 and others.cpus >= 0


def test_a_reason_the_caller_found_leaves_the_claim_not_checked(monkeypatch, capsys):
    monkeypatch.delenv(CLAIMS_LOG, raising=False)
    others = OtherCpus()
    others.cpus = others.steal = 0.0
    assert others.allows("chunks of 7 idle longer", why_not="the workers never kept pace") is False
    assert (
        capsys.readouterr().out
        == "not checked: chunks of 7 idle longer (the workers never kept pace)\n"
    )
