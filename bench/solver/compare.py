"""Runs powerhook's solver and dwave-samplers' SimulatedAnnealingSampler side by side and
prints one table: speed and quality at equal work, the auto backend's gaps at a time budget,
and time to the best-known value on bqp250. Called by run.sh."""

import argparse
import csv
import json
import statistics
import subprocess
import time
from pathlib import Path

import dimod
import dwave.samplers.sa.sampler as sa_module
from dwave.samplers import SimulatedAnnealingSampler

# CPU time of dwave-samplers' sampling call itself (the C++ anneal, no Python pre/post
# processing), measured on the calling thread: on a shared machine, wall time also counts
# the time other programs hold the CPU. powerhook reports the same for its worker threads.
_real_anneal = sa_module.simulated_annealing
PEER_CPU_S = []


def _timed_anneal(*args, **kwargs):
    t0 = time.thread_time_ns()
    out = _real_anneal(*args, **kwargs)
    PEER_CPU_S.append((time.thread_time_ns() - t0) / 1e9)
    return out


sa_module.simulated_annealing = _timed_anneal


def read_gset(path):
    lines = [l.split() for l in Path(path).read_text().splitlines() if l.strip()]
    n = int(lines[0][0])
    J = {}
    for i, j, w in lines[1:]:
        key = (int(i) - 1, int(j) - 1)
        J[key] = J.get(key, 0.0) + float(w)
    return n, J


def ours(exe, path, *args):
    out = subprocess.run([exe, "solve", str(path), "--json", *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--powerhook", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    bench = Path(a.shared) / "benchmarks"
    gbest = {r["graph"]: int(r["best_known_cut"])
             for r in csv.DictReader(open(bench / "gset" / "best_known.csv"))}
    qbest = {r["instance"]: int(r["best_known_energy"])
             for r in csv.DictReader(open(bench / "bqp" / "best_known.csv"))}
    rows = []  # (item, ours, peer, budget, verdict)

    # 1. Equal work: 10 reads x 1000 sweeps, one thread, median of reps (interleaved).
    sampler = SimulatedAnnealingSampler()
    for g in ["G1", "G22", "G43", "G55"]:
        path = bench / "gset" / f"{g}.txt"
        n, J = read_gset(path)
        total = sum(J.values())
        bqm = dimod.BinaryQuadraticModel.from_ising({i: 0.0 for i in range(n)}, J)
        work = 10 * 1000 * n
        our_cpu, our_wall, peer_cpu, peer_wall, our_cuts, peer_cuts = [], [], [], [], [], []
        our_reads, peer_reads = [], []
        for rep in range(a.reps):
            seed = rep + 1
            r = ours(a.powerhook, path, "--backend", "sa", "--reads", "10", "--sweeps",
                     "1000", "--threads", "1", "--seed", str(seed))
            our_wall.append(work / (r["elapsed_ms"] / 1e3))
            our_cpu.append(work / (r["cpu_ms"] / 1e3) if r.get("cpu_ms") else float("nan"))
            our_cuts.append(int(r["cut"]))
            our_reads += [(total - e) / 2 for e in r["read_energies"]]
            PEER_CPU_S.clear()
            ss = sampler.sample(bqm, num_reads=10, num_sweeps=1000, seed=seed)
            peer_wall.append(work / (ss.info["timing"]["sampling_ns"] / 1e9))
            peer_cpu.append(work / PEER_CPU_S[0])
            peer_cuts.append(int(round((total - ss.first.energy) / 2)))
            peer_reads += [(total - e) / 2 for e in ss.record.energy]
        oc, pc = statistics.median(our_cpu), statistics.median(peer_cpu)
        ow, pw = statistics.median(our_wall), statistics.median(peer_wall)
        rows.append((f"{g} flip attempts/s, 1 thread, 10x1000, median of {a.reps} (cpu; wall)",
                     f"{oc:.3g}; {ow:.3g}", f"{pc:.3g}; {pw:.3g}", ">= 2x",
                     f"{oc / pc:.2f}x {'PASS' if oc >= 2 * pc else 'MISS'}; "
                     f"{ow / pw:.2f}x {'PASS' if ow >= 2 * pw else 'MISS'}"))
        rows.append((f"{g} best cut at 10x1000: seed 1; best of {a.reps} seeds; mean of all reads",
                     f"{our_cuts[0]}; {max(our_cuts)}; {statistics.mean(our_reads):.1f}",
                     f"{peer_cuts[0]}; {max(peer_cuts)}; {statistics.mean(peer_reads):.1f}",
                     ">= peer",
                     f"{'PASS' if our_cuts[0] >= peer_cuts[0] else 'MISS'}; "
                     f"{'PASS' if max(our_cuts) >= max(peer_cuts) else 'MISS'}; "
                     f"{'PASS' if statistics.mean(our_reads) >= statistics.mean(peer_reads) else 'MISS'}"))

    # 2. auto at a time budget, both cores: mean gap to best-known cut.
    families = [("G1-G10", [f"G{k}" for k in range(1, 11)], "1s", 0.1),
                ("G22-G24", ["G22", "G23", "G24"], "1s", 0.1),
                ("G43-G47", [f"G{k}" for k in range(43, 48)], "1s", 0.1),
                ("G11-G13", ["G11", "G12", "G13"], "1s", 0.5),
                ("G55", ["G55"], "2s", 0.5)]
    for name, graphs, limit, budget in families:
        gaps, worst = [], ("", 0.0)
        for g in graphs:
            r = ours(a.powerhook, bench / "gset" / f"{g}.txt", "--backend", "auto",
                     "--time-limit", limit, "--threads", "2", "--seed", "1")
            gap = 100.0 * (gbest[g] - r["cut"]) / gbest[g]
            gaps.append(gap)
            if gap >= worst[1]:
                worst = (f"{g} {int(r['cut'])}/{gbest[g]}", gap)
        mean = sum(gaps) / len(gaps)
        rows.append((f"auto --time-limit {limit} --threads 2: mean gap {name}",
                     f"{mean:.3f} % (worst {worst[0]})", "-", f"<= {budget} %",
                     "PASS" if mean <= budget else "MISS"))

    # 3. bqp250: time to the best-known energy, one thread, 1 s budget.
    for k in range(1, 11):
        name = f"bqp250-{k}"
        r = ours(a.powerhook, bench / "bqp" / f"{name}.sparse", "--backend", "auto",
                 "--time-limit", "1s", "--threads", "1", "--seed", "1",
                 "--target", str(qbest[name]))
        ok = r["energy"] <= qbest[name]
        rows.append((f"{name} time to best-known {qbest[name]} (1 thread)",
                     f"{r['elapsed_ms']:.0f} ms" + ("" if ok else f" (got {r['energy']:.0f})"),
                     "-", "<= 1000 ms", "PASS" if ok and r["elapsed_ms"] <= 1000 else "MISS"))

    w = [max(len(str(r[i])) for r in rows + [("item", "powerhook", "dwave-samplers 1.8.0",
                                              "budget", "verdict")]) for i in range(5)]
    head = ("item", "powerhook", "dwave-samplers 1.8.0", "budget", "verdict")
    line = " | ".join(h.ljust(w[i]) for i, h in enumerate(head))
    print(line)
    print("-" * len(line))
    for r in rows:
        print(" | ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    main()
