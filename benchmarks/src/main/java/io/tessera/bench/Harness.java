package io.tessera.bench;

import io.tessera.bench.jmh.JmhSuite;
import io.tessera.bench.peer.Peer;
import io.tessera.bench.peer.Peers;
import io.tessera.bench.peer.TesseraPeer;
import io.tessera.bench.report.Results;
import io.tessera.bench.report.RunInfo;
import io.tessera.bench.workload.Operations;
import io.tessera.bench.workload.Session;
import io.tessera.bench.ycsb.YcsbRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Runs the suite on each peer in turn, then the Tessera scaling run. */
public final class Harness {
    private final BenchSettings settings;
    private final boolean useJmh;

    /** {@code useJmh = false}: each operation runs a few times directly (the smoke test). */
    public Harness(BenchSettings settings, boolean useJmh) {
        this.settings = settings;
        this.useJmh = useJmh;
    }

    public Results compare(List<String> peerIds, Path home) {
        long t0 = System.nanoTime();
        Results results = new Results(settings, new RunInfo(home));
        for (String id : peerIds) {
            results.peers.add(runPeer(Peers.create(id)));
        }
        if (!settings.scalingNodes().isEmpty()) {
            scaling(results);
        }
        results.durationSeconds = (System.nanoTime() - t0) / 1e9;
        return results;
    }

    Results.PeerResult runPeer(Peer peer) {
        Results.PeerResult pr = new Results.PeerResult(peer.id(), peer.displayName());
        pr.durability = peer.durability();
        pr.isolation = peer.isolation();
        log("== %s: starting", peer.displayName());
        try (RunningPeer rp = RunningPeer.start(peer, settings)) {
            pr.version = rp.version();
            pr.notes = peer.notes();
            pr.loadSeconds = rp.loadSeconds();
            pr.ycsbLoadSeconds = rp.ycsbLoadSeconds();
            if (useJmh) {
                for (JmhSuite.Result j : JmhSuite.run(peer.id(), settings)) {
                    pr.jmh.add(j);
                    log("   %-20s %10.0f ops/s  p50 %8.1f us  p99 %8.1f us", j.benchmark(), j.opsPerSec(), j.p50Micros(), j.p99Micros());
                }
            } else {
                pr.jmh.addAll(direct(rp));
            }
            for (String w : settings.workloads()) {
                YcsbRunner.Result y = YcsbRunner.run(rp.dataSource(), peer.id(), w, settings.ycsbRecords(), settings.threads(),
                        settings.ycsbWarmup(), settings.ycsbSeconds());
                pr.ycsb.add(y);
                log("   YCSB %s %10.0f ops/s  p50 %8.1f us  p99 %8.1f us  errors %d%s", w, y.opsPerSec(), y.p50Micros(),
                        y.p99Micros(), y.errors(), y.lastError() == null ? "" : " (" + y.lastError() + ")");
            }
        } catch (Exception | Error e) {
            pr.failure = describe(e);
            log("   %s FAILED: %s", peer.displayName(), pr.failure);
            if (Boolean.getBoolean("tessera.bench.verbose")) {
                e.printStackTrace();
            }
        }
        return pr;
    }

    /** Each operation a few times, single-threaded, timed roughly: proves it executes. */
    private List<JmhSuite.Result> direct(RunningPeer rp) throws Exception {
        Operations ops = rp.operations();
        java.util.ArrayList<JmhSuite.Result> out = new java.util.ArrayList<>();
        try (Session s = new Session(rp.dataSource().getConnection())) {
            SplittableRandom r = new SplittableRandom(42);
            for (String name : Operations.NAMES) {
                int n = 3;
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    ops.run(name, s, r);
                }
                double us = (System.nanoTime() - t0) / 1e3 / n;
                out.add(new JmhSuite.Result(name, 1, 1e6 / us, us, us, us, n));
            }
        }
        return out;
    }

    void scaling(Results results) {
        try {
            for (int n : settings.scalingNodes()) {
                log("== scaling: Tessera with %d node(s)", n);
                try (RunningPeer rp = RunningPeer.start(new TesseraPeer(n, 1), settings, false)) {
                    for (String w : settings.scalingWorkloads()) {
                        YcsbRunner.Result y = YcsbRunner.run(rp.dataSource(), "tessera", w, settings.ycsbRecords(),
                                settings.threads(), settings.ycsbWarmup(), settings.ycsbSeconds());
                        results.scaling.add(new Results.ScalingPoint(n, w, y.opsPerSec(), y.p50Micros(), y.p99Micros(), y.errors()));
                        log("   nodes %d YCSB %s %10.0f ops/s  p50 %8.1f us  p99 %8.1f us", n, w, y.opsPerSec(),
                                y.p50Micros(), y.p99Micros());
                    }
                }
            }
        } catch (Exception | Error e) {
            results.scalingFailure = describe(e);
            log("   scaling FAILED: %s", results.scalingFailure);
        }
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 600; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(m);
            }
        }
        return sb.toString();
    }

    static void log(String fmt, Object... args) {
        System.err.println(String.format(Locale.ROOT, fmt, args));
    }
}
